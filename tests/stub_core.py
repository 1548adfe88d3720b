"""A scripted stand-in for the service, the users who talk to it, and the settings that point the
real Application at the fake Bot API: shared by the tests of the Telegram edge."""

from __future__ import annotations

import dataclasses
import html
import threading
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.events import (
    Button,
    ButtonEvent,
    ChooseLanguage,
    CommandEvent,
    Event,
    Feedback,
    FloodedEvent,
    Outcome,
    Reply,
    ShowLabel,
    TextEvent,
    UnsupportedEvent,
    encode,
)
from bot.service import CommandMenu
from tests.fake_bot_api import TEST_TOKEN, Call, FakeBotApi, User

OLENA = User(1001, "Olena", "uk")
IVAN = User(1002, "Ivan", "ru")
ANNA = User(1003, "Anna", "de")
ADMIN = User(4242, "Sachbearbeiterin", "de")
SECOND_ADMIN = User(4343, "Sachbearbeiter", "de")

LONG_ANSWER = "\n\n".join(
    f"<b>Schritt {n}</b>\n" + "Anmeldung &amp; Platz " * 20 for n in range(60)
)
REGISTRATION = encode(ShowLabel("registration"))
MENU_BUTTONS = (
    (Button("Anmeldung", REGISTRATION), Button("Website", "https://www.dresden.de", url=True)),
)
UNCLEAR = "Kta Anmldng"
"""A typed question the stand-in cannot answer (the no-answer reply)."""
ONE_MOMENT = "One moment, please."
"""The toast for a button pressed over the limit."""
FAILED = "Something went wrong on our side. Please try again in a moment."


class EnglishStrings:
    """The stand-in's interface strings: the English message ids themselves."""

    def gettext(self, message: str, **params: object) -> str:
        return message.format(**params) if params else message


class StubCore:
    """Stands in for the service: answers predictably and records what it was asked."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, Event, str | None, bool]] = []
        self.forgotten: list[int] = []
        self.refreshed_in: list[threading.Thread] = []
        self.problems: list[str] = []
        """What faq_alert reports; a test breaks "faq/" by filling it."""
        self.closed = 0

    def handle(
        self, user_id: int, event: Event, *, client_lang: str | None, private: bool
    ) -> Outcome:
        self.calls.append((user_id, event, client_lang, private))
        match event:
            case TextEvent(text="boom") | ButtonEvent(action=ShowLabel(label="boom")):
                raise RuntimeError(f"the user wrote: {event}")
            case TextEvent(text="long"):
                return Outcome((Reply(LONG_ANSWER, "answer", "de", MENU_BUTTONS),))
            case TextEvent(text="two"):
                return Outcome((Reply("first", "answer", "de"), Reply("second", "menu", "de")))
            case TextEvent(text=text) if text == UNCLEAR:
                return Outcome((Reply("no answer, try again", "fallback", "de", MENU_BUTTONS),))
            case TextEvent(text=text):
                return Outcome((Reply(f"echo: {html.escape(text)}", "answer", "de", MENU_BUTTONS),))
            case ButtonEvent(action=ChooseLanguage(lang=chosen)):
                reply = Reply(f"<b>Мова</b>: {chosen}", "menu", chosen, MENU_BUTTONS)
                return Outcome((reply,), language_chosen=chosen, toast=chosen)
            case ButtonEvent(action=Feedback()):
                return Outcome(toast="Danke!")
            case ButtonEvent(action=action):
                return Outcome((Reply(f"button {action}", "answer", "de"),))
            case CommandEvent(name=name, args=args):
                return Outcome((Reply(f"command {name} {args}".strip(), "help", "de"),))
            case UnsupportedEvent():
                return Outcome((Reply("please type", "unsupported", "de"),))
            case FloodedEvent():
                return Outcome((Reply("slow down", "slow-down", "de"),))
        raise AssertionError(event)

    def translator(self, user_id: int, *, client_lang: str | None) -> EnglishStrings:
        return EnglishStrings()

    def forget(self, user_id: int) -> None:
        self.forgotten.append(user_id)

    def command_menus(self) -> tuple[CommandMenu, ...]:
        def menu(lang: str) -> tuple[tuple[str, str], ...]:
            return (("topics", f"topics ({lang})"), ("help", f"help ({lang})"))

        return (
            ("de", menu("de")),
            ("uk", menu("uk")),
            ("ru", menu("uk")),
            ("en", menu("en")),
            (None, menu("en")),
        )

    def refresh(self) -> bool:
        self.refreshed_in.append(threading.current_thread())
        return False

    def faq_alert(self, admin_id: int) -> Reply | None:
        if not self.problems:
            return None
        return Reply("faq errors:\n" + "\n".join(self.problems), "admin", "de")

    def close(self, timeout: float = 2.0) -> bool:
        self.closed += 1
        return True

    def texts(self) -> list[Event]:
        return [event for _, event, _, _ in self.calls]


class Clock:
    """A monotonic clock the test moves by hand (for the flood limits)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def settings_for(api: FakeBotApi, tmp_path: Path, **changes: Any) -> Settings:
    """Settings for the real Application against `api`; retries fast, one admin."""
    base = Settings(
        token=TEST_TOKEN,
        api_base_url=api.url,
        data_dir=tmp_path / "data",
        admins=frozenset({ADMIN.id}),
        retry_seconds=0.02,
    )
    return dataclasses.replace(base, **changes)


async def replies_to(api: FakeBotApi, chat_id: int, count: int) -> list[Call]:
    """The messages delivered to `chat_id`, once there are at least `count`."""
    assert await api.until(lambda: len(api.sent(chat_id)) >= count), api.calls
    return api.sent(chat_id)
