"""Answers, short enough for a phone: a topic's overview or one of its sub-answers first, the
rest one tap away ("More"), the neighbouring answers as buttons; and referrals to the office
that handles what ours does not."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Final, Protocol

from bot.events import Button, Reply, ShowMore, encode
from bot.hours import HoursStatus
from bot.i18n import Translator
from bot.markup import bold, escape, from_staff, italic
from bot.models import (
    CONTACT,
    SUB_ANSWER_SEPARATOR,
    KnowledgeBase,
    Link,
    Localized,
    Office,
    Referral,
    SubAnswer,
    Topic,
)
from bot.replies.common import (
    Row,
    feedback_row,
    link_rows,
    menu_button,
    reply,
    rows,
    show,
    topic_button,
)
from bot.replies.office import main_phone, next_step

SUB_ANSWERS_SHOWN: Final = 4
"""Under an overview: its first sub-answers as buttons (the rest are a "More" or a question away)."""
SIBLINGS_SHOWN: Final = 3
"""Under a sub-answer: the sub-answers after it in the topic, so tapping on walks through all."""


class Answerable(Protocol):
    """What a topic and a sub-answer have in common for the reader."""

    @property
    def id(self) -> str: ...
    @property
    def title(self) -> Localized: ...
    @property
    def answer(self) -> Localized: ...
    @property
    def more(self) -> Localized | None: ...
    @property
    def links(self) -> tuple[Link, ...]: ...
    @property
    def reviewed(self) -> date: ...


def find(kb: KnowledgeBase, label: str) -> tuple[Topic, SubAnswer | None] | None:
    """The topic of a topic id or of a sub-answer's full id, and the sub-answer; None if unknown."""
    topic_id, separator, _ = label.partition(SUB_ANSWER_SEPARATOR)
    topic = kb.topic(topic_id)
    if topic is None:
        return None
    if not separator:
        return topic, None
    sub = kb.sub_answer(label)
    return (topic, sub) if sub else None


def _neighbours(
    t: Translator, kb: KnowledgeBase, topic: Topic, sub: SubAnswer | None
) -> Iterator[Row]:
    """The answers one tap away: under an overview its sub-answers, then the related topics;
    under a sub-answer the overview and the sub-answers after it."""
    if sub is None:
        for other in topic.answers[:SUB_ANSWERS_SHOWN]:
            yield (show(other.title[t.lang], other.id),)
        related = [kb.topic(topic_id) for topic_id in topic.related]
        yield from rows([topic_button(other, t) for other in related if other is not None])
        return
    yield (show(t.gettext("↩️ Overview: {topic}", topic=topic.title[t.lang]), topic.id),)
    at = topic.answers.index(sub)
    after = (*topic.answers[at + 1 :], *topic.answers[:at])
    for other in after[:SIBLINGS_SHOWN]:
        yield (show(other.title[t.lang], other.id),)


def answer(
    t: Translator, kb: KnowledgeBase, topic: Topic, sub: SubAnswer | None, where: str
) -> Reply:
    """The first message of a topic (sub=None: its overview) or of one of its sub-answers:
    title, short answer and `where` (where to go next); links, "More", the neighbouring
    answers, 👍/👎 and the menu as buttons."""
    shown: Answerable = sub or topic
    text = "\n\n".join([bold(shown.title[t.lang]), from_staff(shown.answer[t.lang]), where])
    more = Button(t.gettext("➕ More"), encode(ShowMore(shown.id))) if shown.more else None
    buttons = [
        *link_rows(t, shown.links),
        (more,) if more else (),
        *_neighbours(t, kb, topic, sub),
        feedback_row(t, shown.id),
        (menu_button(t),),
    ]
    return reply(t, "answer", text, buttons, shown.id)


def more(t: Translator, kb: KnowledgeBase, topic: Topic, sub: SubAnswer | None) -> Reply | None:
    """The rest of an answer after "More", with the date it was checked; None when there is
    no rest. Long texts are split by the edge."""
    shown: Answerable = sub or topic
    if not shown.more:
        return None
    checked = t.gettext("Checked on {date}", date=t.date(shown.reviewed))
    text = "\n\n".join([bold(shown.title[t.lang]), from_staff(shown.more[t.lang]), italic(checked)])
    buttons = [*_neighbours(t, kb, topic, sub), feedback_row(t, shown.id), (menu_button(t),)]
    return reply(t, "more", text, buttons, shown.id)


def referral(t: Translator, office: Office, instead: Referral) -> Reply:
    """Not ours: where to go instead, its links, and our phone for what is about day care."""
    lines = [from_staff(instead.answer[t.lang])]
    phone = main_phone(office)
    if phone:
        lines.append(escape(t.gettext("For questions about a Kita place: ☎️ {phone}", phone=phone)))
    buttons = [*link_rows(t, instead.links), (menu_button(t),)]
    return reply(t, "referral", "\n\n".join(lines), buttons)


def not_helpful(
    t: Translator,
    kb: KnowledgeBase,
    label: str,
    status: HoursStatus,
    now: datetime,
) -> Reply:
    """After 👎: how to ask again so that the bot understands, or whom to ask instead."""
    hint = t.gettext(
        "Sorry that this did not help. Try one short question in your own words, for "
        'example: "Which documents do we need?" Or ask the office:'
    )
    text = "\n\n".join([escape(hint), next_step(t, kb.office, status, now)])
    found = find(kb, label)
    narrower = list(_neighbours(t, kb, *found))[:SIBLINGS_SHOWN] if found else []
    ask = show(t.gettext("📍 Ask the office"), CONTACT)
    return reply(t, "feedback", text, [*narrower, (ask, menu_button(t))])
