"""SQLite storage that keeps the least it can, and never stops or slows an answer.

- A user's language choice, under a keyed hash of the user id (the key is a random secret kept in
  the data folder), never the id itself.
- Daily counters by language, label and band; one 👍/👎 per user and answer, under a keyed hash
  of both, folded into plain counts after the retention period.
- The text of questions that got no answer or a "did you mean", scrubbed of numbers, e-mail
  addresses, phone numbers, links and @names, with no user or chat id, dated to the day, deleted
  after the retention period. Nothing is kept of answered questions beyond the counters.

`Store` is the one object callers use; `Recorder` is its writer thread.
"""

from bot.models import Question
from bot.store.files import StoreError
from bot.store.recorder import Recorder
from bot.store.records import (
    NO_LABEL,
    UNSURE_LANG,
    CounterRow,
    FeedbackRow,
    Figures,
    Health,
    StorageUnavailable,
    Tuning,
    UnansweredRow,
    Vote,
)
from bot.store.scrub import MAX_INPUT_CHARS, MAX_STORED_CHARS, scrub
from bot.store.store import DB_NAME, SECRET_NAME, Store, berlin_today

__all__ = [
    "DB_NAME",
    "MAX_INPUT_CHARS",
    "MAX_STORED_CHARS",
    "NO_LABEL",
    "SECRET_NAME",
    "UNSURE_LANG",
    "CounterRow",
    "FeedbackRow",
    "Figures",
    "Health",
    "Question",
    "Recorder",
    "StorageUnavailable",
    "Store",
    "StoreError",
    "Tuning",
    "UnansweredRow",
    "Vote",
    "berlin_today",
    "scrub",
]
