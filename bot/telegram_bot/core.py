"""What the Telegram edge needs of `bot.service.ChatService` (tests stand in for it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot.events import Event, Outcome, Reply
from bot.service import CommandMenu


class Strings(Protocol):
    """The interface strings in one language (`bot.i18n.Translator`)."""

    def gettext(self, message: str, **params: object) -> str: ...


class Core(Protocol):
    """The service, as the edge calls it; every method may block (call it off the event loop)."""

    def handle(
        self, user_id: int, event: Event, *, client_lang: str | None, private: bool
    ) -> Outcome: ...
    def translator(self, user_id: int, *, client_lang: str | None) -> Strings: ...
    def forget(self, user_id: int) -> None: ...
    def command_menus(self) -> Sequence[CommandMenu]: ...
    def refresh(self) -> bool: ...
    def faq_alert(self, admin_id: int) -> Reply | None: ...
    def close(self, timeout: float = 2.0) -> bool:
        """At shutdown: write what waits to be stored, within `timeout` seconds."""
        ...
