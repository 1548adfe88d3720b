"""`Store`: what the service calls. Nothing on it waits for the disk but the reads for staff.

A user's language is answered from memory (filled from the file at start, updated on every
choice); records are handed to the writer thread (`Recorder`) and written later, so a locked,
full or damaged database never delays or fails a reply.
"""

from __future__ import annotations

import atexit
import hashlib
import hmac
import logging
import secrets
import threading
import weakref
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo

from bot.models import Lang, Question
from bot.store.database import Database
from bot.store.files import KEY_BYTES, create_key, read_key, secure_folder
from bot.store.recorder import Recorder
from bot.store.records import (
    DEFAULT_TUNING,
    CounterRow,
    FeedbackRow,
    Figures,
    Health,
    StorageUnavailable,
    Tuning,
    UnansweredRow,
    Vote,
)
from bot.store.scrub import MAX_INPUT_CHARS

log = logging.getLogger("bot.store")

DB_NAME: Final = "kita-bot.sqlite3"
SECRET_NAME: Final = "user-key.secret"


def berlin_today() -> date:
    """The date in Dresden."""
    return datetime.now(ZoneInfo("Europe/Berlin")).date()


class Store:
    """The bot's only persistent state, in one SQLite file under the data folder."""

    def __init__(
        self,
        data_dir: Path,
        retention_days: int = 30,
        *,
        today: Callable[[], date] = berlin_today,
        tuning: Tuning = DEFAULT_TUNING,
        start_timeout: float = 2.0,
    ) -> None:
        self.path = data_dir / DB_NAME
        self.retention_days = retention_days
        self._key_path = data_dir / SECRET_NAME
        self._report_rows = tuning.report_rows
        self._key = self._load_key()
        self._cache: dict[str, Lang] = {}
        self._cache_lock = threading.Lock()
        self._changed_before_load: set[str] | None = set()
        """Users whose choice changed before the file was read: the file's is older."""
        self._recorder = Recorder(
            self.path,
            today=today,
            retention_days=retention_days,
            prepare=self._save_key,
            opened=self._opened,
            tuning=tuning,
        )
        # Waiting here (at start, not for a message) lets the first users be answered in the
        # language they chose; a locked file only makes the wait end sooner.
        self._recorder.start(wait=start_timeout)
        # A caller that never closes (the terminal chat ends with the input) still gets its last
        # records written: at exit, before the interpreter stops the writer thread.
        self._at_exit = partial(_close_at_exit, weakref.ref(self))
        atexit.register(self._at_exit)

    def _load_key(self) -> bytes:
        key = read_key(self._key_path)  # a damaged key stops the start: StoreError
        if key is not None:
            return key
        try:
            secure_folder(self._key_path.parent)
            return create_key(self._key_path)
        except OSError:
            # Not writable now: a key for this run, saved when the folder can be written (the
            # writer's first open), and the writer's warning tells the operator.
            return secrets.token_bytes(KEY_BYTES)

    def _save_key(self) -> None:
        if self._key_path.exists():
            return
        secure_folder(self._key_path.parent)
        saved = create_key(self._key_path, self._key)
        if saved != self._key:  # another process saved its key first
            log.warning("storage: %s was created by another process", self._key_path)

    def _opened(self, database: Database, fresh: bool) -> None:
        with self._cache_lock:
            first = self._changed_before_load is not None
        rows = database.languages() if first and not fresh else {}  # not under the lock
        with self._cache_lock:
            changed, self._changed_before_load = self._changed_before_load, None
            if changed is not None:
                self._cache.update((key, lang) for key, lang in rows.items() if key not in changed)
                return
            kept = dict(self._cache) if fresh else {}
        # A new file (the old one was damaged, deleted or emptied): write again what we know.
        for key, lang in kept.items():
            self._recorder.put_language(key, lang)

    # --- pseudonyms ---

    def user_key(self, user_id: int) -> str:
        """The pseudonym under which a user's language is kept."""
        return hmac.new(self._key, str(user_id).encode(), hashlib.sha256).hexdigest()

    def _voter(self, user_id: int, label: str) -> str:
        # Its own hash per answer: votes cannot be joined with each other or with the language.
        message = f"vote\x00{user_id}\x00{label}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    # --- languages: answered from memory ---

    def language_of(self, user_id: int) -> Lang | None:
        """The language this user chose, if any (from memory; never waits)."""
        key = self.user_key(user_id)
        with self._cache_lock:
            return self._cache.get(key)

    def remember_language(self, user_id: int, lang: Lang) -> None:
        """Keep this user's language choice (never waits, never fails)."""
        self._set_language(self.user_key(user_id), lang)

    def forget_user(self, user_id: int) -> None:
        """Delete everything kept under this user's pseudonym: their language choice."""
        self._set_language(self.user_key(user_id), None)

    def _set_language(self, key: str, lang: Lang | None) -> None:
        with self._cache_lock:
            if lang is None:
                self._cache.pop(key, None)
            else:
                self._cache[key] = lang
            if self._changed_before_load is not None:
                self._changed_before_load.add(key)
        self._recorder.put_language(key, lang)

    # --- records: queued, never waits ---

    def record(self, question: Question) -> None:
        """Count a question; its text (when it has one) is scrubbed and kept for staff."""
        if question.text is not None and len(question.text) > MAX_INPUT_CHARS:
            # The queue holds no more than the scrubber reads (one more: it sees the cut).
            question = replace(question, text=question.text[: MAX_INPUT_CHARS + 1])
        self._recorder.put(question)

    def vote(self, user_id: int, day: date, label: str, helpful: bool) -> None:
        """A 👍 or 👎 on the answer of `label`; the user's later vote on it replaces this one."""
        self._recorder.put(Vote(day, label, helpful, voter=self._voter(user_id, label)))

    # --- reading for staff: blocks, call it off the event loop ---

    def figures(self, since: date, *, timeout: float = 5.0) -> Figures:
        """Everything a report needs from `since` on; StorageUnavailable when it cannot be read."""
        limit = self._report_rows
        return self._recorder.call(lambda db: db.figures(since, limit), timeout)

    def counters(self, since: date) -> list[CounterRow]:
        """Question counters from `since` on."""
        return list(self.figures(since).counters)

    def feedback(self, since: date) -> list[FeedbackRow]:
        """👍/👎 per topic from `since` on."""
        return list(self.figures(since).feedback)

    def unanswered(self, since: date) -> list[UnansweredRow]:
        """Scrubbed unanswered questions from `since` on, newest first."""
        return list(self.figures(since).unanswered)

    def purge(self, today: date, *, timeout: float = 5.0) -> int:
        """Delete what is past the retention period now (the writer also does it daily)."""
        cutoff = today - timedelta(days=self.retention_days)
        return self._recorder.call(lambda db: db.purge(cutoff), timeout)

    # --- life cycle ---

    @property
    def health(self) -> Health:
        """How storage is doing: working, the problem, records waiting, written, dropped."""
        return self._recorder.health

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything queued so far is written; False if it could not be."""
        try:
            self._recorder.call(lambda db: None, timeout, patient=True)
        except StorageUnavailable:
            return False
        return True

    def close(self, timeout: float = 2.0) -> bool:
        """Write what waits and stop within `timeout` seconds; True when nothing was left."""
        atexit.unregister(self._at_exit)
        return self._recorder.close(timeout)


def _close_at_exit(store: weakref.ref[Store]) -> None:
    found = store()
    if found is not None:
        found.close()
