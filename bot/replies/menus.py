"""The menu and the replies to commands: the greeting, languages, help, privacy and the staff's."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Final

from bot.events import Button, ChooseLanguage, Reply, encode
from bot.i18n import Translator
from bot.markup import bold, escape
from bot.models import LANGUAGES, SUB_ANSWER_SEPARATOR, KnowledgeBase, Topic
from bot.replies.common import label_title, reply, rows, service_buttons, topic_button

PROBLEMS_SHOWN: Final = 20
"""Lines of faq/ problems an admin gets at most; the last one then says how many more."""

_FLAGS = {"de": "🇩🇪", "uk": "🇺🇦", "en": "🇬🇧"}


def _menu_groups(kb: KnowledgeBase) -> tuple[list[Topic], list[Topic]]:
    """The menu's two lists in menu order: for families, for Kitas ("both" topics are in each)."""
    families = [topic for topic in kb.topics if topic.audience in ("families", "both")]
    kitas = [topic for topic in kb.topics if topic.audience in ("kitas", "both")]
    return families, kitas


def menu(t: Translator, kb: KnowledgeBase, intro: str | None = None) -> Reply:
    """The topic menu, grouped for families and for Kitas, with contact and hours buttons."""
    families, kitas = _menu_groups(kb)
    parts = [escape(intro)] if intro else []
    parts.append(escape(t.gettext("Choose a topic or write your question in your own words.")))
    listed: list[str] = []
    for heading, group in (
        (t.gettext("👪 For families"), families),
        (t.gettext("🏫 For Kitas and providers"), kitas),
    ):
        if group:
            titles = "\n".join(f"• {escape(topic.title[t.lang])}" for topic in group)
            parts.append(f"{bold(heading)}\n{titles}")
            listed += (topic.id for topic in group)
    ordered = [*families, *(topic for topic in kitas if topic not in families)]
    buttons = (*rows([topic_button(topic, t) for topic in ordered]), service_buttons(t))
    return reply(t, "menu", "\n\n".join(parts), buttons, listed=tuple(listed))


def greeting(t: Translator, kb: KnowledgeBase) -> Reply:
    """/start: who we are, the menu, and a row to change the language."""
    intro = t.gettext(
        "Hello! I answer questions about child day care in Dresden (Kita, Krippe, Hort, "
        "Kindertagespflege) for families from Ukraine and for Kitas. The bot's team compiled "
        "the answers from public sources such as the city's web pages. Binding information "
        "comes only from the office: {office}.",
        office=kb.office.name[t.lang],
    )
    welcome = menu(t, kb, intro)
    return replace(welcome, buttons=(*welcome.buttons, _language_row(t)))


def _language_row(t: Translator) -> tuple[Button, ...]:
    """Language buttons, each labelled in its own language."""
    return tuple(
        Button(f"{_FLAGS[lang]} {t.language_name(lang)}", encode(ChooseLanguage(lang)))
        for lang in LANGUAGES
    )


def language_picker(t: Translator) -> Reply:
    """/language without a choice: the language buttons."""
    return reply(t, "language", escape(t.gettext("Choose your language:")), (_language_row(t),))


def language_set(t: Translator, kb: KnowledgeBase) -> Reply:
    """Confirmation after a language choice, followed by the menu in that language."""
    return menu(t, kb, t.gettext("I will answer in English from now on."))


def command_descriptions(t: Translator) -> tuple[tuple[str, str], ...]:
    """The public commands with a short description, for /help and Telegram's command menu."""
    return (
        ("topics", t.gettext("all topics")),
        ("contact", t.gettext("address, phone and e-mail of the office")),
        ("hours", t.gettext("office hours and whether the office is open now")),
        ("language", t.gettext("change the language")),
        ("privacy", t.gettext("what this bot stores")),
        ("help", t.gettext("how to use this bot")),
    )


def help_text(t: Translator, kb: KnowledgeBase) -> Reply:
    """What the bot does and its commands."""
    commands = [f"/{name} — {escape(text)}" for name, text in command_descriptions(t)]
    heading = t.gettext("How to use this bot")
    text = "\n".join(
        [
            bold(heading),
            escape(
                t.gettext(
                    "Write your question in your own words, in Ukrainian, German or English, "
                    "or choose a topic."
                )
            ),
            "",
            *commands,
            "",
            escape(
                t.gettext("Please do not send names, addresses, case numbers or health details.")
            ),
        ]
    )
    return reply(t, "help", text, menu(t, kb).buttons)


