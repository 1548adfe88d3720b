"""What the edges (Telegram, terminal) hand to the brain, and what they get back.

Plain values, no I/O: an edge turns its input into an `Event` (button data parsed into an
`Action` once, here), the service adds a `Who` and asks the brain, the edge delivers the `Reply`
objects of the `Outcome` in order, and the service keeps its `records`.
"""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass
from datetime import date
from typing import Final, Literal, TypeAlias, assert_never, get_args

from bot.models import LANGUAGES, Lang, Question

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
"""Commands the bot knows; the staff's (stats, unanswered, reload) answer admins only."""

COMMANDS: Final[tuple[Command, ...]] = get_args(Command)


@dataclass(frozen=True)
class Who:
    """What the brain may know about the sender: no id, no name."""

    chosen_lang: Lang | None = None
    """The language the user picked earlier, if any."""
    client_lang: str | None = None
    """Telegram's `language_code` or the terminal's default, e.g. "uk-UA"."""
    is_admin: bool = False
    last_lang: Lang | None = None
    """The language of the user's last message whose language was clear, if any: a button
    pressed, a sticker or an unclear "ok" is answered in it rather than in the client's."""


# --- what a button does, and its data: the one codec -------------------------------------------


@dataclass(frozen=True)
class ShowLabel:
    """Answer a label: a topic, a sub-answer ("topic/sub"), `contact` or `office-hours`."""

    label: str


@dataclass(frozen=True)
class ShowMore:
    """The rest of a label's answer."""

    label: str


@dataclass(frozen=True)
class ChooseLanguage:
    lang: Lang


@dataclass(frozen=True)
class Feedback:
    """👍 or 👎 on the answer of a label."""

    label: str
    helpful: bool


@dataclass(frozen=True)
class Menu:
    """All topics."""


@dataclass(frozen=True)
class NoneOfThese:
    """None of the "did you mean" candidates fits."""


Action: TypeAlias = ShowLabel | ShowMore | ChooseLanguage | Feedback | Menu | NoneOfThese

BUTTON_DATA_LIMIT: Final = 64
"""Telegram's limit for callback_data, in bytes."""

# The wire format of buttons already sent must keep working after an update: change it only by
# adding kinds. A label holds no colon (ids are [a-z0-9-], sub-answers "topic/sub").
_SHOW, _MORE, _LANGUAGE, _FEEDBACK = "t", "+", "l", "f"
_MENU, _NONE_OF_THESE = "m", "x"


def encode(action: Action) -> str:
    """The button data of `action`; ValueError when it would not fit Telegram's 64 bytes."""
    match action:
        case ShowLabel(label=label):
            data = f"{_SHOW}:{label}"
        case ShowMore(label=label):
            data = f"{_MORE}:{label}"
        case ChooseLanguage(lang=lang):
            data = f"{_LANGUAGE}:{lang}"
        case Feedback(label=label, helpful=helpful):
            data = f"{_FEEDBACK}:{label}:{int(helpful)}"
        case Menu():
            data = _MENU
        case NoneOfThese():
            data = _NONE_OF_THESE
        case _:
            assert_never(action)
    if len(data.encode("utf-8")) > BUTTON_DATA_LIMIT:
        raise ValueError(f"button data over {BUTTON_DATA_LIMIT} bytes: {data!r}")
    return data


def parse(data: str) -> Action | None:
    """The action of button data made by `encode`; None for anything else."""
    kind, colon, value = data.partition(":")
    if not colon:
        return Menu() if data == _MENU else NoneOfThese() if data == _NONE_OF_THESE else None
    if not value:
        return None
    if kind == _SHOW:
        return ShowLabel(value)
    if kind == _MORE:
        return ShowMore(value)
    if kind == _LANGUAGE:
        return next((ChooseLanguage(lang) for lang in LANGUAGES if lang == value), None)
    if kind == _FEEDBACK:
        label, _, helpful = value.rpartition(":")
        return Feedback(label, helpful == "1") if label and helpful in ("0", "1") else None
    return None


# --- events -------------------------------------------------------------------------------------


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
    """A button press, its data parsed by the edge; None for data we did not make (or no longer
    understand), which gets the menu."""

    action: Action | None


@dataclass(frozen=True)
class UnsupportedEvent:
    """A sticker, voice message, location, photo without caption, ...: we only read text."""

    document: bool = False
    """A file (a PDF, a scan sent as a document): it gets its own notice, since people send
    forms and letters expecting them to be read."""


@dataclass(frozen=True)
class FloodedEvent:
    """The edge's flood limit tripped for this user; they get one "slow down" notice."""


Event: TypeAlias = CommandEvent | TextEvent | ButtonEvent | UnsupportedEvent | FloodedEvent


# --- replies ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Button:
    label: str
    data: str
    """`encode(action)`, at most 64 bytes (Telegram's callback_data limit); or a URL when `url`."""
    url: bool = False


Keyboard: TypeAlias = tuple[tuple[Button, ...], ...]
"""Rows of buttons."""

ReplyKind: TypeAlias = Literal[
    "answer",
    "more",
    "referral",
    "elsewhere",
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
    """One message to send: Telegram-flavoured HTML (b, i, a) and inline buttons."""

    text: str
    kind: ReplyKind
    lang: Lang
    buttons: Keyboard = ()
    topic_id: str | None = None
    """The label answered, for feedback and tests."""
    listed: tuple[str, ...] = ()
    """The labels of the text's "• " lines, in order (the menu's topics; a topic meant for
    families and Kitas is listed twice), so that the terminal can number them."""


# --- what to count ------------------------------------------------------------------------------

PRESSED: Final = "button"
"""The band of a question asked by pressing a button."""
REJECTED: Final = "rejected"
"""The band of a "none of these" press."""


@dataclass(frozen=True)
class Rated:
    """A 👍 or 👎 on the answer of a label."""

    day: date
    label: str
    helpful: bool


Record: TypeAlias = Question | Rated


@dataclass(frozen=True)
class Outcome:
    """What the brain decided for one event."""

    replies: tuple[Reply, ...] = ()
    _: KW_ONLY
    language_chosen: Lang | None = None
    """A language the user chose with this event (to remember); None when they chose none."""
    language_seen: Lang | None = None
    """The answer language of a message whose language was clear (to remember as the
    conversation's language until a clear message in another one); None otherwise."""
    toast: str | None = None
    """A short text for Telegram's answerCallbackQuery pop-up (e.g. "Thanks for the feedback")."""
    records: tuple[Record, ...] = ()
    """What to count; the service writes it, and a failing write never costs the reply."""
