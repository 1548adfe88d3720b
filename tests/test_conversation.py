"""The brain, as a user meets it: events in, replies out, in German, Ukrainian and English; and
what it asks the service to count and remember, as values. No store, no files: one brain built
for the whole session."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import pytest

from bot.conversation import Brain, Conversation
from bot.events import (
    PRESSED,
    REJECTED,
    Action,
    ButtonEvent,
    ChooseLanguage,
    Command,
    CommandEvent,
    Event,
    Feedback,
    FloodedEvent,
    Menu,
    NoneOfThese,
    Outcome,
    Rated,
    Reply,
    ShowLabel,
    TextEvent,
    UnsupportedEvent,
    Who,
)
from bot.markup import to_text
from bot.models import SERVICE_INTENTS, Lang, Question
from tests.conftest import BERLIN, MONDAY_MORNING, TOPIC_IDS, WEDNESDAY
from tests.helpers import actions, shown

Handle = Callable[..., Outcome]
MONDAY = MONDAY_MORNING.date()


@pytest.fixture(scope="session")
def handle(conversation: Conversation, brain: Brain) -> Handle:
    """The brain's answer to an event, by default from an unknown sender on a Monday morning."""

    def handle(event: Event, who: Who | None = None, now: datetime = MONDAY_MORNING) -> Outcome:
        return conversation.handle(event, who or Who(), brain, now)

    return handle


def only(outcome_replies: tuple[Reply, ...]) -> Reply:
    assert len(outcome_replies) == 1
    return outcome_replies[0]


def menu_order(brain: Brain) -> list[str]:
    kb = brain.kb
    families = [t.id for t in kb.topics if t.audience in ("families", "both")]
    return families + [t.id for t in kb.topics if t.audience == "kitas"]


# --- replies ---


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
    handle: Handle, brain: Brain, client: str, expected_lang: str, greeting_word: str
) -> None:
    reply = only(handle(CommandEvent("start"), Who(client_lang=client)).replies)
    assert reply.lang == expected_lang
    assert greeting_word in reply.text
    assert [label for label in shown(reply) if label in TOPIC_IDS] == menu_order(brain)
    assert {ChooseLanguage("de"), ChooseLanguage("uk"), ChooseLanguage("en")} <= set(actions(reply))
    assert {"contact", "office-hours"} <= set(shown(reply))


def test_the_menu_says_which_topic_each_of_its_lines_lists(handle: Handle, brain: Brain) -> None:
    for event in (CommandEvent("topics"), CommandEvent("start"), TextEvent("Hallo")):
        reply = only(handle(event, Who(chosen_lang="en")).replies)
        lines = [line[2:] for line in to_text(reply.text).splitlines() if line.startswith("• ")]
        titles = [topic.title["en"] for topic in map(brain.kb.topic, reply.listed) if topic]
        assert lines == titles
        families = [t.id for t in brain.kb.topics if t.audience in ("families", "both")]
        kitas = [t.id for t in brain.kb.topics if t.audience in ("kitas", "both")]
        assert list(reply.listed) == families + kitas


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
    handle: Handle, brain: Brain, text: str, label: str, lang: str
) -> None:
    reply = only(handle(TextEvent(text), Who(client_lang="de")).replies)
    assert (reply.kind, reply.lang) == ("answer", lang)
    assert reply.topic_id is not None and reply.topic_id.split("/")[0] == label
    answered = brain.kb.topic(reply.topic_id) or brain.kb.sub_answer(reply.topic_id)
    assert answered is not None
    assert answered.title[reply.lang] in reply.text


def test_an_answer_says_where_to_go_next(handle: Handle, brain: Brain) -> None:
    reply = only(handle(TextEvent("Як записати дитину в садочок?")).replies)
    assert reply.topic_id == "registration"
    office = brain.kb.office
    assert office.visiting_address["uk"] in to_text(reply.text)
    assert office.phones[0].number in reply.text
    assert "🟢 Сьогодні 09:00–12:00: зараз відчинено" in reply.text
    assert Feedback("registration", helpful=True) in actions(reply)
    assert Feedback("registration", helpful=False) in actions(reply)
    related = brain.kb.topic("registration")
    assert related is not None
    assert related.related and set(related.related) <= set(shown(reply))


def test_the_users_choice_beats_the_message_language(handle: Handle) -> None:
    reply = only(handle(TextEvent("Як записати дитину в садочок?"), Who(chosen_lang="en")).replies)
    assert reply.lang == "en"


