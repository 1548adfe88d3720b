"""Render replies: answers, menu, contact, hours, "did you mean", fallback and the small ones.

Output is Telegram-flavoured HTML (b, i, a) in which every piece of content is escaped; the
terminal chat reads it as plain text (`markup.to_text`). Interface strings come from the
catalogs, answers from faq/. Rendering only: what to render is the brain's decision.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta

from bot.events import (
    Button,
    ChooseLanguage,
    Feedback,
    Keyboard,
    Menu,
    NoneOfThese,
    Reply,
    ReplyKind,
    ShowLabel,
    encode,
)
from bot.hours import HoursStatus
from bot.i18n import Translator
from bot.markup import bold, escape, from_staff, italic, link
from bot.models import (
    CONTACT,
    ELSEWHERE,
    LANGUAGES,
    OFFICE_HOURS,
    OUT_OF_SCOPE,
    SERVICE_INTENTS,
    KnowledgeBase,
    Office,
    Topic,
)

_FLAGS = {"de": "🇩🇪", "uk": "🇺🇦", "en": "🇬🇧"}


def _show(title: str, label: str) -> Button:
    return Button(title, encode(ShowLabel(label)))


def _topic_button(topic: Topic, t: Translator) -> Button:
    """A button that answers `topic`, titled in the reader's language."""
    return _show(topic.title[t.lang], topic.id)


def _service_title(t: Translator, label: str) -> str:
    return t.gettext("📍 Contact") if label == CONTACT else t.gettext("🕘 Office hours")


def _service_button(t: Translator, label: str) -> Button:
    return _show(_service_title(t, label), label)


def _service_buttons(t: Translator) -> tuple[Button, ...]:
    return tuple(_service_button(t, label) for label in SERVICE_INTENTS)


def _all_topics(t: Translator) -> Button:
    return Button(t.gettext("☰ All topics"), encode(Menu()))


def _rows(buttons: Sequence[Button], per_row: int = 2) -> Keyboard:
    return tuple(tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row))


# --- office hours and where to go -------------------------------------------------------------


def _when(t: Translator, moment: datetime, today: date) -> str:
    clock = t.time(moment)
    if moment.date() == today:
        return t.gettext("today at {time}", time=clock)
    if moment.date() == today + timedelta(days=1):
        return t.gettext("tomorrow at {time}", time=clock)
    if moment.date() < today + timedelta(days=7):
        return t.gettext(
            "{weekday} at {time}",
            weekday=t.weekday(moment.weekday(), start_of_line=False),
            time=clock,
        )
    return t.gettext("on {date} at {time}", date=t.date(moment.date()), time=clock)


def _status_line(t: Translator, status: HoursStatus, now: datetime) -> str:
    """ "Open now, until 12:00" or "Closed now, next opening Tuesday at 09:00"."""
    parts = []
    if status.holiday_today:
        parts.append(t.gettext("Today is a public holiday ({name}).", name=status.holiday_today))
    if status.open_now and status.closes_at is not None:
        parts.append(t.gettext("🟢 Open now, until {time}.", time=t.time(status.closes_at)))
    elif status.next_opening is not None:
        # "today" and "tomorrow" in the office's time zone, not in UTC.
        today = now.astimezone(status.next_opening.start.tzinfo).date()
        when = _when(t, status.next_opening.start, today)
        parts.append(t.gettext("🔴 Closed now. Next opening: {when}.", when=when))
    else:
        parts.append(t.gettext("🔴 Closed now."))
    return escape(" ".join(parts))


def _weekly_hours(t: Translator, office: Office) -> list[str]:
    """One line per weekday Monday-Friday (and weekend days with hours): name and intervals."""
    lines = []
    for day in range(7):
        intervals = office.hours.weekly.get(day, ())
        if not intervals and day >= 5:
            continue
        spans = ", ".join(t.interval(i.start, i.end) for i in intervals) or t.gettext("closed")
        lines.append(f"{escape(t.weekday(day))}: {escape(spans)}")
    return lines


def _where_to_go(t: Translator, office: Office, status: HoursStatus, now: datetime) -> str:
    """The short block under every answer: office, address, phone and whether it is open now."""
    lines = [f"📍 {bold(office.name[t.lang])}, {escape(office.visiting_address[t.lang])}"]
    if office.phones:
        lines.append(f"☎️ {escape(office.phones[0].number)}")
    lines.append(_status_line(t, status, now))
    return "\n".join(lines)


# --- replies ----------------------------------------------------------------------------------


def _reply(
    t: Translator,
    kind: ReplyKind,
    text: str,
    buttons: Keyboard = (),
    topic: str | None = None,
    listed: tuple[str, ...] = (),
) -> Reply:
    return Reply(text, kind, t.lang, buttons, topic, listed)


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
    buttons = (*_rows([_topic_button(topic, t) for topic in ordered]), _service_buttons(t))
    return _reply(t, "menu", "\n\n".join(parts), buttons, listed=tuple(listed))


