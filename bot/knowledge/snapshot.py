"""The last faq/ that loaded cleanly, kept on disk so that a broken file cannot stop the next start.

Layout: `<snapshot_dir>/faq-<hash>/` holds a copy of the files, `<snapshot_dir>/current` is a
symbolic link to it. A new copy is written under a temporary name and renamed whole, then the link
is replaced in one rename: a crash at any moment leaves the old copy or the new one, never half of
either. The folder is 0700 and the files 0600: they are only for the bot.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Final

from bot.knowledge.folder import Files

CURRENT: Final = "current"
_PREFIX: Final = "faq-"


def folder(snapshot_dir: Path) -> Path | None:
    """The faq/ copy to serve from, if one was ever saved."""
    current = snapshot_dir / CURRENT
    return current if current.is_dir() else None


def save(files: Files, snapshot_dir: Path) -> bool:
    """Keep `files` as the snapshot unless it already is; True when written. Raises OSError."""
    name = f"{_PREFIX}{files.digest[:16]}"
    current = snapshot_dir / CURRENT
    if current.is_symlink() and current.readlink() == Path(name):
        return False
    snapshot_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    snapshot_dir.chmod(0o700)  # also when it existed before with looser rights
    target = snapshot_dir / name
    if not target.is_dir():
        _write_copy(files, snapshot_dir, target)
    link = snapshot_dir / f".{CURRENT}-{os.getpid()}"
    link.unlink(missing_ok=True)
    link.symlink_to(name)
    link.replace(current)
    _sync(snapshot_dir)
    for old in snapshot_dir.iterdir():
        if old.name != name and old.name.startswith((_PREFIX, ".tmp-")):
            shutil.rmtree(old, ignore_errors=True)
    return True


def _write_copy(files: Files, snapshot_dir: Path, target: Path) -> None:
    """Every file of `files` under `target`, which appears whole or not at all."""
    temporary = Path(tempfile.mkdtemp(prefix=".tmp-", dir=snapshot_dir))  # mode 0700
    try:
        for path, data in files.contents.items():
            copy = temporary / path.relative_to(files.root)
            copy.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            descriptor = os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
        temporary.rename(target)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


def _sync(directory: Path) -> None:
    """Make the renames in `directory` survive a power cut."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
