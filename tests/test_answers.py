"""Answers as a user reads them on a phone: the first message short (title, answer, where to
go), links as buttons, the rest one tap away, the neighbouring answers as buttons; referrals
and answers for another town; over every topic, sub-answer and referral of the real faq/."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.conversation import Brain, Conversation
from bot.events import (
    ButtonEvent,
    Feedback,
    Menu,
    Reply,
    ShowLabel,
    ShowMore,
    TextEvent,
    Who,
)
from bot.markup import from_staff, text_length, to_text
from bot.models import LANGUAGES, KnowledgeBase, Lang, Question, SubAnswer, Topic
from bot.understanding import Band, Match
from tests.conftest import BERLIN, MONDAY_MORNING, WEDNESDAY
from tests.helpers import Finds, actions, shown, urls

PHONE_SCREEN = 700
"""Visible characters of the first message of an answer, in every language."""
REFERRAL_SCREEN = 400

MOMENTS = (
    MONDAY_MORNING,  # open
    datetime(2026, 11, 24, 12, 30, tzinfo=BERLIN),  # Tuesday's lunch break
    datetime(2026, 11, 24, 18, 0, tzinfo=BERLIN),  # Tuesday evening, next opening Thursday
    WEDNESDAY,  # closed all day
    datetime(2026, 5, 14, 10, 0, tzinfo=BERLIN),  # Ascension Day, a public holiday
)
"""Every kind of hours line an answer can end with."""


def answers(kb: KnowledgeBase) -> list[tuple[Topic, SubAnswer | None]]:
    """Every topic's overview and every sub-answer."""
    return [(topic, sub) for topic in kb.topics for sub in (None, *topic.answers)]


def ask(
    conversation: Conversation, brain: Brain, event: ButtonEvent | TextEvent, lang: Lang
) -> Reply:
    [reply] = conversation.handle(event, Who(chosen_lang=lang), brain, MONDAY_MORNING).replies
    return reply


def test_every_first_message_fits_a_phone_screen_in_every_language(
    conversation: Conversation, brain: Brain
) -> None:
    too_long = []
    for topic, sub in answers(brain.kb):
        label = sub.id if sub else topic.id
        for lang in LANGUAGES:
            for now in MOMENTS:
                reply = conversation.show(label, lang, brain, now)
                assert reply is not None and reply.topic_id == label
                if text_length(reply.text) > PHONE_SCREEN:
                    too_long.append(f"{label} {lang} {now:%a %H:%M}: {text_length(reply.text)}")
    assert not too_long, "first messages over 700 characters:\n" + "\n".join(too_long)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_first_message_is_title_answer_and_where_to_go_with_links_as_buttons(
    conversation: Conversation, brain: Brain, lang: Lang
) -> None:
    office = brain.kb.office
    for topic, sub in answers(brain.kb):
        shown_item = sub or topic
        reply = conversation.show(shown_item.id, lang, brain, MONDAY_MORNING)
        assert reply is not None
        text = to_text(reply.text)
        assert text.startswith(
            shown_item.title[lang] + "\n\n" + to_text(from_staff(shown_item.answer[lang]))
        )
        assert text.endswith(
            f"📍 {office.visiting_address[lang]}\n☎️ {office.phones[0].number}\n"
            + to_text(reply.text).splitlines()[-1]
        )
        assert "🔗" not in text and "<a " not in reply.text  # links are buttons, not lines
        assert urls(reply) == [link.url for link in shown_item.links]


def test_more_sends_the_rest_with_the_date_it_was_checked(
    conversation: Conversation, brain: Brain
) -> None:
    for topic, sub in answers(brain.kb):
        item = sub or topic
        first = ask(conversation, brain, ButtonEvent(ShowLabel(item.id)), "uk")
        if item.more is None:
            assert not any(isinstance(a, ShowMore) for a in actions(first)), item.id
            continue
        assert ShowMore(item.id) in actions(first), item.id
        rest = ask(conversation, brain, ButtonEvent(ShowMore(item.id)), "uk")
        assert (rest.kind, rest.topic_id, rest.lang) == ("more", item.id, "uk")
        assert to_text(from_staff(item.more["uk"])) in to_text(rest.text)
        assert "Перевірено:" in rest.text
        assert ShowMore(item.id) not in actions(rest)
        assert Feedback(item.id, helpful=False) in actions(rest) and Menu() in actions(rest)


