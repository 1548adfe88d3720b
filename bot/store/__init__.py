"""SQLite storage that keeps the least it can.

- A user's language choice, under a keyed hash of the user id (the key is a random secret kept in
  the data folder), never the id itself.
- Daily counters by language, label and band; 👍/👎 per topic.
- The text of questions that got no answer or a "did you mean", scrubbed of numbers, e-mail
  addresses, phone numbers, links and @names, with no user or chat id, dated to the day, deleted
  after the retention period. Nothing is kept of answered questions beyond the counters.
"""

from __future__ import annotations

import hashlib
import hmac
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from bot.models import LANGUAGES, Lang
from bot.store.files import (
    COMPANIONS,
    StoreError,
    create_key,
    read_key,
    secure_existing,
    secure_file,
    secure_folder,
)
from bot.store.scrub import MAX_INPUT_CHARS, MAX_STORED_CHARS, scrub

__all__ = [
    "DB_NAME",
    "MAX_INPUT_CHARS",
    "MAX_STORED_CHARS",
    "NO_LABEL",
    "SECRET_NAME",
    "CounterRow",
    "FeedbackRow",
    "Store",
    "StoreError",
    "UnansweredRow",
    "scrub",
]

DB_NAME = "kita-bot.sqlite3"
SECRET_NAME = "user-key.secret"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS languages (
    user_key TEXT PRIMARY KEY,
    lang TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS counters (
    day TEXT NOT NULL,
    lang TEXT NOT NULL,
    label TEXT NOT NULL,
    band TEXT NOT NULL,
    n INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, lang, label, band)
);
CREATE TABLE IF NOT EXISTS feedback (
    day TEXT NOT NULL,
    topic TEXT NOT NULL,
    helpful INTEGER NOT NULL,
    n INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, topic, helpful)
);
CREATE TABLE IF NOT EXISTS unanswered (
    id INTEGER PRIMARY KEY,
    day TEXT NOT NULL,
    lang TEXT NOT NULL,
    band TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS unanswered_day ON unanswered (day);
"""

NO_LABEL = "none"


@dataclass(frozen=True)
class CounterRow:
    day: str
    lang: str
    label: str
    band: str
    n: int


@dataclass(frozen=True)
class FeedbackRow:
    topic: str
    helpful: int
    unhelpful: int


@dataclass(frozen=True)
class UnansweredRow:
    day: str
    lang: str
    band: str
    text: str


class Store:
    """The bot's only persistent state, in one SQLite file under the data folder."""

    def __init__(self, data_dir: Path, retention_days: int = 30) -> None:
        secure_folder(data_dir)
        self.path = data_dir / DB_NAME
        self.retention_days = retention_days
        # Losing the key only means language choices are forgotten, the safe direction; a
        # damaged one stops the start (StoreError).
        self._key = read_key(data_dir / SECRET_NAME) or create_key(data_dir / SECRET_NAME)
        secure_file(self.path)  # 0600 before SQLite creates it 0644; its -wal and -shm follow
        for companion in COMPANIONS:
            secure_existing(self.path.with_name(DB_NAME + companion))
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        # Deleted questions must be gone from the file, not left in free pages for anyone to read.
        self._db.execute("PRAGMA secure_delete=ON")
        self._db.executescript(_SCHEMA)
        self._purged_on: date | None = None

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def user_key(self, user_id: int) -> str:
        """The pseudonym under which a user's language is kept."""
        return hmac.new(self._key, str(user_id).encode(), hashlib.sha256).hexdigest()

    # --- language choice ---

    def language_of(self, user_id: int) -> Lang | None:
        """The language this user chose, if any."""
        with self._lock:
            row = self._db.execute(
                "SELECT lang FROM languages WHERE user_key = ?", (self.user_key(user_id),)
            ).fetchone()
        lang = row[0] if row else None
        return next((code for code in LANGUAGES if code == lang), None)

    def remember_language(self, user_id: int, lang: Lang) -> None:
        """Keep this user's language choice."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO languages (user_key, lang) VALUES (?, ?) "
                "ON CONFLICT (user_key) DO UPDATE SET lang = excluded.lang",
                (self.user_key(user_id), lang),
            )

    def forget_user(self, user_id: int) -> None:
        """Delete everything kept for this user (their language choice)."""
        with self._transaction() as db:
            db.execute("DELETE FROM languages WHERE user_key = ?", (self.user_key(user_id),))

    # --- what was asked ---

    def record_question(
        self, day: date, lang: str, label: str | None, band: str, unanswered_text: str | None
    ) -> None:
        """Count one question; keep its scrubbed text only when it was not answered."""
        self.purge(day)
        with self._transaction() as db:
            db.execute(
                "INSERT INTO counters (day, lang, label, band, n) VALUES (?, ?, ?, ?, 1) "
                "ON CONFLICT (day, lang, label, band) DO UPDATE SET n = n + 1",
                (day.isoformat(), lang, label or NO_LABEL, band),
            )
            if unanswered_text is not None:
                text = scrub(unanswered_text)
                if text:
                    db.execute(
                        "INSERT INTO unanswered (day, lang, band, text) VALUES (?, ?, ?, ?)",
                        (day.isoformat(), lang, band, text),
                    )

    def record_feedback(self, day: date, topic: str, helpful: bool) -> None:
        """Count one 👍 or 👎 for a topic."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO feedback (day, topic, helpful, n) VALUES (?, ?, ?, 1) "
                "ON CONFLICT (day, topic, helpful) DO UPDATE SET n = n + 1",
                (day.isoformat(), topic, int(helpful)),
            )

    def purge(self, today: date) -> int:
        """Delete unanswered questions older than the retention period (at most once a day)."""
        if self._purged_on == today:
            return 0
        cutoff = (today - timedelta(days=self.retention_days)).isoformat()
        with self._transaction() as db:
            deleted = db.execute("DELETE FROM unanswered WHERE day < ?", (cutoff,)).rowcount
        if deleted:
            # The write-ahead log still holds the deleted pages until a checkpoint empties it.
            with self._lock:
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self._purged_on = today
        return int(deleted)

    # --- reading for staff ---

    def counters(self, since: date) -> list[CounterRow]:
        """Question counters from `since` on."""
        with self._lock:
            rows = self._db.execute(
                "SELECT day, lang, label, band, n FROM counters WHERE day >= ? ORDER BY day",
                (since.isoformat(),),
            ).fetchall()
        return [CounterRow(*row) for row in rows]

    def feedback(self, since: date) -> list[FeedbackRow]:
        """👍/👎 per topic from `since` on."""
        with self._lock:
            rows = self._db.execute(
                "SELECT topic, SUM(CASE WHEN helpful THEN n ELSE 0 END), "
                "SUM(CASE WHEN helpful THEN 0 ELSE n END) FROM feedback WHERE day >= ? "
                "GROUP BY topic ORDER BY topic",
                (since.isoformat(),),
            ).fetchall()
        return [FeedbackRow(*row) for row in rows]

    def unanswered(self, since: date) -> list[UnansweredRow]:
        """Scrubbed unanswered questions from `since` on, newest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT day, lang, band, text FROM unanswered WHERE day >= ? ORDER BY day DESC, id DESC",
                (since.isoformat(),),
            ).fetchall()
        return [UnansweredRow(*row) for row in rows]
