"""What is written (records), what is read back for staff (rows), and how storage is doing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final, TypeAlias

from bot.models import Question

NO_LABEL: Final = "none"
"""The label counted for a question that got no answer."""
UNSURE_LANG: Final = "?"
"""The language counted for a message whose language was not detected with confidence."""


@dataclass(frozen=True)
class Vote:
    """A 👍 or 👎 on an answer; one per voter and label, a later vote replaces an earlier one."""

    day: date
    label: str
    helpful: bool
    voter: str | None = None
    """A keyed hash of the user and the label; None for a count without a voter (old callers)."""


Record: TypeAlias = Question | Vote


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


@dataclass(frozen=True)
class Figures:
    """Everything a staff report reads, from one moment of the database."""

    counters: tuple[CounterRow, ...]
    feedback: tuple[FeedbackRow, ...]
    unanswered: tuple[UnansweredRow, ...]
    """The newest kept questions first, at most the limit asked for."""
    unanswered_kept: int
    """How many questions are kept in the period (more than `unanswered` when it was cut)."""


class StorageUnavailable(Exception):
    """A read for staff could not be served now; the message says why (no user data in it)."""


@dataclass(frozen=True)
class Tuning:
    """How patient the writer is; the defaults suit the bot, tests make them short."""

    queue_limit: int = 10_000
    """Records waiting at most; about 10 MB with every one a kept question. Language choices
    wait apart: one per user, the newest, never dropped (memory holds them anyway)."""
    batch: int = 1000
    busy_timeout: float = 0.1
    """How long one SQLite call waits for another process's lock before giving up for now."""
    retry_first: float = 0.05
    retry_max: float = 1.0
    warn_after: float = 1.0
    """A lock shorter than this (a staff report reading) is not worth a warning."""
    purge_check: float = 60.0
    """How often the writer looks whether the day changed, and then deletes what is too old."""
    report_rows: int = 20_000
    """Kept questions a report reads at most, the newest."""


DEFAULT_TUNING = Tuning()


@dataclass(frozen=True)
class Health:
    """How storage is doing, for a status line or a test."""

    working: bool
    """The last attempt to write succeeded."""
    problem: str | None
    waiting: int
    written: int
    dropped: int
    """Records dropped because the queue was full while storage was away."""
    refused: int
    """Records the database refused outright (a bug, logged once)."""
