"""Reloading while the bot runs: an edit goes live once it is whole and valid, and nothing blocks.

Reading happens in a daemon thread with a timeout (`Patience`), so a file that never answers costs
a tick, not the bot or its shutdown. Parsing, checking and `build` happen in the thread that calls
`refresh` or `reload` (an edge keeps them off its event loop with one `asyncio.to_thread`), and
`current` only ever returns what was built: serving never waits for a reload.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar, overload

from bot.knowledge import snapshot
from bot.knowledge.folder import Files, KnowledgeError, check, errors, read_files
from bot.knowledge.reading import Hung, Patience
from bot.knowledge.resilient import Source, serve
from bot.knowledge.yamlfile import Problem, internal_error
from bot.models import KnowledgeBase

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    # A bare `LiveKnowledge` keeps meaning what it meant before it was generic (PEP 696 default;
    # only type checkers see it, since TypeVar takes a default at run time from Python 3.13 on).
    from typing_extensions import TypeVar as _TypeVar

    T = _TypeVar("T", default=KnowledgeBase)
else:
    T = TypeVar("T")


def _identity(kb: KnowledgeBase) -> KnowledgeBase:
    """The knowledge base itself, for callers that need nothing built from it."""
    return kb


@dataclass(frozen=True)
class _Serving(Generic[T]):
    """What answers now; replaced whole, so a reader never sees half of a swap."""

    value: T
    kb: KnowledgeBase
    version: int
    source: Source


class LiveKnowledge(Generic[T]):
    """The last good knowledge base of `faq_dir`, built into a T, reloaded when its files change."""

    @overload
    def __init__(
        self: LiveKnowledge[KnowledgeBase],
        faq_dir: Path,
        *,
        snapshot_dir: Path | None = None,
        min_interval: float = 2.0,
        read_timeout: float = 10.0,
        settle: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None: ...

    @overload
    def __init__(
        self: LiveKnowledge[T],
        faq_dir: Path,
        build: Callable[[KnowledgeBase], T],
        *,
        snapshot_dir: Path | None = None,
        min_interval: float = 2.0,
        read_timeout: float = 10.0,
        settle: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None: ...

    def __init__(
        self,
        faq_dir: Path,
        build: Callable[[KnowledgeBase], Any] = _identity,
        *,
        snapshot_dir: Path | None = None,
        min_interval: float = 2.0,
        read_timeout: float = 10.0,
        settle: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Load at once: faq/, else the snapshot, else the valid files; KnowledgeError if none.

        `min_interval` spaces the checks of `refresh`; `read_timeout` bounds one read of the
        folder; `settle` is how long `reload` waits to see that a new edit is finished.
        """
        self.faq_dir = faq_dir
        self.snapshot_dir = snapshot_dir
        self.min_interval = min_interval
        self.settle = settle
        self.problems: tuple[Problem, ...] = ()
        """The errors in faq/ now (path:line:column); empty while faq/ loads cleanly."""
        self._build: Callable[[KnowledgeBase], T] = build
        self._clock = clock
        self._patience = Patience(read_timeout)
        self._lock = threading.Lock()
        files = self._read(faq_dir)
        # The snapshot gets its own patience: a hung faq/ must not make the copy look hung too.
        spare = Patience(read_timeout)
        loaded = serve(files, snapshot_dir, lambda root: self._read(root, spare))
        try:
            value = self._build(loaded.kb)
        except Exception as exc:
            raise KnowledgeError([internal_error(faq_dir, "Aufbauen", exc)]) from exc
        self._serving: _Serving[T] = _Serving(value, loaded.kb, 1, loaded.source)
        self._seen = files.digest
        self._pending: str | None = None
        self._checked_at = clock()
        self._report(loaded.problems)
        log.info("knowledge base loaded: %d topics, from %s", len(loaded.kb.topics), loaded.source)
        if loaded.source == "faq":
            self._keep(files)

    @property
    def current(self) -> T:
        """What to answer with now (built at load time, never here)."""
        return self._serving.value

    @property
    def kb(self) -> KnowledgeBase:
        """The knowledge base `current` was built from."""
        return self._serving.kb

    @property
    def version(self) -> int:
        """1 for what was loaded at start; +1 for each successful reload."""
        return self._serving.version

    @property
    def source(self) -> Source:
        """Where `current` comes from: "faq", "snapshot" or "partial" (see `Source`)."""
        return self._serving.source

    def refresh(self) -> bool:
        """Load an edit once it reads the same twice, a check apart; True when swapped.

        Checks at most every `min_interval`; returns at once while another thread loads.
        """
        if not self._lock.acquire(blocking=False):
            return False
        try:
            now = self._clock()
            if now - self._checked_at < self.min_interval:
                return False
            self._checked_at = now
            files = self._read(self.faq_dir)
            if not files.complete:
                self._report(files.problems)
                return False
            if files.digest == self._seen:
                self._pending = None
                return False
            if files.digest != self._pending:
                # New content loads only when two checks a tick apart read the same bytes.
                # Parsing and validating the whole folder before the swap is not enough (F19):
                # a file written in place is half there for a moment, and a half that stops
                # before an optional key is valid itself, so no look at the content can tell
                # it from a finished edit. Only time can: a file still being written changes
                # between two looks. Validation then decides whether the settled content goes
                # live, every file from this one read. Bytes are compared, not size and mtime,
                # which `cp -p` and `rsync -t` keep (F18). The cost: an edit goes live a tick
                # later.
                self._pending = files.digest
                return False
            return self._load(files)
        finally:
            self._lock.release()

    def reload(self) -> list[Problem]:
        """Load now (an admin's /reload); the errors, empty on success."""
        if not self._lock.acquire(timeout=2 * self._patience.timeout + self.settle):
            return [
                Problem(
                    self.faq_dir,
                    1,
                    1,
                    "Es wird gerade schon neu geladen. Versuchen Sie es gleich noch einmal.",
                )
            ]
        try:
            self._checked_at = self._clock()
            files = self._read(self.faq_dir)
            if files.complete and files.digest not in (self._seen, self._pending):
                time.sleep(self.settle)  # new to us: is it finished? (see refresh)
                again = self._read(self.faq_dir)
                if again.digest != files.digest:
                    self._pending = again.digest
                    return _still_changing(files, again)
            if not files.complete:
                self._report(files.problems)
            else:
                self._load(files)
            return list(self.problems)
        finally:
            self._lock.release()

    def _read(self, root: Path, patience: Patience | None = None) -> Files:
        """One read of `root` within the timeout; a hang or a bug is a problem, never raised."""
        try:
            return (patience or self._patience).run(lambda note: read_files(root, note))
        except Hung as hung:
            return Files(root, {}, (Problem(hung.path or root, 1, 1, hung.message),), False)
        except Exception as exc:
            return Files(root, {}, (internal_error(root, "Lesen", exc),), False)

    def _load(self, files: Files) -> bool:
        """Check and build exactly `files`; swap them in when both succeed. True when swapped."""
        self._seen, self._pending = files.digest, None
        with _handing_over_often():
            return self._check_and_build(files)

    def _check_and_build(self, files: Files) -> bool:
        kb, problems = check(files)
        found = errors(problems)
        if kb is not None:
            try:
                value = self._build(kb)
            except Exception as exc:  # the old value stays; said like a mistake in a file
                found = (internal_error(self.faq_dir, "Aufbauen", exc),)
            else:
                self._serving = _Serving(value, kb, self._serving.version + 1, "faq")
                log.info(
                    "knowledge base reloaded: version %d, %d topics",
                    self._serving.version,
                    len(kb.topics),
                )
                self.problems = ()
                self._keep(files)
                return True
        self._report(found)
        return False

    def _report(self, problems: tuple[Problem, ...]) -> None:
        """Make `problems` the current ones; log them, one line each, when they are news."""
        if problems != self.problems:
            for problem in problems:
                log.warning("error in faq/, not loaded: %s", problem)
        self.problems = problems

    def _keep(self, files: Files) -> None:
        """Save `files` as the snapshot; a failure is logged, never raised."""
        if self.snapshot_dir is None:
            return
        try:
            snapshot.save(files, self.snapshot_dir)
        except OSError as exc:
            log.warning(
                "could not keep the last good faq/ in %s (%s): a broken file would then stop "
                "the next start",
                self.snapshot_dir,
                exc.strerror or type(exc).__name__,
            )