def greeting(t: Translator, kb: KnowledgeBase) -> Reply:
    """/start: who we are, the menu, and a row to change the language."""
    intro = t.gettext(
        "Hello! I answer questions about child day care in Dresden (Kita, Krippe, Hort, "
        "Kindertagespflege) for families from Ukraine and for Kitas. The answers come from "
        "the city's office: {office}.",
        office=kb.office.name[t.lang],
    )
    reply = menu(t, kb, intro)
    return replace(reply, buttons=(*reply.buttons, _language_row(t)))


def _language_row(t: Translator) -> tuple[Button, ...]:
    """Language buttons, each labelled in its own language."""
    return tuple(
        Button(f"{_FLAGS[lang]} {t.language_name(lang)}", encode(ChooseLanguage(lang)))
        for lang in LANGUAGES
    )


def language_picker(t: Translator) -> Reply:
    """/language without a choice: the language buttons."""
    return _reply(t, "language", escape(t.gettext("Choose your language:")), (_language_row(t),))


def language_set(t: Translator, kb: KnowledgeBase) -> Reply:
    """Confirmation after a language choice, followed by the menu in that language."""
    return menu(t, kb, t.gettext("I will answer in English from now on."))


def answer(
    t: Translator,
    kb: KnowledgeBase,
    topic: Topic,
    status: HoursStatus,
    now: datetime,
) -> Reply:
    """A topic's answer with its links, where to go next, and related-topic and feedback buttons."""
    parts = [bold(topic.title[t.lang]), from_staff(topic.answer[t.lang])]
    if topic.links:
        parts.append("\n".join(f"🔗 {link(item.url, item.title[t.lang])}" for item in topic.links))
    parts.append(_where_to_go(t, kb.office, status, now))
    checked = t.gettext("Checked on {date}", date=t.date(topic.reviewed))
    parts.append(italic(checked))
    related = [kb.topic(topic_id) for topic_id in topic.related]
    buttons: list[tuple[Button, ...]] = [
        *_rows([_topic_button(other, t) for other in related if other is not None])
    ]
    buttons.append(
        (
            Button(t.gettext("👍 Helpful"), encode(Feedback(topic.id, helpful=True))),
            Button(t.gettext("👎 Not helpful"), encode(Feedback(topic.id, helpful=False))),
        )
    )
    buttons.append((_all_topics(t), *_service_buttons(t)))
    return _reply(t, "answer", "\n\n".join(parts), tuple(buttons), topic.id)


def contact(t: Translator, office: Office, status: HoursStatus, now: datetime) -> Reply:
    """The office's addresses, phones, e-mails and web pages, and whether it is open now."""
    lines = [bold(office.name[t.lang]), ""]
    visiting, postal = t.gettext("Visiting address"), t.gettext("Postal address")
    lines.append(f"📍 {escape(visiting)}: {escape(office.visiting_address[t.lang])}")
    lines.append(f"✉️ {escape(postal)}: {escape(office.postal_address[t.lang])}")
    lines.extend(f"☎️ {escape(p.label[t.lang])}: {escape(p.number)}" for p in office.phones)
    lines.extend(f"📧 {escape(e.label[t.lang])}: {escape(e.address)}" for e in office.emails)
    lines.extend(f"🌐 {link(w.url, w.title[t.lang])}" for w in office.websites)
    lines += ["", _status_line(t, status, now)]
    buttons = ((_service_button(t, OFFICE_HOURS), _all_topics(t)),)
    return _reply(t, "contact", "\n".join(lines), buttons, CONTACT)


def office_hours(t: Translator, office: Office, status: HoursStatus, now: datetime) -> Reply:
    """The week's office hours in the reader's language and whether the office is open now."""
    heading = t.gettext("Office hours: {office}", office=office.name[t.lang])
    lines = [
        bold(heading),
        "",
        *_weekly_hours(t, office),
        "",
        _status_line(t, status, now),
    ]
    lines.append(escape(t.gettext("Closed on public holidays in Saxony.")))
    if office.hours_note:
        lines.append(italic(office.hours_note[t.lang]))
    lines += ["", f"📍 {escape(office.visiting_address[t.lang])}"]
    buttons = ((_service_button(t, CONTACT), _all_topics(t)),)
    return _reply(t, "hours", "\n".join(lines), buttons, OFFICE_HOURS)


def _label_title(t: Translator, kb: KnowledgeBase, label: str) -> str | None:
    """The button title for a topic id or a service intent."""
    if label in SERVICE_INTENTS:
        return _service_title(t, label)
    topic = kb.topic(label)
    return topic.title[t.lang] if topic else None


