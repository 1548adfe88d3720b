"""What the edges (Telegram, terminal) hand to the conversation, and what they get back.

Plain values, no I/O: an edge turns its input into an `Event` plus a `Who`, calls
`Conversation.handle`, and delivers the `Reply` objects of the `Outcome` in order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias, get_args

from bot.models import Lang

Command: TypeAlias = Literal[
    "start",
    "topics",
    "contact",
    "hours",
    "language",
    "help",
    "privacy",
    "stats",
    "unanswered",
    "reload",
]
"""Commands the conversation knows; the admin ones answer only `Who.is_admin`."""

COMMANDS: tuple[Command, ...] = get_args(Command)
PUBLIC_COMMANDS: tuple[Command, ...] = COMMANDS[:7]
ADMIN_COMMANDS: tuple[Command, ...] = COMMANDS[7:]


@dataclass(frozen=True)
class Who:
    """What the conversation may know about the sender: no id, no name."""

    chosen_lang: Lang | None = None
    """The language the user picked earlier (stored by the edge), if any."""
    client_lang: str | None = None
    """Telegram's `language_code` or the terminal's default, e.g. "uk-UA"."""
    is_admin: bool = False


@dataclass(frozen=True)
class CommandEvent:
    """A slash command. Unknown names arrive as `name=None` and get the help."""

    name: Command | None
    args: str = ""


@dataclass(frozen=True)
class TextEvent:
    """Free text typed by the user (or a photo's caption)."""

    text: str


@dataclass(frozen=True)
class ButtonEvent:
    """A button press; `data` is the `Button.data` the conversation produced."""

    data: str


@dataclass(frozen=True)
class UnsupportedEvent:
    """A sticker, voice message, location, photo without caption, ...: we only read text."""


@dataclass(frozen=True)
class FloodedEvent:
    """The edge's flood limit tripped for this user; they get one "slow down" notice."""


Event: TypeAlias = CommandEvent | TextEvent | ButtonEvent | UnsupportedEvent | FloodedEvent


@dataclass(frozen=True)
class Button:
    label: str
    data: str
    """At most 64 bytes (Telegram's callback_data limit); or a URL when `url` is true."""
    url: bool = False


Keyboard: TypeAlias = tuple[tuple[Button, ...], ...]
"""Rows of buttons."""

ReplyKind: TypeAlias = Literal[
    "answer",
    "suggest",
    "fallback",
    "smalltalk",
    "menu",
    "contact",
    "hours",
    "language",
    "help",
    "privacy",
    "unsupported",
    "slow-down",
    "feedback",
    "admin",
    "error",
]


@dataclass(frozen=True)
class Reply:
    """One message to send: Telegram-flavoured HTML (b, i, a, code) and inline buttons."""

    text: str
    kind: ReplyKind
    lang: Lang
    buttons: Keyboard = ()
    topic_id: str | None = None
    """The topic answered, for feedback and tests."""


@dataclass(frozen=True)
class Outcome:
    replies: tuple[Reply, ...]
    chosen_lang: Lang | None
    """The user's language choice after this event; the edge stores it when it changed."""
    toast: str | None = None
    """A short text for Telegram's answerCallbackQuery pop-up (e.g. "Thanks for the feedback")."""
