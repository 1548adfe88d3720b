"""Reloading while the bot runs: edited files are picked up, a broken edit keeps the last good answers."""

from __future__ import annotations

import logging
import stat
import threading
from collections.abc import Callable
from pathlib import Path
from time import monotonic
from typing import TypeAlias

from bot.knowledge.folder import KnowledgeError, load_knowledge
from bot.knowledge.yamlfile import Problem
from bot.models import KnowledgeBase

log = logging.getLogger(__name__)

Signature: TypeAlias = tuple[tuple[str, int, int], ...]


def _signature(faq_dir: Path) -> Signature:
    """Every file under `faq_dir` as (relative path, mtime_ns, size); hidden files are ignored."""
    entries = []
    for path in faq_dir.rglob("*"):
        relative = path.relative_to(faq_dir)
        if any(part.startswith(".") for part in relative.parts):
            continue  # editors' swap and backup files
        try:
            info = path.stat()
        except OSError:
            continue  # removed while we looked
        if stat.S_ISREG(info.st_mode):
            entries.append((relative.as_posix(), info.st_mtime_ns, info.st_size))
    return tuple(sorted(entries))


class LiveKnowledge:
    """The last good knowledge base of `faq_dir`, reloaded when its files change."""

    def __init__(
        self, faq_dir: Path, min_interval: float = 2.0, clock: Callable[[], float] = monotonic
    ) -> None:
        self.faq_dir = faq_dir
        self.min_interval = min_interval
        self.problems: tuple[Problem, ...] = ()
        """The errors of the last attempt when it failed; empty after a success."""
        self.version = 1
        """1 for the knowledge base loaded at start; +1 for each successful reload."""
        self._clock = clock
        self._lock = threading.Lock()
        self._signature = _signature(faq_dir)
        self._current = load_knowledge(faq_dir)  # nothing good to serve yet: let it raise
        self._checked_at = clock()

    @property
    def current(self) -> KnowledgeBase:
        """The knowledge base to answer from now."""
        return self._current

    def refresh(self) -> bool:
        """Reload if a file changed (checked at most every `min_interval`); True when swapped."""
        if not self._lock.acquire(blocking=False):
            return False  # another thread is checking right now
        try:
            now = self._clock()
            if now - self._checked_at < self.min_interval:
                return False
            self._checked_at = now
            signature = _signature(self.faq_dir)
            if signature == self._signature:
                return False
            problems = self._load(signature)
            return not problems
        finally:
            self._lock.release()

    def reload(self) -> list[Problem]:
        """Reload now (an admin's /reload); the errors, empty on success."""
        with self._lock:
            self._checked_at = self._clock()
            return list(self._load(_signature(self.faq_dir)))

    def _load(self, signature: Signature) -> tuple[Problem, ...]:
        # The signature is taken before reading, so an edit made while we read is seen next time;
        # it is remembered even on failure, so a file that stays broken is reported once.
        self._signature = signature
        try:
            kb = load_knowledge(self.faq_dir)
        except KnowledgeError as exc:
            problems = exc.problems
        except Exception as exc:  # a loader bug must not take the last good answers away
            log.exception("knowledge base not reloaded: unexpected error")
            problems = (
                Problem(self.faq_dir, 1, 1, f"Interner Fehler beim Laden: {type(exc).__name__}"),
            )
        else:
            self._current = kb
            self.version += 1
            self.problems = ()
            log.info("knowledge base reloaded: version %d, %d topics", self.version, len(kb.topics))
            return ()
        self.problems = problems
        for problem in problems:
            log.warning("knowledge base not reloaded: %s", problem)
        return problems