def test_choosing_a_language_is_confirmed_and_handed_back_to_remember(handle: Handle) -> None:
    outcome = handle(ButtonEvent(ChooseLanguage("uk")), Who(client_lang="de"))
    assert outcome.language_chosen == "uk"
    assert outcome.toast == "Українська"
    assert "Відтепер я відповідатиму українською" in only(outcome.replies).text


def test_language_command_with_an_argument(handle: Handle) -> None:
    outcome = handle(CommandEvent("language", "en"), Who(client_lang="uk"))
    assert outcome.language_chosen == "en"
    assert handle(CommandEvent("language"), Who(client_lang="uk")).language_chosen is None


def test_topic_button_answers_that_topic(handle: Handle) -> None:
    for topic in TOPIC_IDS:
        reply = only(handle(ButtonEvent(ShowLabel(topic)), Who(chosen_lang="uk")).replies)
        assert (reply.kind, reply.topic_id, reply.lang) == ("answer", topic, "uk")


@pytest.mark.parametrize(
    ("action", "kinds"),
    [
        (None, ["menu"]),  # data we did not make
        (Menu(), ["menu"]),
        (ShowLabel("a-topic-removed-since"), ["menu"]),
        (Feedback("a-topic-removed-since", helpful=True), []),  # thanked, not counted
    ],
)
def test_a_stale_or_unknown_button_gets_the_menu_and_is_not_counted(
    handle: Handle, action: Action | None, kinds: list[str]
) -> None:
    outcome = handle(ButtonEvent(action), Who(chosen_lang="de"))
    assert [reply.kind for reply in outcome.replies] == kinds
    assert outcome.records == ()


def test_every_button_fits_telegrams_callback_limit(handle: Handle) -> None:
    for topic in TOPIC_IDS:
        reply = only(handle(ButtonEvent(ShowLabel(topic)), Who(chosen_lang="de")).replies)
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
    handle: Handle, now: datetime, expected: str
) -> None:
    reply = only(handle(CommandEvent("hours"), Who(chosen_lang="de"), now).replies)
    assert expected in reply.text
    assert "Montag: 09:00–12:00 Uhr" in reply.text
    assert "Dienstag: 09:00–12:00 Uhr, 13:00–17:00 Uhr" in reply.text
    assert "Mittwoch: geschlossen" in reply.text


def test_hours_in_ukrainian_on_a_holiday(handle: Handle) -> None:
    ascension = datetime(2026, 5, 14, 10, 0, tzinfo=BERLIN)
    reply = only(handle(CommandEvent("hours"), Who(chosen_lang="uk"), ascension).replies)
    assert "Сьогодні офіційне свято (Вознесіння Господнє)" in reply.text
    assert "Понеділок: 09:00–12:00" in reply.text
    assert "Найближчий прийом: понеділок о 09:00" in reply.text


def test_english_hours_use_one_clock_style(handle: Handle) -> None:
    for now, expected in ((WEDNESDAY, "tomorrow at 09:00"), (MONDAY_MORNING, "until 12:00")):
        reply = only(handle(CommandEvent("hours"), Who(chosen_lang="en"), now).replies)
        assert "Monday: 09:00" in reply.text
        assert expected in reply.text
        assert " AM" not in reply.text and " PM" not in reply.text


def test_contact_lists_addresses_phone_and_email(handle: Handle) -> None:
    reply = only(handle(CommandEvent("contact"), Who(chosen_lang="en")).replies)
    text = to_text(reply.text)
    assert "Breitscheidstraße 78e" in text
    assert "Postfach 12 00 20, 01001 Dresden" in text
    assert "0351 488-5051" in text
    assert "kitaportal@dresden.de" in text


@pytest.mark.parametrize(
    "text", ["Wie wird das Wetter morgen?", "asdkjh qwe zzz", "tell me a joke"]
)
def test_no_match_gets_the_menu_one_tap_away_and_the_office(handle: Handle, text: str) -> None:
    reply = only(handle(TextEvent(text), Who(chosen_lang="de")).replies)
    assert reply.kind == "fallback"
    assert "0351 488-5051" in reply.text
    assert "Heute 09:00–12:00 Uhr: jetzt geöffnet" in reply.text
    assert Menu() in actions(reply)


