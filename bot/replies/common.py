"""What every reply is built from: the Reply itself and the buttons that recur (a label, the
menu, contact and hours, links, 👍/👎)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.events import Button, Feedback, Keyboard, Menu, Reply, ReplyKind, ShowLabel, encode
from bot.i18n import Translator
from bot.models import CONTACT, SERVICE_INTENTS, KnowledgeBase, Link, Topic

Row = tuple[Button, ...]


def reply(
    t: Translator,
    kind: ReplyKind,
    text: str,
    buttons: Iterable[Row] = (),
    topic: str | None = None,
    listed: tuple[str, ...] = (),
) -> Reply:
    """A Reply in the translator's language; empty rows are left out."""
    return Reply(text, kind, t.lang, tuple(row for row in buttons if row), topic, listed)


def rows(buttons: Sequence[Button], per_row: int = 2) -> Keyboard:
    """`buttons` laid out `per_row` to a row."""
    return tuple(tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row))


def show(title: str, label: str) -> Button:
    """A button that answers `label`: a topic, a sub-answer ("topic/sub"), contact or hours."""
    return Button(title, encode(ShowLabel(label)))


def topic_button(topic: Topic, t: Translator) -> Button:
    """A button that answers `topic`, titled in the reader's language."""
    return show(topic.title[t.lang], topic.id)


def service_title(t: Translator, label: str) -> str:
    return t.gettext("📍 Contact") if label == CONTACT else t.gettext("🕘 Office hours")


def service_button(t: Translator, label: str) -> Button:
    return show(service_title(t, label), label)


def service_buttons(t: Translator) -> Row:
    return tuple(service_button(t, label) for label in SERVICE_INTENTS)


def menu_button(t: Translator) -> Button:
    return Button(t.gettext("☰ All topics"), encode(Menu()))


def label_title(t: Translator, kb: KnowledgeBase, label: str) -> str | None:
    """The button title of a topic, a sub-answer or a service intent; None when unknown."""
    if label in SERVICE_INTENTS:
        return service_title(t, label)
    known = kb.topic(label) or kb.sub_answer(label)
    return known.title[t.lang] if known else None


def link_rows(t: Translator, links: Iterable[Link]) -> Keyboard:
    """One URL button a row: a link opens in one tap instead of being a line to copy. No 🔗 in
    the label: Telegram marks a URL button itself, and the terminal writes one before it."""
    return tuple((Button(item.title[t.lang], item.url, url=True),) for item in links)


def feedback_row(t: Translator, label: str) -> Row:
    return (
        Button(t.gettext("👍 Helpful"), encode(Feedback(label, helpful=True))),
        Button(t.gettext("👎 Not helpful"), encode(Feedback(label, helpful=False))),
    )
