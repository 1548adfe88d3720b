"""When there is nothing to answer, the reply is short and says what to do next: the menu one
tap away, the office's phone and today's hours in one line. Thanks get a friendly line and are
not kept as unanswered; 👎 offers a way on; a file gets its own notice; the welcome says who
wrote the answers and who gives binding information."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from bot.conversation import Brain, Conversation
from bot.events import (
    ButtonEvent,
    CommandEvent,
    Event,
    Feedback,
    Menu,
    NoneOfThese,
    Rated,
    Reply,
    ShowLabel,
    TextEvent,
    UnsupportedEvent,
    Who,
)
from bot.markup import text_length, to_text
from bot.models import CONTACT, LANGUAGES, Lang
from bot.service import ChatService
from bot.store import Store
from bot.understanding import Band, Match
from tests.conftest import BERLIN, MONDAY_MORNING, WEDNESDAY
from tests.helpers import Finds, actions

SHORT, FEW_BUTTONS = 400, 6
TUESDAY_LUNCH = datetime(2026, 11, 24, 12, 30, tzinfo=BERLIN)
ASCENSION = datetime(2026, 5, 14, 10, 0, tzinfo=BERLIN)


NOTHING_TO_ANSWER: dict[str, tuple[Event, bool]] = {
    "no answer": (TextEvent("asdkjh qwe zzz"), False),
    "out of scope": (TextEvent("Wie wird das Wetter morgen?"), False),
    "another town": (TextEvent("Kita-Platz in Radebeul gesucht"), False),
    "did you mean": (TextEvent("Platz Impfung Kosten"), True),
    "none of these": (ButtonEvent(NoneOfThese()), False),
}
"""Each way to get no answer, and whether the matcher is told to suggest (the real one's
did-you-mean band moves as faq/ grows)."""


def reply_to(
    conversation: Conversation,
    brain: Brain,
    event: Event,
    lang: Lang,
    now: datetime = MONDAY_MORNING,
    suggest: bool = False,
) -> Reply:
    if suggest:
        options = ("registration", "rights", "measles")
        brain = Brain(
            brain.kb, Finds(Match(None, 50.0, lang, True, Band.SUGGEST, suggestions=options))
        )
    [reply] = conversation.handle(event, Who(chosen_lang=lang), brain, now).replies
    return reply


@pytest.mark.parametrize("case", NOTHING_TO_ANSWER)
@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("now", [MONDAY_MORNING, TUESDAY_LUNCH, WEDNESDAY, ASCENSION])
def test_nothing_to_answer_fits_a_screen_and_says_what_to_do_next(
    conversation: Conversation, brain: Brain, case: str, lang: Lang, now: datetime
) -> None:
    event, suggest = NOTHING_TO_ANSWER[case]
    reply = reply_to(conversation, brain, event, lang, now, suggest)
    assert text_length(reply.text) <= SHORT, (case, lang, to_text(reply.text))
    assert sum(len(row) for row in reply.buttons) <= FEW_BUTTONS
    assert Menu() in actions(reply)
    assert brain.kb.office.phones[0].number in reply.text
    if case != "another town":  # Dresden's hours do not help there
        assert sum("🟢" in line or "🔴" in line for line in reply.text.splitlines()) == 1


@pytest.mark.parametrize(
    ("now", "lang", "line"),
    [
        (MONDAY_MORNING, "de", "🟢 Heute 09:00–12:00 Uhr: jetzt geöffnet"),
        (
            TUESDAY_LUNCH,
            "en",
            "🔴 Today 09:00\u2009–\u200912:00, 13:00\u2009–\u200917:00: closed now, open again at 13:00",
        ),
        (WEDNESDAY, "uk", "🔴 Сьогодні зачинено; найближчий прийом: чт о 09:00"),
        (ASCENSION, "de", "🔴 Heute geschlossen (Christi Himmelfahrt); nächste Öffnung: Mo. 09:00"),
    ],
)
def test_todays_hours_in_one_line(
    conversation: Conversation, brain: Brain, now: datetime, lang: Lang, line: str
) -> None:
    reply = reply_to(conversation, brain, TextEvent("asdkjh qwe zzz"), lang, now)
    assert line in reply.text.splitlines()


def test_an_opening_a_week_or_more_away_is_named_by_its_date(
    conversation: Conversation, brain: Brain
) -> None:
    kb = brain.kb
    mondays = replace(kb.office.hours, weekly={0: kb.office.hours.weekly[0]})
    only_mondays = replace(kb, office=replace(kb.office, hours=mondays))
    monday_evening = MONDAY_MORNING.replace(hour=18)
    reply = reply_to(
        conversation, Brain(only_mondays, brain.matcher), TextEvent("xqzt"), "de", monday_evening
    )
    assert (
        "🔴 Heute 09:00–12:00 Uhr: gerade geschlossen; nächste Öffnung: 30. Nov. 09:00"
        in reply.text
    )


@pytest.mark.parametrize(
    "text",
    [
        "danke",
        "ok",
        "Vielen Dank für Ihre Hilfe, das hat mir sehr geholfen, schönen Tag noch!",
        "Дякую вам велике за допомогу, гарного дня!",
        "До побачення",
        "Thanks a lot for your help, bye!",
    ],
)
def test_thanks_and_goodbyes_get_a_short_friendly_reply_and_are_not_kept(
    service: ChatService, store: Store, text: str
) -> None:
    outcome = service.handle(1, TextEvent(text), client_lang="de", private=True)
    [reply] = outcome.replies
    assert reply.kind == "smalltalk" and text_length(reply.text) <= 150
    assert [Menu()] == actions(reply)
    assert store.unanswered(date(2026, 1, 1)) == []
    assert [(row.label, row.band) for row in store.counters(date(2026, 1, 1))] == [
        ("none", "smalltalk")
    ]


@pytest.mark.parametrize("label", ["measles", "registration/documents"])
def test_not_helpful_offers_to_ask_the_office_or_to_rephrase(
    conversation: Conversation, brain: Brain, label: str
) -> None:
    outcome = conversation.handle(
        ButtonEvent(Feedback(label, helpful=False)), Who(chosen_lang="uk"), brain, MONDAY_MORNING
    )
    assert outcome.toast == "Дякуємо за відгук!"
    assert outcome.records == (Rated(MONDAY_MORNING.date(), label, helpful=False),)
    [reply] = outcome.replies
    assert "своїми словами" in reply.text  # how to ask again
    assert brain.kb.office.phones[0].number in reply.text
    assert ShowLabel(CONTACT) in actions(reply) and Menu() in actions(reply)
    assert text_length(reply.text) <= SHORT and sum(len(r) for r in reply.buttons) <= FEW_BUTTONS


@pytest.mark.parametrize(
    ("lang", "file", "picture"),
    [
        ("de", "Dateien wie PDFs kann ich nicht lesen", "Sticker"),
        ("uk", "Я не можу прочитати файли", "стікерів"),
        ("en", "I cannot read files such as PDFs", "stickers"),
    ],
)
def test_a_file_gets_its_own_notice(
    conversation: Conversation, brain: Brain, lang: Lang, file: str, picture: str
) -> None:
    def notice(event: UnsupportedEvent) -> str:
        [reply] = conversation.handle(event, Who(chosen_lang=lang), brain, MONDAY_MORNING).replies
        return reply.text

    assert file in notice(UnsupportedEvent(document=True))
    assert picture not in notice(UnsupportedEvent(document=True))
    assert picture in notice(UnsupportedEvent())


@pytest.mark.parametrize(
    ("lang", "compiled", "binding"),
    [
        (
            "de",
            "hat das Team des Bots aus öffentlichen Quellen zusammengestellt",
            "Verbindliche Auskunft gibt nur das Amt: Amt für Kindertagesbetreuung Dresden",
        ),
        (
            "uk",
            "зібрала команда бота з відкритих джерел",
            "Офіційну інформацію надає лише управління: Amt für Kindertagesbetreuung",
        ),
        (
            "en",
            "The bot's team compiled the answers from public sources",
            "Binding information comes only from the office: Amt für Kindertagesbetreuung",
        ),
    ],
)
def test_the_welcome_says_who_compiled_the_answers_and_who_is_binding(
    conversation: Conversation, brain: Brain, lang: Lang, compiled: str, binding: str
) -> None:
    [reply] = conversation.handle(
        CommandEvent("start"), Who(chosen_lang=lang), brain, MONDAY_MORNING
    ).replies
    assert compiled in reply.text and binding in reply.text
