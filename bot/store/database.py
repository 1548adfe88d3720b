"""One SQLite connection to the statistics file, used by one thread: schema, writes, reads.

Journal mode TRUNCATE, not WAL. WAL maps the `-shm` file into memory, and truncating that file
(a careless clean-up script) killed the bot with SIGBUS and no log line; WAL with
`locking_mode=EXCLUSIVE` avoids the mapping but then `kita-bot stats` cannot read while the bot
runs. A rollback journal maps nothing (mmap_size is 0 as well). Measured on this machine
(SQLite 3.40, ext4): 7.7 ms per commit of one record against 2.7 ms in WAL, but 0.14 ms per
record in a batch of 100, and the writer thread batches whatever waits, off the event loop.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum
from pathlib import Path

from bot.models import LANGUAGES, Lang, Question
from bot.store.files import COMPANIONS, secure_existing, secure_file, secure_folder
from bot.store.records import (
    NO_LABEL,
    UNSURE_LANG,
    CounterRow,
    FeedbackRow,
    Figures,
    Record,
    UnansweredRow,
    Vote,
)
from bot.store.scrub import scrub

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
-- Votes older than the retention period, and counts from callers without a voter.
CREATE TABLE IF NOT EXISTS feedback (
    day TEXT NOT NULL,
    topic TEXT NOT NULL,
    helpful INTEGER NOT NULL,
    n INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, topic, helpful)
);
-- One row per user and answer (the voter is a keyed hash of both, so it cannot be joined with
-- a user's other votes or language); folded into `feedback` after the retention period.
CREATE TABLE IF NOT EXISTS votes (
    voter TEXT PRIMARY KEY,
    day TEXT NOT NULL,
    topic TEXT NOT NULL,
    helpful INTEGER NOT NULL
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


class Trouble(Enum):
    """What a failed database call means for the writer."""

    BUSY = "locked by another process"
    UNAVAILABLE = "cannot be written"
    DAMAGED = "damaged"
    EMPTIED = "emptied or replaced"
    BAD_RECORD = "refused a record"


_BUSY = frozenset({"SQLITE_BUSY", "SQLITE_LOCKED"})
_DAMAGED = frozenset({"SQLITE_CORRUPT", "SQLITE_NOTADB"})
_UNAVAILABLE = frozenset(
    {
        "SQLITE_FULL",
        "SQLITE_READONLY",
        "SQLITE_IOERR",
        "SQLITE_CANTOPEN",
        "SQLITE_PERM",
        "SQLITE_NOMEM",
        "SQLITE_NOLFS",
        "SQLITE_AUTH",
        "SQLITE_PROTOCOL",
    }
)

_PRIMARY_NAMES = {
    getattr(sqlite3, name): name
    for name in (*_BUSY, *_DAMAGED, *_UNAVAILABLE)
    if isinstance(getattr(sqlite3, name, None), int)
}


def classify(exc: BaseException) -> Trouble:
    """The kind of trouble behind an exception from `Database`."""
    if isinstance(exc, Damaged):
        return Trouble.DAMAGED
    if isinstance(exc, InUse):
        return Trouble.BUSY
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        # Extended codes (SQLITE_IOERR_WRITE ...) carry the primary code in their low byte.
        name = _PRIMARY_NAMES.get(code & 0xFF) if isinstance(code, int) else None
        if name in _BUSY:
            return Trouble.BUSY
        if name in _DAMAGED:
            return Trouble.DAMAGED
        if name in _UNAVAILABLE:
            return Trouble.UNAVAILABLE
        if "no such table" in str(exc):  # the file was emptied under us: a fresh database
            return Trouble.EMPTIED
        return Trouble.BAD_RECORD
    if isinstance(exc, OSError):  # the folder or a file could not be made
        return Trouble.UNAVAILABLE
    return Trouble.BAD_RECORD


class Damaged(Exception):
    """The file is not a sound database (a failed integrity check)."""


class InUse(Exception):
    """Another process keeps the database in WAL mode (an older version of the bot)."""


@dataclass(frozen=True)
class Opened:
    database: Database
    fresh: bool
    """The file held no tables before: new, moved aside, or emptied."""
    checked: Stamp
    """The file as it was when it passed the integrity check."""


Stamp = tuple[int, int, int, int]
"""Device, inode, size and modification time of a file."""


def stamp(path: Path) -> Stamp:
    """What tells one state of a file from another without reading it."""
    info = path.stat()
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)


class Database:
    """The statistics file, open; every method may raise sqlite3.Error or OSError."""

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self._db = connection
        info = path.stat()
        self._identity = (info.st_dev, info.st_ino)

    @classmethod
    def open(cls, path: Path, busy_timeout: float, checked: Stamp | None = None) -> Opened:
        """Open (creating) and check the database; Damaged if it is not sound."""
        # `checked`: the file as it passed the check last time; reopened unchanged after a
        # failed write, it is not read whole again.
        secure_folder(path.parent)
        secure_file(path)
        for companion in COMPANIONS:
            secure_existing(path.with_name(path.name + companion))
        connection = sqlite3.connect(path, timeout=busy_timeout, isolation_level=None)
        try:
            mode = connection.execute("PRAGMA journal_mode=TRUNCATE").fetchone()[0]
            if mode != "truncate":  # SQLite keeps WAL while another connection uses it
                raise InUse(f"journal mode {mode}")
            for pragma in _PRAGMAS:
                connection.execute(pragma)
            before = stamp(path)
            if before != checked:  # reads every page: once per file, not once per retry
                check = connection.execute("PRAGMA quick_check").fetchall()
                if check != [("ok",)]:
                    raise Damaged(str(check[0][0]) if check else "quick_check gave nothing")
            fresh = connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0
            connection.executescript(_SCHEMA)
            return Opened(cls(path, connection), fresh, stamp(path) if fresh else before)
        except BaseException:
            connection.close()
            raise

    def close(self) -> None:
        """Close the connection; never fails."""
        with contextlib.suppress(sqlite3.Error):
            self._db.close()

    def replaced(self) -> bool:
        """True when the file was deleted or another file put in its place since it was opened."""
        try:
            info = self.path.stat()
        except OSError:
            return True
        return (info.st_dev, info.st_ino) != self._identity

    # --- writing ---

    def write(self, languages: Mapping[str, Lang | None], records: Sequence[Record]) -> None:
        """Write everything in one transaction: all of it, or nothing."""
        # The lock first: while another process holds it, a retry costs no scrubbing.
        with self._transaction() as db:
            self._write(db, languages, records)

    @staticmethod
    def _write(
        db: sqlite3.Connection, languages: Mapping[str, Lang | None], records: Sequence[Record]
    ) -> None:
        counts: Counter[tuple[str, str, str, str]] = Counter()
        texts: list[tuple[str, str, str, str]] = []
        votes: list[tuple[str, str, str, int]] = []
        anonymous: Counter[tuple[str, str, int]] = Counter()
        for record in records:
            day = record.day.isoformat()
            match record:
                case Question():
                    lang = record.lang if record.lang_confident else UNSURE_LANG
                    counts[(day, lang, record.label or NO_LABEL, record.band)] += 1
                    text = scrub(record.text) if record.text else ""
                    if text:
                        texts.append((day, lang, record.band, text))
                case Vote(voter=None):
                    anonymous[(day, record.label, int(record.helpful))] += 1
                case Vote(voter=str() as voter):
                    votes.append((voter, day, record.label, int(record.helpful)))
        db.executemany(
            "INSERT INTO languages (user_key, lang) VALUES (?, ?) "
            "ON CONFLICT (user_key) DO UPDATE SET lang = excluded.lang",
            [(key, lang) for key, lang in languages.items() if lang is not None],
        )
        db.executemany(
            "DELETE FROM languages WHERE user_key = ?",
            [(key,) for key, lang in languages.items() if lang is None],
        )
        db.executemany(
            "INSERT INTO counters (day, lang, label, band, n) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (day, lang, label, band) DO UPDATE SET n = n + excluded.n",
            [(*key, n) for key, n in counts.items()],
        )
        db.executemany("INSERT INTO unanswered (day, lang, band, text) VALUES (?, ?, ?, ?)", texts)
        db.executemany(
            "INSERT INTO votes (voter, day, topic, helpful) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (voter) DO UPDATE SET day = excluded.day, helpful = excluded.helpful",
            votes,
        )
        db.executemany(_ADD_FEEDBACK, [(*key, n) for key, n in anonymous.items()])

    def purge(self, cutoff: date) -> int:
        """Delete kept questions from before `cutoff`, fold older votes into counts; how many."""
        day = cutoff.isoformat()
        with self._transaction() as db:
            deleted = db.execute("DELETE FROM unanswered WHERE day < ?", (day,)).rowcount
            db.execute(
                "INSERT INTO feedback (day, topic, helpful, n) "
                "SELECT day, topic, helpful, count(*) FROM votes WHERE day < ? "
                "GROUP BY day, topic, helpful "
                "ON CONFLICT (day, topic, helpful) DO UPDATE SET n = n + excluded.n",
                (day,),
            )
            deleted += db.execute("DELETE FROM votes WHERE day < ?", (day,)).rowcount
        return int(deleted)

    # --- reading ---

    def languages(self) -> dict[str, Lang]:
        """Every language choice kept, by user key."""
        rows = self._db.execute("SELECT user_key, lang FROM languages").fetchall()
        return {key: _LANGS[lang] for key, lang in rows if lang in _LANGS}

    def figures(self, since: date, limit: int) -> Figures:
        """What a staff report needs from `since` on, read in one transaction."""
        day = since.isoformat()
        with self._transaction(mode="DEFERRED") as db:
            counters = db.execute(
                "SELECT day, lang, label, band, n FROM counters WHERE day >= ? ORDER BY day",
                (day,),
            ).fetchall()
            feedback = db.execute(
                "SELECT topic, SUM(CASE WHEN helpful THEN n ELSE 0 END), "
                "SUM(CASE WHEN helpful THEN 0 ELSE n END) FROM ("
                "  SELECT topic, helpful, n FROM feedback WHERE day >= ?"
                "  UNION ALL SELECT topic, helpful, 1 FROM votes WHERE day >= ?"
                ") GROUP BY topic ORDER BY topic",
                (day, day),
            ).fetchall()
            unanswered = db.execute(
                "SELECT day, lang, band, text FROM unanswered WHERE day >= ? "
                "ORDER BY day DESC, id DESC LIMIT ?",
                (day, limit),
            ).fetchall()
            kept = db.execute("SELECT count(*) FROM unanswered WHERE day >= ?", (day,)).fetchone()
        return Figures(
            counters=tuple(CounterRow(*row) for row in counters),
            feedback=tuple(FeedbackRow(*row) for row in feedback),
            unanswered=tuple(UnansweredRow(*row) for row in unanswered),
            unanswered_kept=int(kept[0]),
        )

    def _transaction(self, mode: str = "IMMEDIATE") -> _Transaction:
        return _Transaction(self._db, mode)


class _Transaction:
    """BEGIN ... COMMIT, or ROLLBACK when the body fails (a rollback that fails is ignored)."""

    def __init__(self, connection: sqlite3.Connection, mode: str) -> None:
        self._db = connection
        self._mode = mode

    def __enter__(self) -> sqlite3.Connection:
        self._db.execute(f"BEGIN {self._mode}")
        return self._db

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is None:
            self._db.execute("COMMIT")
        elif self._db.in_transaction:
            # The error that got us here is the one to report, not a failed rollback.
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")


_LANGS: dict[str, Lang] = {lang: lang for lang in LANGUAGES}

_PRAGMAS: tuple[str, ...] = (
    "PRAGMA mmap_size=0",  # a mapped file that someone truncates is a SIGBUS
    "PRAGMA synchronous=FULL",
    # Deleted questions must be gone from the file, not left in free pages for anyone to read.
    "PRAGMA secure_delete=ON",
    # Sorting spills into temporary files in /var/tmp, which would hold question texts.
    "PRAGMA temp_store=MEMORY",
)

_ADD_FEEDBACK = (
    "INSERT INTO feedback (day, topic, helpful, n) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (day, topic, helpful) DO UPDATE SET n = n + excluded.n"
)
