"""Short replies when there is nothing to answer: "did you mean", no answer, another town,
thanks, what the bot cannot read. Each fits a phone screen (at most 400 characters and six
buttons) and names the next step: the menu one tap away, the office's phone, today's hours."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Final

from bot.events import Button, NoneOfThese, Reply, encode
from bot.hours import HoursStatus
from bot.i18n import Translator
from bot.markup import escape
from bot.models import GREETING, OUT_OF_SCOPE, KnowledgeBase
from bot.replies.common import (
    label_title,
    menu_button,
    reply,
    rows,
    service_buttons,
    show,
    topic_button,
)
from bot.replies.menus import menu
from bot.replies.office import main_phone, next_step

SUGGESTIONS_SHOWN: Final = 3
ANYWHERE_SHOWN: Final = 4
"""Topics that hold in any town, offered to someone asking about another town."""


def suggest(
    t: Translator,
    kb: KnowledgeBase,
    labels: Sequence[str],
    status: HoursStatus,
    now: datetime,
) -> Reply:
    """ "Did you mean": up to three labels (topics, sub-answers, contact, hours) as buttons,
    "none of these", and the menu."""
    options: list[tuple[Button, ...]] = []
    for label in labels[:SUGGESTIONS_SHOWN]:
        title = label_title(t, kb, label)
        if title is not None:
            options.append((show(title, label),))
    intro = escape(t.gettext("I am not sure I understood. Did you mean one of these?"))
    text = "\n\n".join([intro, next_step(t, kb.office, status, now)])
    none = Button(t.gettext("✖️ None of these"), encode(NoneOfThese()))
    return reply(t, "suggest", text, [*options, (none, menu_button(t))])


def fallback(
    t: Translator,
    kb: KnowledgeBase,
    status: HoursStatus,
    now: datetime,
    *,
    reason: str | None = None,
) -> Reply:
    """No answer: say so (and why, for a question that is not about day care), and where to
    turn next."""
    if reason == OUT_OF_SCOPE:
        intro = t.gettext(
            "I can only help with child day care in Dresden (Kita, Krippe, Hort, "
            "Kindertagespflege), so I have no answer to that. For questions about day care, you "
            "can also call the office:"
        )
    else:
        intro = t.gettext(
            "Sorry, I did not find an answer to that. Please rephrase your question, choose a "
            "topic, or ask the office:"
        )
    text = "\n\n".join([escape(intro), next_step(t, kb.office, status, now)])
    return reply(t, "fallback", text, [(menu_button(t),), service_buttons(t)])


def elsewhere(t: Translator, kb: KnowledgeBase, town: str | None) -> Reply:
    """A question about another town: ask that town; the answers that hold anywhere as buttons;
    our phone for those who do live in Dresden."""
    if town is None:
        intro = t.gettext(
            "I only know about child day care in Dresden. For a Kita place in another town, please "
            "ask that town's administration or the youth office (Jugendamt) of its district."
        )
    else:
        intro = t.gettext(
            "I only know about child day care in Dresden. For a Kita place in {town}, please ask "
            "the administration there or the youth office (Jugendamt) of its district.",
            town=town,
        )
    parts = [escape(intro)]
    phone = main_phone(kb.office)
    if phone:
        parts.append(escape(t.gettext("If you live in Dresden: ☎️ {phone}", phone=phone)))
    anywhere = [topic for topic in kb.topics if topic.where == "anywhere"][:ANYWHERE_SHOWN]
    if anywhere:  # last, just above their buttons
        parts.append(escape(t.gettext("These answers hold in every town:")))
    buttons = [*rows([topic_button(topic, t) for topic in anywhere]), (menu_button(t),)]
    return reply(t, "elsewhere", "\n\n".join(parts), buttons)


def smalltalk(t: Translator, kb: KnowledgeBase, intent: str) -> Reply:
    """Hello gets the menu; thanks and goodbye, however long, a short friendly line."""
    if intent == GREETING:
        return replace(menu(t, kb, t.gettext("Hello! How can I help you?")), kind="smalltalk")
    thanks = t.gettext(
        "You are welcome! Good luck to you and your family. If you have another question, just "
        "write it."
    )
    return reply(t, "smalltalk", escape(thanks), [(menu_button(t),)])


def unsupported(t: Translator, *, document: bool = False) -> Reply:
    """A sticker, voice message, picture ... or a file: the bot reads only typed text."""
    if document:
        text = t.gettext(
            "I cannot read files such as PDFs. Please type your question, for example: Which "
            "documents do we need for the Kita?"
        )
    else:
        text = t.gettext(
            "Please type your question as text. I cannot read stickers, voice messages or pictures."
        )
    return reply(t, "unsupported", escape(text), [(menu_button(t),)])


def write_in_words(t: Translator) -> Reply:
    """A message without any letters or digits (emoji, punctuation)."""
    text = t.gettext(
        "Please write your question in words, for example: How do I find a Kita place?"
    )
    return reply(t, "unsupported", escape(text))


def slow_down(t: Translator) -> Reply:
    text = t.gettext("You are sending messages very quickly. Please wait a moment, then ask again.")
    return reply(t, "slow-down", escape(text))


def error(t: Translator) -> Reply:
    text = t.gettext("Something went wrong on our side. Please try again in a moment.")
    return reply(t, "error", escape(text))
