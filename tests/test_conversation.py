"""The brain, as a user meets it: events in, replies out, in German, Ukrainian and English."""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime

import pytest

from bot.conversation import Conversation
from bot.events import (
    ButtonEvent,
    CommandEvent,
    FloodedEvent,
    Reply,
    TextEvent,
    UnsupportedEvent,
    Who,
)
from bot.models import SERVICE_INTENTS
from tests.conftest import BERLIN, MONDAY_MORNING, TOPIC_IDS, WEDNESDAY


def only(outcome_replies: tuple[Reply, ...]) -> Reply:
    assert len(outcome_replies) == 1
    return outcome_replies[0]


def button_data(reply: Reply) -> list[str]:
    return [button.data for row in reply.buttons for button in row]


def plain(reply: Reply) -> str:
    return re.sub(r"<[^>]+>", "", reply.text)


@pytest.mark.parametrize(
    ("client", "expected_lang", "greeting_word"),
    [
        ("uk", "uk", "Вітаю"),
        ("ru", "uk", "Вітаю"),
        ("de-AT", "de", "Hallo"),
        ("en-GB", "en", "Hello"),
        ("fr", "en", "Hello"),
    ],
)
def test_start_greets_in_the_clients_language_with_menu_and_language_picker(
    conversation: Conversation, client: str, expected_lang: str, greeting_word: str
) -> None:
    reply = only(conversation.handle(CommandEvent("start"), Who(client_lang=client)).replies)
    assert reply.lang == expected_lang
    assert greeting_word in reply.text
    data = button_data(reply)
    assert [d for d in data if d.startswith("t:") and d[2:] in TOPIC_IDS] == [
        f"t:{t}" for t in _menu_order(conversation)
    ]
    assert {"l:de", "l:uk", "l:en"} <= set(data)
    assert {"t:contact", "t:office-hours"} <= set(data)


def _menu_order(conversation: Conversation) -> list[str]:
    kb = conversation.brain.kb
    families = [t.id for t in kb.topics if t.audience in ("families", "both")]
    return families + [t.id for t in kb.topics if t.audience == "kitas"]


@pytest.mark.parametrize(
    ("text", "label", "lang"),
    [
        ("Як записати дитину в садочок?", "registration", "uk"),
        ("Wie melde ich mein Kind für die Kita an?", "registration", "de"),
        ("How do I register my daughter for daycare?", "registration", "en"),
        ("Чи потрібне щеплення від кору для садочка?", "measles", "uk"),
        ("Braucht mein Kind eine Masernimpfung?", "measles", "de"),
        ("Как записать ребёнка в садик?", "registration", "uk"),
    ],
)
def test_a_question_is_answered_in_its_own_language(
    conversation: Conversation, text: str, label: str, lang: str
) -> None:
    reply = only(conversation.handle(TextEvent(text), Who(client_lang="de")).replies)
    assert (reply.kind, reply.topic_id, reply.lang) == ("answer", label, lang)
    topic = conversation.brain.kb.topic(label)
    assert topic is not None
    assert topic.title[reply.lang] in reply.text


def test_an_answer_says_where_to_go_next(conversation: Conversation) -> None:
    reply = only(conversation.handle(TextEvent("Як записати дитину в садочок?"), Who()).replies)
    office = conversation.brain.kb.office
    assert office.visiting_address["uk"] in plain(reply)
    assert office.phones[0].number in reply.text
    assert "Зараз відкрито, до 12:00" in reply.text
    data = button_data(reply)
    assert "f:registration:1" in data and "f:registration:0" in data
    related = conversation.brain.kb.topic("registration")
    assert related is not None
    assert all(f"t:{other}" in data for other in related.related)


def test_the_users_choice_beats_the_message_language(conversation: Conversation) -> None:
    reply = only(
        conversation.handle(
            TextEvent("Як записати дитину в садочок?"), Who(chosen_lang="en")
        ).replies
    )
    assert reply.lang == "en"


def test_choosing_a_language_is_remembered_and_confirmed(conversation: Conversation) -> None:
    outcome = conversation.handle(ButtonEvent("l:uk"), Who(client_lang="de"))
    assert outcome.chosen_lang == "uk"
    assert "Відтепер я відповідатиму українською" in only(outcome.replies).text


def test_language_command_with_an_argument(conversation: Conversation) -> None:
    outcome = conversation.handle(CommandEvent("language", "en"), Who(client_lang="uk"))
    assert outcome.chosen_lang == "en"


def test_topic_button_answers_that_topic(conversation: Conversation) -> None:
    for topic in TOPIC_IDS:
        reply = only(conversation.handle(ButtonEvent(f"t:{topic}"), Who(chosen_lang="uk")).replies)
        assert (reply.kind, reply.topic_id, reply.lang) == ("answer", topic, "uk")


