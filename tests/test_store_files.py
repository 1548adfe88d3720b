"""The data folder is the owner's alone, and the pseudonym key is whole or the bot does not start."""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from bot.store import DB_NAME, SECRET_NAME, Question, Store, StoreError
from tests.storage_faults import run_child


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """The usual umask 022, which made the database readable by every local user."""
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.mark.usefixtures("loose_umask")
def test_the_data_folder_is_0700_and_every_file_in_it_0600(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = Store(data)
    store.record(Question(date(2026, 11, 30), "de", None, "none", "Olena fragt nach der Kita"))
    assert store.flush()
    assert mode(data) == 0o700
    assert {DB_NAME, SECRET_NAME} <= {path.name for path in data.iterdir()}
    assert {mode(path) for path in data.iterdir()} == {0o600}
    store.close()


@pytest.mark.usefixtures("loose_umask")
def test_files_left_readable_by_an_older_version_are_closed_down(tmp_path: Path) -> None:
    data = tmp_path / "data"
    Store(data).close()
    data.chmod(0o755)
    for path in data.iterdir():
        path.chmod(0o644)
    (data / f"{DB_NAME}-wal").write_bytes(b"")  # an old WAL file, as the WAL version left
    (data / f"{DB_NAME}-wal").chmod(0o644)
    Store(data).close()
    assert mode(data) == 0o700
    assert {mode(path) for path in data.iterdir()} == {0o600}


def test_a_missing_key_is_created_whole(tmp_path: Path) -> None:
    store = Store(tmp_path)
    key = (tmp_path / SECRET_NAME).read_text(encoding="ascii")
    assert len(bytes.fromhex(key.strip())) == 32
    assert mode(tmp_path / SECRET_NAME) == 0o600
    assert sorted(path.name for path in tmp_path.iterdir() if path.name.startswith(".")) == []
    expected = hmac.new(bytes.fromhex(key.strip()), b"42", hashlib.sha256).hexdigest()
    assert store.user_key(42) == expected
    store.close()


@pytest.mark.parametrize(
    "content",
    ["", "\n", "00", "abc", "this is not hex", "ab" * 31, "zz" * 32],
    ids=["empty", "newline", "one byte", "odd", "text", "31 bytes", "not hex"],
)
def test_a_damaged_key_stops_the_start_with_one_line_that_says_what_to_do(
    tmp_path: Path, content: str
) -> None:
    # An empty key was accepted: every pseudonym became an HMAC anyone could recompute.
    (tmp_path / SECRET_NAME).write_text(content, encoding="ascii")
    with pytest.raises(StoreError) as raised:
        Store(tmp_path)
    message = str(raised.value)
    assert "\n" not in message
    assert str(tmp_path / SECRET_NAME) in message
    assert "backup" in message and "delete it" in message


def test_an_unreadable_key_stops_the_start(tmp_path: Path) -> None:
    (tmp_path / SECRET_NAME).mkdir()  # unreadable as a file, even for root
    with pytest.raises(StoreError, match="cannot read the pseudonym key"):
        Store(tmp_path)


_START = """
import sys
from pathlib import Path
from bot.store import Store
print(Store(Path(sys.argv[1])).user_key(777000111), flush=True)
"""


def test_processes_starting_together_share_one_key(tmp_path: Path) -> None:
    starts = [
        subprocess.Popen(
            [sys.executable, "-c", _START, str(tmp_path)], stdout=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    keys = {start.communicate(timeout=60)[0].strip() for start in starts}
    assert len(keys) == 1
    assert [path.name for path in tmp_path.iterdir() if path.name.startswith(".")] == []


_FULL_AT_FIRST_START = """
import json, resource, signal, sys
from pathlib import Path
from bot.store import SECRET_NAME, Store
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
data = Path(sys.argv[1])
soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
resource.setrlimit(resource.RLIMIT_FSIZE, (0, hard))  # not a byte can be written
store = Store(data)
store.remember_language(7, "uk")
during = {"key file": (data / SECRET_NAME).exists(), "language": store.language_of(7)}
resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
flushed = store.flush(timeout=5)
store.close()
print(json.dumps({"during": during, "flushed": flushed,
                  "key": (data / SECRET_NAME).read_text().strip(),
                  "language": Store(data).language_of(7)}))
"""


def test_a_full_disk_at_first_start_leaves_no_empty_key(tmp_path: Path) -> None:
    # It left a 0-byte key file, and the next start used it.
    result = run_child(_FULL_AT_FIRST_START, str(tmp_path))
    assert result["during"] == {"key file": False, "language": "uk"}
    assert result["flushed"] is True
    assert len(bytes.fromhex(result["key"])) == 32  # the key of the first run, saved later
    assert result["language"] == "uk"
