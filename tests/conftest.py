"""Shared fixtures: the real knowledge base built into a brain once per session, the brain's
manners, a temporary store, and a service on both at a fixed moment."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.conversation import Brain, Conversation
from bot.i18n import Catalogs
from bot.knowledge import load_knowledge
from bot.service import ChatService
from bot.store import Store
from tests.fake_bot_api import FakeBotApi
from tests.helpers import FixedBrain
from tests.stub_core import StubCore

ROOT = Path(__file__).resolve().parent.parent
FAQ_DIR = ROOT / "faq"
LOCALES_DIR = ROOT / "locales"
BERLIN = ZoneInfo("Europe/Berlin")

MONDAY_MORNING = datetime(2026, 11, 23, 10, 30, tzinfo=BERLIN)
"""An ordinary Monday while the office is open (09:00-12:00)."""
WEDNESDAY = datetime(2026, 11, 25, 10, 0, tzinfo=BERLIN)
"""The office is closed on Wednesdays; next opening Thursday 09:00."""

TOPIC_IDS = tuple(sorted(path.stem for path in (FAQ_DIR / "topics").glob("*.yaml")))
"""Every topic in faq/ (a topic's file name is its id), so that a new topic needs no test edit."""


@pytest.fixture(scope="session")
def catalogs() -> Catalogs:
    return Catalogs.load(LOCALES_DIR)


@pytest.fixture(scope="session")
def brain() -> Brain:
    """The real faq/ with its matcher, built once: the brain never changes what it is given."""
    return Brain.of(load_knowledge(FAQ_DIR))


@pytest.fixture(scope="session")
def conversation(catalogs: Catalogs) -> Conversation:
    return Conversation(catalogs)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    db = Store(tmp_path / "data")
    yield db
    db.close()


@pytest.fixture
def service(brain: Brain, conversation: Conversation, store: Store) -> ChatService:
    """The service on the session's brain and a fresh store, on a Monday morning."""
    return ChatService(FixedBrain(brain), conversation, store=store, clock=lambda: MONDAY_MORNING)


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    """A fake Bot API server on 127.0.0.1 for one test."""
    with FakeBotApi() as server:
        yield server


@pytest.fixture
def core() -> StubCore:
    """A scripted stand-in for the service, for tests of the Telegram edge."""
    return StubCore()