def suggest(t: Translator, kb: KnowledgeBase, labels: Iterable[str]) -> Reply:
    """ "Did you mean": up to three candidates as buttons, and "none of these"."""
    rows: list[tuple[Button, ...]] = []
    for label in list(labels)[:3]:
        title = _label_title(t, kb, label)
        if title is not None:
            rows.append((_show(title, label),))
    rows.append((Button(t.gettext("✖️ None of these"), encode(NoneOfThese())),))
    return _reply(
        t, "suggest", escape(t.gettext("I am not sure I understood. Did you mean:")), tuple(rows)
    )


def fallback(
    t: Translator,
    kb: KnowledgeBase,
    status: HoursStatus,
    now: datetime,
    *,
    reason: str | None = None,
) -> Reply:
    """No answer: say so (and why, when the matcher knows: `out-of-scope` or `elsewhere`), show
    the menu, and where people can ask in person."""
    if reason == OUT_OF_SCOPE:
        intro = t.gettext(
            "I can only help with child day care in Dresden (Kita, Krippe, Hort, "
            "Kindertagespflege), so I have no answer to that."
        )
    elif reason == ELSEWHERE:
        intro = t.gettext(
            "I only know about child day care in Dresden. For a Kita place in another town, please "
            "ask that town's administration or the youth office (Jugendamt) of its district. If "
            "you live in Dresden, our office can help:"
        )
    else:
        intro = t.gettext(
            "Sorry, I did not find an answer to that. Please choose a topic, rephrase your "
            "question, or ask the office directly:"
        )
    office = kb.office
    phones = "\n".join(f"☎️ {escape(p.label[t.lang])}: {escape(p.number)}" for p in office.phones)
    emails = "\n".join(f"📧 {escape(e.address)}" for e in office.emails[:1])
    text = "\n\n".join(
        part
        for part in (
            escape(intro),
            f"📍 {bold(office.name[t.lang])}, {escape(office.visiting_address[t.lang])}\n{phones}\n{emails}",
            "\n".join([*_weekly_hours(t, office), _status_line(t, status, now)]),
        )
        if part
    )
    menu_reply = menu(t, kb)
    text = f"{text}\n\n{menu_reply.text}"
    return _reply(t, "fallback", text, menu_reply.buttons, listed=menu_reply.listed)


def smalltalk(t: Translator, kb: KnowledgeBase, intent: str) -> Reply:
    """A short friendly reply to hello or thanks, with the menu."""
    if intent == "thanks":
        intro = t.gettext("You are welcome! Good luck to you and your family.")
    else:
        intro = t.gettext("Hello! How can I help you?")
    return replace(menu(t, kb, intro), kind="smalltalk")


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
    return _reply(t, "help", text, menu(t, kb).buttons)


def privacy(t: Translator, operator: str, retention_days: int) -> Reply:
    """Who runs the bot, what it stores and for how long, and Telegram's role."""
    heading = t.gettext("Privacy")
    paragraphs = [
        bold(heading),
        escape(t.gettext("This bot is operated by: {operator}.", operator=operator)),
        escape(
            t.gettext(
                "We store your language choice under a pseudonym (a keyed hash of your Telegram "
                "id, never the id itself), and daily counts of questions by topic and language."
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
    return _reply(t, "privacy", "\n\n".join(paragraphs))


def unsupported(t: Translator) -> Reply:
    """A sticker, voice message, picture ...: we can only read text."""
    return _reply(
        t,
        "unsupported",
        escape(
            t.gettext(
                "Please type your question as text. I cannot read stickers, voice messages or pictures."
            )
        ),
    )


def slow_down(t: Translator) -> Reply:
    return _reply(
        t,
        "slow-down",
        escape(
            t.gettext(
                "You are sending messages very quickly. Please wait a moment, then ask again."
            )
        ),
    )


def feedback_thanks(t: Translator) -> str:
    """The pop-up after 👍 or 👎."""
    return t.gettext("Thank you for your feedback!")


def error(t: Translator) -> Reply:
    return _reply(
        t,
        "error",
        escape(t.gettext("Something went wrong on our side. Please try again in a moment.")),
    )


def write_in_words(t: Translator) -> Reply:
    """A message without any letters or digits (emoji, punctuation)."""
    return _reply(
        t,
        "unsupported",
        escape(
            t.gettext(
                "Please write your question in words, for example: How do I find a Kita place?"
            )
        ),
    )


def admin_text(t: Translator, text: str) -> Reply:
    """A staff-only reply; `text` is plain text and gets escaped here."""
    return _reply(t, "admin", escape(text))


def reload_result(t: Translator, problems: list[str], topic_count: int) -> Reply:
    """The answer to an admin's /reload: success, or the problems while the old version serves."""
    if not problems:
        message = t.ngettext(
            "The knowledge base was reloaded: {n} topic.",
            "The knowledge base was reloaded: {n} topics.",
            topic_count,
        )
        return admin_text(t, message)
    heading = t.gettext("The files have errors. The previous version keeps answering. Please fix:")
    return admin_text(t, "\n".join([heading, *problems[:20]]))
