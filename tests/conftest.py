"""Shared fixtures: the real knowledge base, a conversation with a fixed clock, a temporary data folder."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import Catalogs
from bot.store import Store

if TYPE_CHECKING:
    from bot.conversation import Conversation

ROOT = Path(__file__).resolve().parent.parent
FAQ_DIR = ROOT / "faq"
BERLIN = ZoneInfo("Europe/Berlin")

MONDAY_MORNING = datetime(2026, 11, 23, 10, 30, tzinfo=BERLIN)
"""An ordinary Monday while the office is open (09:00-12:00)."""
WEDNESDAY = datetime(2026, 11, 25, 10, 0, tzinfo=BERLIN)
"""The office is closed on Wednesdays; next opening Thursday 09:00."""

TOPIC_IDS = (
    "rights",
    "registration",
    "kita-admission",
    "hiring-staff",
    "measles",
    "trauma",
    "ukraine-education",
    "psychosocial-help",
    "downloads",
)
"""The nine topics of the city's FAQ page (TOPICS.md), in menu order."""


@pytest.fixture(scope="session")
def catalogs() -> Catalogs:
    return Catalogs.load()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    db = Store(tmp_path / "data")
    yield db
    db.close()


@pytest.fixture
def make_conversation(catalogs: Catalogs, store: Store):
    """Build a conversation on the real faq/ at a given moment."""

    from bot.conversation import Conversation
    from bot.knowledge import LiveKnowledge

    def make(now: datetime = MONDAY_MORNING, *, with_store: bool = True) -> Conversation:
        return Conversation(
            LiveKnowledge(FAQ_DIR),
            catalogs,
            store if with_store else None,
            clock=lambda: now,
        )

    return make


@pytest.fixture
def conversation(make_conversation: Callable[[], Conversation]) -> Conversation:
    return make_conversation()