@pytest.mark.parametrize(
    ("text", "lang", "words"),
    [
        ("Kita-Platz in Radebeul gesucht", "de", "in Radebeul fragen Sie bitte"),
        ("kita platz in leipzig gesucht", "de", "in Leipzig fragen Sie bitte"),
        ("Як записати дитину в садочок у Лейпцигу?", "uk", "в місті Лейпциг зверніться"),
        ("When is the youth office in Potsdam open?", "en", "in Potsdam, please ask"),
        ("We are moving to another city, how do we find a Kita?", "en", "in another town"),
    ],
)
def test_another_towns_question_is_sent_to_that_town_named_as_written(
    handle: Handle, brain: Brain, text: str, lang: str, words: str
) -> None:
    reply = only(handle(TextEvent(text), Who(client_lang=lang)).replies)
    assert reply.kind == "elsewhere"
    assert words in to_text(reply.text)
    assert "0351 488-5051" in reply.text  # for those who do live in Dresden
    anywhere = [topic.id for topic in brain.kb.topics if topic.where == "anywhere"]
    assert shown(reply) == anywhere[:4] and Menu() in actions(reply)


@pytest.mark.parametrize(
    ("text", "word"), [("Hallo", "Hallo"), ("дякую", "Будь ласка"), ("thanks a lot!", "welcome")]
)
def test_greetings_and_thanks_get_a_friendly_reply_with_the_menu(
    handle: Handle, text: str, word: str
) -> None:
    reply = only(handle(TextEvent(text)).replies)
    assert reply.kind == "smalltalk"
    assert word in reply.text
    assert reply.topic_id is None


@pytest.mark.parametrize("text", ["🙂🙂", "???", "...", "👍"])
def test_emoji_or_punctuation_only_never_answers_a_topic(handle: Handle, text: str) -> None:
    outcome = handle(TextEvent(text), Who(chosen_lang="uk"))
    reply = only(outcome.replies)
    assert reply.kind == "unsupported"
    assert "словами" in reply.text
    assert outcome.records == ()


def test_sticker_asks_for_text_in_the_users_language(handle: Handle) -> None:
    reply = only(handle(UnsupportedEvent(), Who(client_lang="uk")).replies)
    assert "напишіть своє запитання текстом" in reply.text


def test_flood_notice(handle: Handle) -> None:
    reply = only(handle(FloodedEvent(), Who(client_lang="de")).replies)
    assert reply.kind == "slow-down"


def test_unknown_command_gets_the_help(handle: Handle) -> None:
    reply = only(handle(CommandEvent(None, ""), Who(client_lang="en")).replies)
    assert reply.kind == "help"
    assert "/contact" in reply.text


@pytest.mark.parametrize("command", ["stats", "unanswered", "reload"])
def test_the_staff_commands_are_not_the_brains_it_shows_the_help(
    handle: Handle, command: Command
) -> None:
    # The service answers them for admins; whatever reaches the brain gets the public help.
    reply = only(handle(CommandEvent(command), Who(client_lang="de", is_admin=True)).replies)
    assert reply.kind == "help"
    assert "/stats" not in reply.text and "/reload" not in reply.text


def test_privacy_names_operator_storage_and_telegram(handle: Handle) -> None:
    languages: dict[Lang, tuple[str, ...]] = {
        "de": ("Betreiber", "30 Tagen", "Europäischen Union"),
        "uk": ("Оператор", "30 днів", "Європейського Союзу"),
        "en": ("operated by", "30 days", "European Union"),
    }
    for lang, words in languages.items():
        reply = only(handle(CommandEvent("privacy"), Who(chosen_lang=lang)).replies)
        assert all(word in reply.text for word in words), (lang, reply.text)


def test_privacy_says_names_stay_in_kept_questions(handle: Handle) -> None:
    # Scrubbing removes numbers and addresses but cannot recognise names: /privacy must say so
    # (that it is so is tested with the store, in test_service.py).
    languages: dict[Lang, tuple[tuple[str, ...], str]] = {
        "de": (("Namen aber nicht", "keine Namen"), "ohne Namen"),
        "uk": (("звичайні імена залишаються", "не пишіть імен"), "без імені"),
        "en": (("names are not", "do not write names"), "without any name"),
    }
    for lang, (honest, promise) in languages.items():
        reply = only(handle(CommandEvent("privacy"), Who(chosen_lang=lang)).replies)
        assert all(words in reply.text for words in honest), (lang, reply.text)
        assert promise not in reply.text, (lang, reply.text)


