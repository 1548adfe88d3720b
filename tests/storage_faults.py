"""Real faults for the storage tests: another process holding a lock, a child process that runs
the store under a file size limit or as an unprivileged user. No mocks: SQLite, the file system
and the kernel do what they do on a bad day."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

_LOCK_HOLDER = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
db.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.read()
db.execute("COMMIT")
"""


@contextmanager
def lock_held(path: Path) -> Iterator[None]:
    """Another process holds an exclusive lock on the database until the block ends."""
    # As the sqlite3 shell in a transaction, a backup tool or a VACUUM would.
    holder = subprocess.Popen(
        [sys.executable, "-c", _LOCK_HOLDER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdin is not None and holder.stdout is not None
    try:
        assert holder.stdout.readline().strip() == "locked"
        yield
    finally:
        holder.stdin.close()
        holder.wait(timeout=10)
        holder.stdout.close()


_PROLOGUE = """
import codecs
import os


def as_nobody():
    codecs.lookup("ascii")  # the codec's module is imported on first use, from under /root
    if os.geteuid() == 0:
        os.setgroups([])
        os.setgid(65534)
        os.setuid(65534)

"""
"""`as_nobody()` for the child to call once its modules are loaded (Python and the bot live
under /root, which nobody may not enter): from then on file permissions bind, as they do for a
service user."""


def run_child(code: str, *args: str, timeout: float = 60) -> Any:
    """The JSON that `code`, run in a new Python process, prints last; its output if it fails."""
    result = subprocess.run(
        [sys.executable, "-c", _PROLOGUE + code, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return json.loads(result.stdout.strip().splitlines()[-1])


@contextmanager
def shared_folder() -> Iterator[Path]:
    """A folder an unprivileged child process may enter (pytest's tmp_path is root's own)."""
    folder = Path(tempfile.mkdtemp(prefix="kita-bot-test-"))
    try:
        folder.chmod(0o755)
        yield folder
    finally:
        subprocess.run(["rm", "-rf", "--", str(folder)], check=True)
