"""Reading files that people and programs can get wrong, without ever blocking or echoing too much.

A folder of hand-edited files can hold a pipe, a device, a link to somewhere else or a file on a
mount that has stopped answering. `read_inside` reads only regular files inside its folder and
never more than a limit; `Patience` runs reads in a daemon thread, so that a read that never
returns costs its caller a timeout, not the process.
"""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Final, TypeVar

MAX_FILE_BYTES: Final = 1024 * 1024

R = TypeVar("R")

# O_NONBLOCK: a FIFO swapped in after the check opens at once instead of waiting for a writer.
# O_NOFOLLOW: a link swapped in after the path was resolved is refused, not followed.
# O_NOCTTY: a terminal device swapped in never becomes our controlling terminal.
_OPEN_FLAGS: Final = (
    os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0)
)
_KINDS: Final = (
    (stat.S_ISDIR, "ein Ordner"),
    (stat.S_ISFIFO, "eine Pipe (FIFO)"),
    (stat.S_ISSOCK, "ein Socket"),
    (stat.S_ISCHR, "ein Gerät"),
    (stat.S_ISBLK, "ein Gerät"),
)


class Unreadable(Exception):
    """A file that is not read: why, in German, with what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def read_inside(root: Path, path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of `path`, a regular file inside `root` of at most `limit` bytes; else Unreadable."""
    try:
        resolved = path.resolve(strict=True)
        inside = resolved.is_relative_to(root.resolve(strict=True))
    except FileNotFoundError:
        if path.is_symlink():
            raise Unreadable(
                f"Die Datei {path.name} ist ein Verweis (Link) auf eine Datei, die es nicht gibt. "
                "Ersetzen Sie den Verweis durch die Datei selbst."
            ) from None
        raise Unreadable(f"Die Datei {path.name} fehlt.") from None
    except (OSError, RuntimeError) as exc:  # a loop of links is a RuntimeError before 3.13
        raise Unreadable(_cannot_read(exc)) from None
    if not inside:
        # Never read it: its contents would end up in our messages (and in the log).
        raise Unreadable(
            f"Die Datei {path.name} ist ein Verweis (Link) auf eine Datei außerhalb des Ordners "
            f"{root.name}. Der Bot liest nur Dateien in diesem Ordner: ersetzen Sie den Verweis "
            "durch eine Kopie der Datei."
        )
    try:
        # stat first, so that a device is refused without being opened at all; fstat again on the
        # open descriptor, because the path may have been swapped in between.
        before = resolved.stat()
        _refuse_unless_regular(path, before.st_mode, before.st_size, limit)
        descriptor = os.open(resolved, _OPEN_FLAGS)
    except OSError as exc:
        raise Unreadable(_cannot_read(exc)) from None
    try:
        info = os.fstat(descriptor)
        _refuse_unless_regular(path, info.st_mode, info.st_size, limit)
        data = _read_up_to(descriptor, limit + 1)  # one byte more tells "too big" from "just fits"
    except OSError as exc:
        raise Unreadable(_cannot_read(exc)) from None
    finally:
        os.close(descriptor)
    if len(data) > limit:  # it grew after fstat
        raise Unreadable(_too_big(len(data), limit))
    return data


def _refuse_unless_regular(path: Path, mode: int, size: int, limit: int) -> None:
    """Unreadable unless `mode` is a regular file's and `size` is within `limit`."""
    if not stat.S_ISREG(mode):
        kind = next((kind for is_kind, kind in _KINDS if is_kind(mode)), "etwas anderes")
        raise Unreadable(
            f"{path.name} ist keine gewöhnliche Datei, sondern {kind}. Der Bot liest nur "
            "gewöhnliche Textdateien: ersetzen Sie es durch die Datei selbst."
        )
    if size > limit:
        raise Unreadable(_too_big(size, limit))


def _read_up_to(descriptor: int, count: int) -> bytes:
    """At most `count` bytes from `descriptor`, fewer only at the end of the file."""
    chunks: list[bytes] = []
    left = count
    while left > 0:
        chunk = os.read(descriptor, min(left, 64 * 1024))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _too_big(size: int, limit: int) -> str:
    """The message for a file of `size` bytes where at most `limit` are read."""
    return (
        f"Die Datei ist zu groß ({size} Bytes, höchstens {limit / 1024**2:g} MB). Diese Dateien "
        "haben sonst nur wenige Kilobyte: ist versehentlich etwas anderes hineinkopiert worden?"
    )


def _cannot_read(exc: BaseException) -> str:
    """The message for a file the system would not let us read, with the system's reason."""
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
    return (
        f"Die Datei kann nicht gelesen werden ({reason}). Prüfen Sie, ob sie da ist und ob der "
        "Bot sie lesen darf."
    )


class Hung(Exception):
    """A read that did not finish in time; `path` is what it was reading when time ran out."""

    def __init__(self, path: Path | None, seconds: float) -> None:
        self.path = path
        self.message = (
            f"Die Datei antwortet nicht (seit mehr als {seconds:g} Sekunden). Liegt sie auf "
            "einem Netzlaufwerk, das hängt, oder ist sie keine gewöhnliche Datei? Der Bot "
            "antwortet weiter mit dem letzten fehlerfreien Stand und versucht es später wieder."
        )
        super().__init__(self.message)


class Patience:
    """Runs reads in a daemon thread, so that a read that never returns cannot block the caller.

    A read that hangs keeps its thread: nothing can interrupt a blocked system call. At most one
    such thread exists, because while it hangs every later `run` fails at once with the same
    path instead of starting another thread that would hang on the same file. Being a daemon, the
    thread never delays the end of the process.
    """

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._stuck: tuple[threading.Thread, list[Path]] | None = None

    def run(self, read: Callable[[Callable[[Path], None]], R]) -> R:
        """`read(note)` within the timeout, else Hung; `read` calls `note(path)` before each file."""
        if self._stuck is not None:
            stuck, reading = self._stuck
            if stuck.is_alive():
                raise Hung(reading[-1] if reading else None, self.timeout)
            self._stuck = None
        noted: list[Path] = []
        results: list[R] = []
        errors: list[Exception] = []

        def work() -> None:
            try:
                results.append(read(noted.append))
            except Exception as exc:  # handed to the caller's thread below
                errors.append(exc)

        thread = threading.Thread(target=work, name="faq-reader", daemon=True)
        thread.start()
        thread.join(self.timeout)
        if thread.is_alive():
            self._stuck = (thread, noted)
            raise Hung(noted[-1] if noted else None, self.timeout)
        if errors:
            raise errors[0]
        return results[0]
