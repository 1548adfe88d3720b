"""What the matcher makes of messages: the right topic, "did you mean", small talk or nothing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.matching import Band, Matcher, Thresholds, decide, score
from bot.models import (
    ELSEWHERE,
    KnowledgeBase,
    Office,
    OfficeHours,
    Topic,
    Vocabulary,
)

FAQ_DIR = Path(__file__).resolve().parent.parent / "faq"


def _topic(topic_id: str, title: dict[str, str], vocabulary: Vocabulary) -> Topic:
    return Topic(
        id=topic_id,
        audience="families",
        title=title,  # type: ignore[arg-type]
        question_de=title["de"] + "?",
        answer={"de": "", "uk": "", "en": ""},
        vocabulary=vocabulary,
        links=(),
        sources=(),
        reviewed=date(2026, 1, 1),
        related=(),
    )


def _vocab(phrasings: dict[str, list[str]], keywords: dict[str, list[str]]) -> Vocabulary:
    return Vocabulary(
        {lang: tuple(items) for lang, items in phrasings.items()},
        {lang: tuple(items) for lang, items in keywords.items()},
    )


def hand_made_kb() -> KnowledgeBase:
    """A small knowledge base written for these tests (independent of faq/ and of the dev set)."""
    measles = _topic(
        "measles",
        {"de": "Masernschutz", "uk": "Щеплення від кору", "en": "Measles vaccination"},
        _vocab(
            {
                "de": [
                    "Ist die Masernimpfung für die Kita Pflicht?",
                    "Welcher Impfnachweis reicht?",
                ],
                "uk": ["Чи потрібне щеплення від кору для садочка?", "Яка довідка про щеплення?"],
                "en": ["Is the measles jab required for nursery?", "What vaccine proof is needed?"],
                "ru": ["Нужна ли прививка от кори?"],
            },
            {
                "de": [
                    "Masern",
                    "Masernimpfung",
                    "Impfpass",
                    "Impfnachweis",
                    "Impfung",
                    "rote Flecken",
                ],
                "uk": ["кір", "кору", "щеплення", "вакцинація", "довідка"],
                "en": ["measles", "vaccination", "vaccine", "jab", "immunisation"],
                "ru": ["корь", "кори", "прививка"],
            },
        ),
    )
    registration = _topic(
        "registration",
        {"de": "Anmeldung", "uk": "Запис у садочок", "en": "Registering your child"},
        _vocab(
            {
                "de": ["Wie bekomme ich einen Kitaplatz?", "Wo melde ich mein Kind an?"],
                "uk": ["Як записати дитину в садочок?", "Де подати заяву на місце?"],
                "en": ["How do I sign my child up for daycare?", "Where do I apply for a place?"],
                "ru": ["Как записать ребенка в детский сад?"],
            },
            {
                "de": ["Anmeldung", "anmelden", "Kitaplatz", "Krippenplatz", "Vermittlung"],
                "uk": ["записати", "запис", "заява", "заяву", "місце", "садочок"],
                "en": ["register", "registration", "apply", "application", "place"],
                "ru": ["записать", "запись", "место"],
            },
        ),
    )
    intents = {
        "contact": _vocab(
            {"de": ["Wie erreiche ich das Amt?"], "en": ["How do I reach the office?"]},
            {
                "de": ["Adresse", "Telefon", "Telefonnummer", "E-Mail", "Anschrift"],
                "uk": ["адреса", "телефон", "пошта"],
                "en": ["address", "phone", "email"],
                "ru": ["адрес", "телефон"],
            },
        ),
        "office-hours": _vocab(
            {"de": ["Wann hat das Amt offen?"], "en": ["When is the office open?"]},
            {
                "de": ["Öffnungszeiten", "Sprechzeiten", "geöffnet"],
                "uk": ["години", "прийому", "графік"],
                "en": ["opening", "hours", "open"],
                "ru": ["часы", "работы"],
            },
        ),
    }
    office = Office(
        name={"de": "Amt", "uk": "Amt", "en": "Amt"},
        visiting_address={"de": "", "uk": "", "en": ""},
        postal_address={"de": "", "uk": "", "en": ""},
        phones=(),
        emails=(),
        websites=(),
        hours=OfficeHours(weekly={}),
        hours_note=None,
        intents=intents,
        sources=(),
        reviewed=date(2026, 1, 1),
    )
    smalltalk = {
        "greeting": _vocab(
            {},
            {
                "de": ["hallo", "guten tag"],
                "uk": ["привіт", "добрий день"],
                "en": ["hello", "hi"],
                "ru": ["привет"],
            },
        ),
        "thanks": _vocab(
            {},
            {"de": ["danke"], "uk": ["дякую"], "en": ["thanks", "thank you", "bye"], "ru": []},
        ),
        "out-of-scope": _vocab(
            {"de": ["Wie wird das Wetter?"], "en": ["Tell me a joke"]},
            {
                "de": ["Grundschule", "Wetter", "Leipzig"],
                "uk": ["школа", "школу", "погода"],
                "en": ["school", "weather", "joke"],
                "ru": ["школа", "погода"],
            },
        ),
    }
    return KnowledgeBase((measles, registration), office, smalltalk)


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher.build(hand_made_kb())


# --- understanding, per language ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "label"),
    [
        # German, with typos, missing umlauts and compounds
        ("Muss mein Sohn gegen Masern geimpft sein?", "measles"),
        ("brauch ich einen impfpas fuer die krippe", "measles"),
        ("masernimpfung pflicht??", "measles"),
        ("Kitaplatz anmelden, wie geht das?", "registration"),
        ("wie funktioniert die anmeldnug", "registration"),
        ("Wann sind die Oeffnungszeiten?", "office-hours"),
        ("Telefonnummer vom Amt bitte", "contact"),
        # Ukrainian, colloquial and inflected
        ("чи треба щеплення від кору?", "measles"),
        ("кір — потрібна довідка?", "measles"),
        ("як записати сина в садочок", "registration"),
        ("яка адреса?", "contact"),
        ("графік прийому", "office-hours"),
        # English
        ("does my kid need the measles vaccine", "measles"),
        ("how to register my daughter", "registration"),
        ("what are the opening hours", "office-hours"),
        # Russian
        ("нужна прививка от кори?", "measles"),
        ("как записать ребенка", "registration"),
        # Romanised Ukrainian
        ("chy potribne shcheplennia vid koru?", "measles"),
        ("yak zapysaty dytynu v sadochok", "registration"),
        # Mixed German and Ukrainian
        ("Kitaplatz як отримати? записати дитину", "registration"),
        ("Masern щеплення обов'язково?", "measles"),
    ],
)
def test_questions_are_answered_with_their_topic(
    matcher: Matcher, message: str, label: str
) -> None:
    found = matcher.match(message)
    assert (found.band, found.label) == (Band.ANSWER, label), found.ranking


@pytest.mark.parametrize(
    "variant", ["Ki\u200bta Masern", "КIТА Masern", "Ｋｉｔａ Masern", "kita Masern", "KITA MASERN"]
)
def test_disguised_spellings_match_alike(matcher: Matcher, variant: str) -> None:
    assert matcher.match(variant).ranking == matcher.match("kita masern").ranking


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("Hallo", "greeting"),
        ("Guten Tag!", "greeting"),
        ("привіт", "greeting"),
        ("pryvit", "greeting"),
        ("hi :)", "greeting"),
        ("danke!!", "thanks"),
        ("дякую", "thanks"),
        ("thanks, bye", "thanks"),
    ],
)
def test_greetings_and_thanks_are_small_talk(matcher: Matcher, message: str, kind: str) -> None:
    found = matcher.match(message)
    assert (found.band, found.smalltalk, found.label) == (Band.SMALLTALK, kind, None)


def test_a_greeting_with_a_question_is_a_question(matcher: Matcher) -> None:
    found = matcher.match("Hallo! Ist die Masernimpfung Pflicht?")
    assert (found.band, found.label) == (Band.ANSWER, "measles")
    assert found.ranking == matcher.match("Ist die Masernimpfung Pflicht?").ranking
    assert matcher.match("Добрий день! Як записати дитину?").label == "registration"


@pytest.mark.parametrize(
    "message",
    [
        "Wie wird das Wetter morgen?",
        "tell me a joke",
        "яка погода завтра",
        "Wie melde ich mein Kind an der Grundschule an?",
    ],
)
def test_out_of_scope_is_not_answered(matcher: Matcher, message: str) -> None:
    found = matcher.match(message)
    assert found.band is not Band.ANSWER
    assert found.label is None


@pytest.mark.parametrize(
    "message", ["", "   ", "🙂🙂🙂", "?!?!", "...", "👍", "\u200b\u200b", "12345"]
)
def test_nothing_to_read_is_never_a_topic(matcher: Matcher, message: str) -> None:
    found = matcher.match(message)
    assert found.band is Band.NONE
    assert found.label is None
    assert found.suggestions == ()


def test_a_multi_word_keyword_counts_when_its_words_stand_together(matcher: Matcher) -> None:
    together = dict(matcher.match("Kind hat rote Flecken").ranking)
    apart = dict(matcher.match("Kind hat Flecken, rote").ranking)
    assert together["measles"] > apart["measles"]
    assert matcher.match("Kind hat rote Flecken").label == "measles"


def test_other_forms_of_a_synonym_find_its_topic(matcher: Matcher) -> None:
    # The topic says "anmelden"; "beantrage" is another form of its synonym "beantragen".
    assert matcher.match("wie beantrage ich das?").label == "registration"
    assert matcher.match("how do I enrol").label == "registration"


def test_a_vague_message_gets_did_you_mean_not_an_answer() -> None:
    # Two labels equally likely: answering either would be a guess.
    t = Thresholds(answer=50, margin=10, suggest=20, suggest_floor=10)
    found = Matcher.build(hand_made_kb(), thresholds=t).match("Impfnachweis und Anmeldung")
    assert found.band is Band.SUGGEST
    assert found.label is None
    assert set(found.suggestions[:2]) == {"measles", "registration"}


def test_language_is_reported_with_the_match(matcher: Matcher) -> None:
    assert matcher.match("Як записати дитину в садочок?").lang == "uk"
    assert matcher.match("yak zapysaty dytynu").lang == "uk"
    assert matcher.match("как записать ребенка").lang == "ru"
    assert matcher.match("How do I register my son?").lang == "en"
    assert matcher.match("Wie melde ich mein Kind an?").lang == "de"


def test_a_very_long_message_is_handled(matcher: Matcher) -> None:
    found = matcher.match("Masern Impfung " * 700)  # about 10,000 characters
    assert 0 <= found.score <= 100
    assert found.label == "measles"


# --- properties ---------------------------------------------------------------------------------


@given(st.text(max_size=600))
@settings(max_examples=300, deadline=None)
def test_scores_stay_within_0_and_100(text: str) -> None:
    found = _MATCHER.match(text)
    assert 0.0 <= found.score <= 100.0
    assert all(0.0 <= s <= 100.0 for _, s in found.ranking)
    assert (found.label is not None) == (found.band is Band.ANSWER)


@given(st.text(alphabet=st.characters(categories=["So", "Sk", "P", "Zs", "Cf"]), max_size=50))
@settings(max_examples=200, deadline=None)
def test_symbols_and_punctuation_never_answer(text: str) -> None:
    assert _MATCHER.match(text).band in (Band.NONE, Band.SMALLTALK)


@given(st.floats(0, 50), st.floats(0, 50))
def test_the_score_function_is_bounded(evidence: float, total: float) -> None:
    assert 0.0 <= score(evidence, total) <= 100.0


def test_the_decision_rule_uses_the_margin() -> None:
    found = _MATCHER.analyse("Masern Anmeldung")
    strict = decide(found, Thresholds(answer=0, margin=101))
    assert strict.band is not Band.ANSWER


_MATCHER = Matcher.build(hand_made_kb())


# --- the real knowledge base --------------------------------------------------------------------


@pytest.fixture(scope="module")
def real() -> Matcher:
    from bot.knowledge import load_knowledge

    return Matcher.build(load_knowledge(FAQ_DIR))


@pytest.mark.parametrize(
    ("message", "label"),
    [
        (
            "Braucht meine Tochter eine Impfung gegen Masern, bevor sie in die Kita kommt?",
            "measles",
        ),
        ("Де можна записати доньку в дитячий садок?", "registration"),
        (
            "we want to employ a teacher from Ukraine in our kita, is her diploma recognised?",
            "hiring-staff",
        ),
    ],
)
def test_real_faq_answers_plain_questions(real: Matcher, message: str, label: str) -> None:
    found = real.match(message)
    assert (found.band, found.label) == (Band.ANSWER, label), found.ranking


@pytest.mark.parametrize(
    ("message", "label"),
    [
        (
            "Unser Kindergarten könnte zwei Kinder aus der Ukraine nehmen, was müssen wir tun?",
            "kita-admission",
        ),
        ("Mein Sohn ist 4, wie bekommt er einen Platz im Kindergarten?", "registration"),
        ("Our nursery could take two children from Ukraine, what do we do?", "kita-admission"),
        ("у нашому садочку є місця для двох дітей з України, що робити?", "kita-admission"),
        ("моєму сину 4 роки, як отримати місце в садочку?", "registration"),
        # A Tagesmutter who says she is one offers a place; a family looking for one asks for it.
        ("Is there something such as a childminder for my 1-year-old son?", "registration"),
        (
            "Ich bin Tagesmutter und habe einen Platz frei für ein Kind aus der Ukraine",
            "kita-admission",
        ),
        ("Wir suchen eine Tagesmutter für unseren Sohn", "registration"),
        (
            "We're a small daycare and could take two kids from Ukraine. What do we need to do?",
            "kita-admission",
        ),
    ],
)
def test_real_faq_a_place_is_asked_for_by_parents_and_offered_by_kitas(
    real: Matcher, message: str, label: str
) -> None:
    found = real.match(message)
    assert (found.band, found.label) == (Band.ANSWER, label), found.ranking


@pytest.mark.parametrize(
    ("message", "label"),
    [
        # The last part of a German compound names the thing; the first part may be unknown.
        ("Kinderpsychotherapeutin gesucht", "psychosocial-help"),
        ("Wir suchen eine ukrainische Erzieherin für unsere Kita", "hiring-staff"),
        # What someone looks for is what they ask about, whatever else the story says.
        (
            "Де знайти дитячого психолога? дитина після війни всього боїться",
            "psychosocial-help",
        ),
        # German "war" (was) is a function word; English "war" is the topic.
        ("a boy in our group keeps talking about the war, how do we respond?", "trauma"),
    ],
)
def test_real_faq_words_that_name_the_topic(real: Matcher, message: str, label: str) -> None:
    found = real.match(message)
    assert (found.band, found.label) == (Band.ANSWER, label), found.ranking


@pytest.mark.parametrize(
    ("message", "label"),
    [
        # Dresden's portal, office and hours are the wrong answer for another town ...
        ("Kita in Leipzig anmelden", None),
        ("Як записати дитину в садочок у Лейпцигу?", None),
        ("What are the opening hours of the youth office in Potsdam?", None),
        ("ми живемо в іншому місті, як отримати місце в садочку?", None),
        ("Скільки коштує садок у Лейпцизі?", None),  # inflected: Лейпциг -> у Лейпцизі
        ("Yak zapysaty dytynu v sadok v Leipzig?", None),
        ("Wir ziehen von Dresden nach Leipzig, wie melden wir dort die Kita an?", None),
        # ... but a federal law and pedagogy hold there too,
        ("Gilt die Masernimpfpflicht auch in Kitas in Chemnitz?", "measles"),
        ("Unsere Kita ist in Pirna, wir haben ein Kind mit Kriegstrauma", "trauma"),
        (
            "Eine Bekannte in Chemnitz will wissen, ob die Kita ihr Kind ohne Masernimpfung nehmen muss",
            "measles",
        ),
        # and a message that names Dresden is about Dresden.
        ("Wir ziehen aus Leipzig nach Dresden, wie melden wir die Kita an?", "registration"),
        # Where someone comes from is not where they ask about; a street is not a town.
        ("Wir sind aus Berlin hergezogen, wie bekommen wir einen Kitaplatz?", "registration"),
        ("Ми приїхали з Лейпцига, як записати дитину в садочок?", "registration"),
        ("Kita Freiberger Straße Anmeldung", "registration"),
        ("Psychologische Hilfe für mein Kind in Leipzig", "psychosocial-help"),
    ],
)
def test_real_faq_another_town_gets_only_answers_that_hold_there(
    real: Matcher, message: str, label: str | None
) -> None:
    found = real.match(message)
    assert found.label == label, found.ranking
    if label is None:
        assert found.smalltalk == ELSEWHERE


@pytest.mark.parametrize(
    ("message", "answered"),
    [
        ("Übernimmt das Jobcenter den Kitabeitrag?", "rights"),
        ("Das Jobcenter hat mein Bürgergeld nicht überwiesen", None),
        ("Wir haben noch freie Plätze, an wen melden wir das?", "kita-admission"),
        ("Kita in Leipzig anmelden", None),
        ("Wie funktioniert die Wohnsitzanmeldung?", None),  # the Bürgerbüro's, not a Kita's
        # Hort is day care for school children: school words in a Hort question are context.
        ("Wie melde ich mein Kind an der Grundschule an?", None),
        ("Hortplatz für meine Tochter, sie kommt im August in die erste Klasse", "registration"),
        ("after-school care (Hort) for my son in year one - how to apply?", "registration"),
    ],
)
def test_real_faq_out_of_scope_words_veto_only_when_they_dominate(
    real: Matcher, message: str, answered: str | None
) -> None:
    assert real.match(message).label == answered


def test_real_faq_small_talk_and_out_of_scope(real: Matcher) -> None:
    assert real.match("Guten Morgen!").band is Band.SMALLTALK
    weather = real.match("Wie wird das Wetter am Sonntag?")
    assert weather.band is not Band.ANSWER
    # The score is the confidence in a topic, not in "out of scope".
    assert weather.score < real.thresholds.suggest