_HANDOVER_SECONDS: Final = 0.0005
_handover = threading.Lock()
_building = 0
_usual_interval = 0.0


@contextmanager
def _handing_over_often() -> Iterator[None]:
    """While faq/ is checked and built in the background, the interpreter hands the GIL to a
    waiting thread every half millisecond instead of every five: a reply that needs it a few
    times (after each read or write of a socket) no longer waits up to 5 ms each time. The
    first of overlapping builds sets the interval, the last puts it back."""
    global _building, _usual_interval
    with _handover:
        if _building == 0:
            _usual_interval = sys.getswitchinterval()
            sys.setswitchinterval(min(_usual_interval, _HANDOVER_SECONDS))
        _building += 1
    try:
        yield
    finally:
        with _handover:
            _building -= 1
            if _building == 0:
                sys.setswitchinterval(_usual_interval)


def _still_changing(first: Files, second: Files) -> list[Problem]:
    """A problem at each file that changed between two reads (at the folder when none did)."""
    changed = {
        path
        for path in {*first.contents, *second.contents}
        if first.contents.get(path) != second.contents.get(path)
    }
    return [
        Problem(
            path,
            1,
            1,
            "Die Datei ändert sich gerade noch (wird sie noch gespeichert?). Laden Sie in ein "
            "paar Sekunden noch einmal neu.",
        )
        for path in sorted(changed or {first.root})
    ]