def test_every_button_fits_telegrams_callback_limit(conversation: Conversation) -> None:
    for topic in TOPIC_IDS:
        reply = only(conversation.handle(ButtonEvent(f"t:{topic}"), Who(chosen_lang="de")).replies)
        for row in reply.buttons:
            for button in row:
                assert button.url or len(button.data.encode()) <= 64


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (MONDAY_MORNING, "Jetzt geöffnet, bis 12:00"),
        (WEDNESDAY, "Nächste Öffnung: morgen um 09:00"),
    ],
)
def test_hours_say_whether_the_office_is_open_now(
    make_conversation, now: datetime, expected: str
) -> None:  # type: ignore[no-untyped-def]
    reply = only(
        make_conversation(now).handle(CommandEvent("hours"), Who(chosen_lang="de")).replies
    )
    assert expected in reply.text
    assert "Montag: 09:00–12:00 Uhr" in reply.text
    assert "Dienstag: 09:00–12:00 Uhr, 13:00–17:00 Uhr" in reply.text
    assert "Mittwoch: geschlossen" in reply.text


def test_hours_in_ukrainian_on_a_holiday(make_conversation) -> None:  # type: ignore[no-untyped-def]
    ascension = datetime(2026, 5, 14, 10, 0, tzinfo=BERLIN)
    reply = only(
        make_conversation(ascension).handle(CommandEvent("hours"), Who(chosen_lang="uk")).replies
    )
    assert "Сьогодні державне свято (Вознесіння Господнє)" in reply.text
    assert "Понеділок: 09:00–12:00" in reply.text
    assert "Найближчий прийом: понеділок о 09:00" in reply.text


def test_english_hours_use_one_clock_style(make_conversation) -> None:  # type: ignore[no-untyped-def]
    for now, expected in ((WEDNESDAY, "tomorrow at 09:00"), (MONDAY_MORNING, "until 12:00")):
        reply = only(
            make_conversation(now).handle(CommandEvent("hours"), Who(chosen_lang="en")).replies
        )
        assert "Monday: 09:00" in reply.text
        assert expected in reply.text
        assert " AM" not in reply.text and " PM" not in reply.text


def test_contact_lists_addresses_phone_and_email(conversation: Conversation) -> None:
    reply = only(conversation.handle(CommandEvent("contact"), Who(chosen_lang="en")).replies)
    text = plain(reply)
    assert "Breitscheidstraße 78e" in text
    assert "Postfach 12 00 20, 01001 Dresden" in text
    assert "0351 488-5051" in text
    assert "kitaportal@dresden.de" in text


@pytest.mark.parametrize(
    "text", ["Wie wird das Wetter morgen?", "asdkjh qwe zzz", "tell me a joke"]
)
def test_no_match_gets_the_menu_and_the_office(conversation: Conversation, text: str) -> None:
    reply = only(conversation.handle(TextEvent(text), Who(chosen_lang="de")).replies)
    assert reply.kind == "fallback"
    assert "Breitscheidstraße 78e" in reply.text
    assert "0351 488-5051" in reply.text
    assert any(d.startswith("t:") for d in button_data(reply))


@pytest.mark.parametrize(
    ("text", "lang", "words"),
    [
        ("Kita-Platz in Radebeul gesucht", "de", "Jugendamt des Landkreises"),
        (
            "Як записати дитину в садочок у Лейпцигу?",
            "uk",
            "адміністрації того міста чи громади",
        ),
        (
            "When is the youth office in Potsdam open?",
            "en",
            "that town's administration",
        ),
    ],
)
def test_another_towns_question_is_sent_to_that_towns_own_offices(
    conversation: Conversation, text: str, lang: str, words: str
) -> None:
    reply = only(conversation.handle(TextEvent(text), Who(client_lang=lang)).replies)
    assert reply.kind == "fallback"
    assert words in plain(reply)
    assert "Breitscheidstraße 78e" in reply.text  # for those who do live in Dresden


@pytest.mark.parametrize(
    ("text", "word"), [("Hallo", "Hallo"), ("дякую", "Будь ласка"), ("thanks a lot!", "welcome")]
)
def test_greetings_and_thanks_get_a_friendly_reply_with_the_menu(
    conversation: Conversation, text: str, word: str
) -> None:
    reply = only(conversation.handle(TextEvent(text), Who()).replies)
    assert reply.kind == "smalltalk"
    assert word in reply.text
    assert reply.topic_id is None


@pytest.mark.parametrize("text", ["🙂🙂", "???", "...", "👍"])
def test_emoji_or_punctuation_only_never_answers_a_topic(
    conversation: Conversation, text: str
) -> None:
    reply = only(conversation.handle(TextEvent(text), Who(chosen_lang="uk")).replies)
    assert reply.kind == "unsupported"
    assert "словами" in reply.text


def test_sticker_asks_for_text_in_the_users_language(conversation: Conversation) -> None:
    reply = only(conversation.handle(UnsupportedEvent(), Who(client_lang="uk")).replies)
    assert "напишіть своє запитання текстом" in reply.text


def test_flood_notice(conversation: Conversation) -> None:
    reply = only(conversation.handle(FloodedEvent(), Who(client_lang="de")).replies)
    assert reply.kind == "slow-down"