def test_an_overview_offers_its_first_sub_answers_then_the_related_topics(
    conversation: Conversation, brain: Brain
) -> None:
    for topic in brain.kb.topics:
        reply = ask(conversation, brain, ButtonEvent(ShowLabel(topic.id)), "de")
        subs = [sub.id for sub in topic.answers[:4]]
        assert shown(reply) == [*subs, *topic.related], topic.id
        assert [Feedback(topic.id, True), Feedback(topic.id, False), Menu()] == actions(reply)[-3:]


def test_a_sub_answer_offers_the_overview_and_the_sub_answers_after_it(
    conversation: Conversation, brain: Brain
) -> None:
    registration = brain.kb.topic("registration")
    assert registration is not None and len(registration.answers) >= 4
    first, second, third, fourth = (sub.id for sub in registration.answers[:4])
    reply = ask(conversation, brain, ButtonEvent(ShowLabel(first)), "en")
    assert reply.topic_id == first
    assert shown(reply) == ["registration", second, third, fourth]
    assert "Overview: Applying for a place" in reply.buttons[len(urls(reply)) + 1][0].label
    assert Feedback(first, helpful=True) in actions(reply)
    last = registration.answers[-1].id
    assert shown(ask(conversation, brain, ButtonEvent(ShowLabel(last)), "en"))[1] == first


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Welche Unterlagen brauche ich für die Kita?", "registration/documents"),
        ("Які документи потрібні для садочка?", "registration/documents"),
    ],
)
def test_a_narrow_question_gets_its_sub_answer_and_is_counted_under_it(
    conversation: Conversation, brain: Brain, text: str, label: str
) -> None:
    outcome = conversation.handle(TextEvent(text), Who(), brain, MONDAY_MORNING)
    [reply] = outcome.replies
    assert reply.topic_id == label
    [asked] = outcome.records
    assert isinstance(asked, Question) and (asked.label, asked.band) == (label, "answer")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_referral_is_short_with_its_links_as_buttons_and_our_phone(
    conversation: Conversation, brain: Brain, lang: Lang
) -> None:
    for referral in brain.kb.referrals:
        found = Match(None, 0.0, lang, True, Band.REFERRAL, reason=f"referral:{referral.id}")
        outcome = conversation.handle(
            TextEvent("Wo muss ich hin?"), Who(), Brain(brain.kb, Finds(found)), MONDAY_MORNING
        )
        [reply] = outcome.replies
        assert reply.kind == "referral" and reply.lang == lang
        assert text_length(reply.text) <= REFERRAL_SCREEN, (referral.id, text_length(reply.text))
        assert brain.kb.office.phones[0].number in reply.text
        assert urls(reply) == [link.url for link in referral.links]
        assert actions(reply) == [Menu()]
        [asked] = outcome.records
        assert isinstance(asked, Question)
        assert (asked.label, asked.text) == (f"referral:{referral.id}", None)


def test_a_question_for_another_office_gets_the_referral(
    conversation: Conversation, brain: Brain
) -> None:
    reply = ask(conversation, brain, TextEvent("Wo beantrage ich Kindergeld?"), "de")
    assert reply.kind == "referral"
    assert "Familienkasse" in reply.text


def test_an_answer_that_holds_anywhere_asked_for_another_town_names_its_offices(
    conversation: Conversation, brain: Brain
) -> None:
    reply = ask(
        conversation, brain, TextEvent("Braucht mein Kind in Leipzig eine Masernimpfung?"), "de"
    )
    assert reply.kind == "answer" and reply.topic_id is not None
    assert reply.topic_id.split("/")[0] == "measles"
    text = to_text(reply.text)
    assert "In Leipzig sind das dortige Jugendamt" in text
    assert brain.kb.office.visiting_address["de"] not in text


def test_a_did_you_mean_links_its_first_option_to_the_sub_answer_that_fits(
    conversation: Conversation, brain: Brain
) -> None:
    found = Match(
        None,
        55.0,
        "de",
        True,
        Band.SUGGEST,
        answer="registration/documents",
        suggestions=("registration", "rights"),
    )
    [reply] = conversation.handle(
        TextEvent("Unterlagen?"), Who(), Brain(brain.kb, Finds(found)), MONDAY_MORNING
    ).replies
    assert reply.kind == "suggest"
    assert shown(reply) == ["registration/documents", "rights"]
    sub = brain.kb.sub_answer("registration/documents")
    assert sub is not None and reply.buttons[0][0].label == sub.title["de"]