def privacy(t: Translator, operator: str, retention_days: int) -> Reply:
    """Who runs the bot, what it stores and for how long, and Telegram's role."""
    heading = t.gettext("Privacy")
    paragraphs = [
        bold(heading),
        escape(t.gettext("This bot is operated by: {operator}.", operator=operator)),
        escape(
            t.gettext(
                "We store your language choice under a pseudonym (a keyed hash of your Telegram "
                "id, never the id itself), and daily counts of questions by topic and language. "
                "Until the bot restarts, it also remembers the language you last wrote in, under "
                "the same pseudonym and in memory only."
            )
        ),
        escape(
            t.ngettext(
                "Questions the bot could not answer are kept without your user or chat id, so that "
                "staff can improve the answers. Numbers, e-mail addresses, phone numbers, links and "
                "@usernames are removed from them, but names are not: please do not write names or "
                "other personal details. The questions are deleted after {n} day.",
                "Questions the bot could not answer are kept without your user or chat id, so that "
                "staff can improve the answers. Numbers, e-mail addresses, phone numbers, links and "
                "@usernames are removed from them, but names are not: please do not write names or "
                "other personal details. The questions are deleted after {n} days.",
                retention_days,
            )
        ),
        escape(
            t.gettext(
                "Telegram is a service provider outside the European Union; what you send passes "
                "through its servers. Please do not send names, addresses, case numbers or health "
                "details. You can also reach the office by phone, by e-mail or in person."
            )
        ),
    ]
    return reply(t, "privacy", "\n\n".join(paragraphs))


def admin_text(t: Translator, text: str) -> Reply:
    """A staff-only reply; `text` is plain text and gets escaped here."""
    return reply(t, "admin", escape(text))


def reload_result(
    t: Translator, problems: Sequence[str], topic_count: int, *, left_out: bool = False
) -> Reply:
    """The answer to an admin's /reload, or an alert about faq/: success, or the problems (at
    most `PROBLEMS_SHOWN` lines) while the old version serves, or, with `left_out`, while the
    bot answers without the broken files' topics (it started with them broken)."""
    if not problems:
        message = t.ngettext(
            "The knowledge base was reloaded: {n} topic.",
            "The knowledge base was reloaded: {n} topics.",
            topic_count,
        )
        return admin_text(t, message)
    if left_out:
        heading = t.gettext(
            "faq/ had errors when the bot started. It answers without the topics in these files "
            "until they are fixed:"
        )
    else:
        heading = t.gettext(
            "The files have errors. The previous version keeps answering. Please fix:"
        )
    shown = list(problems)
    if len(shown) > PROBLEMS_SHOWN:
        shown[PROBLEMS_SHOWN - 1 :] = [
            t.gettext("… and {n} more", n=len(problems) - PROBLEMS_SHOWN + 1)
        ]
    return admin_text(t, "\n".join([heading, *shown]))


def no_statistics(t: Translator) -> str:
    """/stats where nothing is counted (the terminal's `ask`, a service without a store)."""
    return t.gettext("Statistics are not kept in this mode.")


def stats_usage(t: Translator, command: str, *, default: int, maximum: int) -> str:
    """How to give /stats or /unanswered a number of days, after something that is not one."""
    return t.gettext(
        "Usage: /{command} N, where N is the number of days: a whole number from 1 to {max} "
        "({default} if left out). For example: /{command} 7",
        command=command,
        max=maximum,
        default=default,
    )


def statistics_unavailable(t: Translator) -> str:
    """/stats or /unanswered while the database cannot be read (locked, damaged, away)."""
    return t.gettext("Statistics are unavailable right now. Please try again in a few minutes.")


def label_name(t: Translator, kb: KnowledgeBase, label: str) -> str | None:
    """What staff read for a counted label: the title of the topic, the sub-answer (after its
    topic's), the referral or the service intent; None when faq/ no longer knows it."""
    if (sub := kb.sub_answer(label)) is not None:
        topic = kb.topic(label.partition(SUB_ANSWER_SEPARATOR)[0])
        return f"{topic.title[t.lang]} › {sub.title[t.lang]}" if topic else sub.title[t.lang]
    if (referral := kb.referral(label)) is not None:
        return referral.title[t.lang]
    return label_title(t, kb, label)