def test_unknown_command_gets_the_help(conversation: Conversation) -> None:
    reply = only(conversation.handle(CommandEvent(None, ""), Who(client_lang="en")).replies)
    assert reply.kind == "help"
    assert "/contact" in reply.text


def test_feedback_is_counted_and_thanked(conversation: Conversation, store) -> None:  # type: ignore[no-untyped-def]
    outcome = conversation.handle(ButtonEvent("f:measles:0"), Who(chosen_lang="de"))
    assert outcome.replies == ()
    assert outcome.toast == "Danke für Ihre Rückmeldung!"
    assert [
        (r.topic, r.helpful, r.unhelpful) for r in store.feedback(datetime(2026, 1, 1).date())
    ] == [("measles", 0, 1)]


def test_privacy_names_operator_storage_and_telegram(conversation: Conversation) -> None:
    for lang, words in {
        "de": ("Betreiber", "30 Tagen", "Europäischen Union"),
        "uk": ("Оператор", "30 днів", "Європейського Союзу"),
        "en": ("operated by", "30 days", "European Union"),
    }.items():
        reply = only(conversation.handle(CommandEvent("privacy"), Who(chosen_lang=lang)).replies)  # type: ignore[arg-type]
        assert all(word in reply.text for word in words), (lang, reply.text)


def test_privacy_says_names_stay_in_kept_questions_as_they_do(
    conversation: Conversation,
) -> None:
    # Scrubbing removes numbers and addresses but cannot recognise names: /privacy must say so.
    conversation.handle(
        TextEvent("Olena Koval, 0176 5551234, olena@example.com: Gibt es Schwimmkurse?"),
        Who(chosen_lang="de"),
    )
    admin = Who(chosen_lang="en", is_admin=True)
    kept = only(conversation.handle(CommandEvent("unanswered"), admin).replies).text
    assert "Olena Koval" in kept and "Schwimmkurse" in kept
    assert "5551234" not in kept and "example.com" not in kept
    for lang, (honest, promise) in {
        "de": (("Namen aber nicht", "keine Namen"), "ohne Namen"),
        "uk": (("звичайні імена залишаються", "не пишіть імен"), "без імені"),
        "en": (("names are not", "do not write names"), "without any name"),
    }.items():
        reply = only(conversation.handle(CommandEvent("privacy"), Who(chosen_lang=lang)).replies)  # type: ignore[arg-type]
        assert all(words in reply.text for words in honest), (lang, reply.text)
        assert promise not in reply.text, (lang, reply.text)


def test_non_admin_stats_reveals_nothing(conversation: Conversation) -> None:
    for command in ("stats", "unanswered", "reload"):
        reply = only(
            conversation.handle(
                CommandEvent(command), Who(client_lang="de", is_admin=False)
            ).replies
        )  # type: ignore[arg-type]
        assert reply.kind == "help"
        assert "/stats" not in reply.text and "/reload" not in reply.text


def test_admin_sees_stats_and_unanswered(conversation: Conversation) -> None:
    conversation.handle(TextEvent("Gibt es Schwimmkurse für Kleinkinder?"), Who(chosen_lang="de"))
    admin = Who(chosen_lang="en", is_admin=True)
    assert (
        "Questions typed: 1" in only(conversation.handle(CommandEvent("stats"), admin).replies).text
    )
    assert (
        "Schwimmkurse" in only(conversation.handle(CommandEvent("unanswered"), admin).replies).text
    )
    assert "reloaded" in only(conversation.handle(CommandEvent("reload"), admin).replies).text


def test_a_session_stores_no_personal_data(conversation: Conversation, store) -> None:  # type: ignore[no-untyped-def]
    who = Who(chosen_lang="uk", client_lang="uk")
    conversation.remember_language(555123456, "uk")
    answered = "Як записати дитину в садочок? Мене звати Олена Коваль"
    conversation.handle(TextEvent(answered), who)
    conversation.handle(
        TextEvent("Де купити велосипед? пишіть olena@example.com або 0176 5551234"), who
    )
    conversation.handle(ButtonEvent("f:registration:1"), who)
    assert store.flush()  # records are written by the store's thread, a moment later
    with sqlite3.connect(store.path) as db:
        dump = "\n".join(db.iterdump())
    assert "555123456" not in dump
    assert "Олена" not in dump and "Коваль" not in dump
    assert "olena@example.com" not in dump and "5551234" not in dump
    assert "велосипед" in dump  # the unanswered question, scrubbed, for staff
    assert "записати" not in dump  # nothing of the answered one


@pytest.mark.parametrize("label", [*TOPIC_IDS, *SERVICE_INTENTS])
@pytest.mark.parametrize("lang", ["de", "uk", "en"])
def test_every_reply_fits_one_telegram_message(
    conversation: Conversation, label: str, lang: str
) -> None:
    reply = conversation.show(label, lang)  # type: ignore[arg-type]
    assert len(reply.text) <= 4000
    assert len(reply.text.encode("utf-16-le")) // 2 <= 4000