@pytest.mark.parametrize("label", [*TOPIC_IDS, *SERVICE_INTENTS])
@pytest.mark.parametrize("lang", ["de", "uk", "en"])
def test_every_reply_fits_one_telegram_message(
    conversation: Conversation, brain: Brain, label: str, lang: Lang
) -> None:
    reply = conversation.show(label, lang, brain, MONDAY_MORNING)
    assert reply is not None
    assert len(reply.text) <= 4000
    assert len(reply.text.encode("utf-16-le")) // 2 <= 4000


def test_show_knows_no_unknown_label(conversation: Conversation, brain: Brain) -> None:
    assert conversation.show("weather", "de", brain, MONDAY_MORNING) is None


# --- what the brain asks the service to count ---


def asked(outcome: Outcome) -> Question:
    """The one question an outcome counts."""
    [record] = outcome.records
    assert isinstance(record, Question)
    return record


def test_an_answered_question_is_counted_without_its_text(handle: Handle) -> None:
    outcome = handle(TextEvent("Як записати дитину в садочок?"))
    assert outcome.records == (Question(MONDAY, "uk", "registration", "answer"),)


@pytest.mark.parametrize(
    ("text", "band"), [("Wie wird das Wetter morgen?", "none"), ("tell me a joke", "none")]
)
def test_an_unanswered_question_is_counted_with_its_text_for_staff(
    handle: Handle, text: str, band: str
) -> None:
    counted = asked(handle(TextEvent(text), Who(chosen_lang="de")))
    assert counted == Question(MONDAY, counted.lang, None, band, text)


def test_a_question_whose_language_was_only_guessed_is_counted_so(handle: Handle) -> None:
    # One word: the statistics count it under "?" instead of inflating German.
    assert asked(handle(TextEvent("Masern"))).lang_confident is False
    assert asked(handle(TextEvent("Wie melde ich mein Kind für die Kita an?"))).lang_confident


def test_a_did_you_mean_keeps_the_question_for_staff(handle: Handle) -> None:
    vague = (
        "Platz Kosten Impfung",
        "Impfung oder Psychologe?",
        "Wie geht das mit dem Platz und der Impfung?",
        "Trauma Psychologe",
        "freie Plätze Kita",
        "Kita Kosten Anmeldung",
    )
    outcomes = [handle(TextEvent(text)) for text in vague]
    suggested = [o for o in outcomes if o.replies[0].kind == "suggest"]
    assert suggested, "no candidate lands in the did-you-mean band any more: add one"
    for outcome in suggested:
        counted = asked(outcome)
        assert (counted.label, counted.band) == (None, "suggest") and counted.text


def test_greetings_are_counted_as_small_talk_without_their_text(handle: Handle) -> None:
    counted = asked(handle(TextEvent("Hallo")))
    assert (counted.label, counted.band, counted.text) == (None, "smalltalk", None)


def test_buttons_are_counted_as_pressed_or_rejected(handle: Handle) -> None:
    who = Who(chosen_lang="uk")
    assert handle(ButtonEvent(ShowLabel("measles")), who).records == (
        Question(MONDAY, "uk", "measles", PRESSED),
    )
    rejected = handle(ButtonEvent(NoneOfThese()), who)
    assert only(rejected.replies).kind == "fallback"
    assert rejected.records == (Question(MONDAY, "uk", None, REJECTED),)


def test_feedback_is_thanked_and_handed_back_to_count(handle: Handle) -> None:
    outcome = handle(ButtonEvent(Feedback("measles", helpful=True)), Who(chosen_lang="de"))
    assert outcome.replies == ()
    assert outcome.toast == "Danke für Ihre Rückmeldung!"
    assert outcome.records == (Rated(MONDAY, "measles", helpful=True),)


def test_questions_count_on_the_offices_date_not_utcs(handle: Handle) -> None:
    sunday_night_in_utc = datetime.fromisoformat("2026-11-22T23:30:00+00:00")  # Monday in Dresden
    assert handle(TextEvent("Hallo"), now=sunday_night_in_utc).records[0].day == MONDAY
    sunday_night = datetime(2026, 11, 22, 23, 30, tzinfo=BERLIN)
    assert handle(TextEvent("Hallo"), now=sunday_night).records[0].day == date(2026, 11, 22)


@pytest.mark.parametrize("command", ["start", "topics", "contact", "hours", "help", "privacy"])
def test_commands_are_not_counted(handle: Handle, command: Command) -> None:
    assert handle(CommandEvent(command)).records == ()
