"""The data folder's files: owner-only permissions, the pseudonym key, a damaged file moved aside.

The folder holds the questions staff review, so it is 0700 and every file in it 0600, whatever
the umask; files left more open by an older version are closed down when the bot starts.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import secrets
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

log = logging.getLogger("bot.store")

KEY_BYTES: Final = 32
FOLDER_MODE: Final = 0o700
FILE_MODE: Final = 0o600


class StoreError(Exception):
    """The bot must not start with the data folder as it is; the message says what to do."""


def secure_folder(folder: Path) -> None:
    """Create `folder` as 0700, or close down an existing one; OSError if it cannot be made."""
    folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    _restrict(folder, FOLDER_MODE)


def secure_file(path: Path) -> None:
    """Create `path` empty as 0600, or close down an existing one; OSError if it cannot be made."""
    # Created here rather than by SQLite, which would use 0644 less the umask; SQLite gives its
    # journal the database file's mode.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, FILE_MODE)
    except FileExistsError:
        _restrict(path, FILE_MODE)
    else:
        os.close(fd)


def secure_existing(path: Path) -> None:
    """Make `path` 0600 if it exists (a journal, an old WAL); never fails."""
    _restrict(path, FILE_MODE)


def _restrict(path: Path, mode: int) -> None:
    # Best effort: on a read-only mount, or for a file of another user, the data can still be
    # read (the users' language choices), and writing fails later with its own warning.
    with contextlib.suppress(OSError):
        info = path.stat()
        if stat.S_IMODE(info.st_mode) & 0o077 and info.st_uid == os.geteuid():
            path.chmod(mode)
            log.info("%s was readable by others; now %o", path, mode)


# --- the pseudonym key ---


def read_key(path: Path) -> bytes | None:
    """The key in `path`, None when there is none; StoreError when it is there but unusable."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except (FileNotFoundError, NotADirectoryError):  # no key, or no folder to hold one
        return None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not text"
        raise StoreError(
            f"cannot read the pseudonym key {path} ({reason}). Make it readable by the bot's "
            "user, or restore it from a backup."
        ) from None
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) < KEY_BYTES:
        # An empty or short key makes every pseudonym a hash anyone can recompute: refuse it.
        state = "empty" if not text else f"not {KEY_BYTES} bytes of hex"
        raise StoreError(
            f"the pseudonym key {path} is damaged ({state}). Restore it from a backup, or "
            "delete it to start with a new key (users' language choices are then forgotten)."
        )
    secure_existing(path)
    return key


def create_key(path: Path, key: bytes | None = None) -> bytes:
    """Write `key` (else a new one) whole to `path`; the key found there (another's if first)."""
    key = key or secrets.token_bytes(KEY_BYTES)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, FILE_MODE)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(key.hex() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        # link() rather than rename(): it never replaces a key another process created in the
        # meantime, so two processes starting together end up with the same key. A full disk
        # fails before this point and leaves no key file at all, never an empty one.
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP):
                raise
            temporary.rename(path)  # a file system without hard links
    finally:
        temporary.unlink(missing_ok=True)
    _sync_folder(path.parent)
    found = read_key(path)
    assert found is not None
    return found


def _sync_folder(folder: Path) -> None:
    # The new name is durable only once the folder itself is on disk.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# --- damaged databases ---

COMPANIONS: Final = ("-journal", "-wal", "-shm")
"""SQLite's files next to a database."""


def move_aside(path: Path, now: datetime | None = None) -> Path:
    """Rename a damaged database (and its companions) with a timestamp; the new name of `path`."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    for n in range(1000):
        suffix = f".damaged-{stamp}" + (f"-{n}" if n else "")
        target = path.with_name(path.name + suffix)
        if not target.exists():
            break
    for companion in COMPANIONS:
        source = path.with_name(path.name + companion)
        with contextlib.suppress(FileNotFoundError):
            source.rename(source.with_name(source.name + suffix))
    path.rename(target)
    return target
