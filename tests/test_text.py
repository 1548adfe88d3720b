"""Normalising, tokens, language detection and stems: what makes two spellings the same question."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import text as tx
from bot.text import MAX_INPUT_CHARS, detect_language, normalize, read, tokens

# --- normalize ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variants", "expected"),
    [
        (["сім'я", "сім’я", "сімʼя", "сім`я", "сім‘я"], "сім'я"),
        (["Ki\u200bta", "Ｋｉｔａ", "KITA", "kita", "Ki\u00adta", "\u202ekita"], "kita"),
        (["Öffnungszeiten", "oeffnungszeiten", "OEFFNUNGSZEITEN"], "oeffnungszeiten"),
        (["Straße", "STRASSE", "strasse"], "strasse"),
        (["Über  die\tKita\n", " ueber die kita "], "ueber die kita"),
    ],
)
def test_spelling_variants_normalise_alike(variants: list[str], expected: str) -> None:
    assert {normalize(v) for v in variants} == {expected}


def test_cyrillic_i_and_yi_survive_normalising() -> None:
    composed = "Україна, її мрії й надії"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    assert normalize(decomposed) == normalize(composed) == "україна, її мрії й надії"


def test_a_latin_letter_inside_a_cyrillic_word_becomes_cyrillic() -> None:
    # "КIТА" with a Latin I, "сaдок" with a Latin a: look-alikes typed by a keyboard switch.
    assert normalize("КIТА") == "кіта"
    assert normalize("сaдок") == "садок"
    assert normalize("Kitа") == "kita"  # a Cyrillic а inside a Latin word


def test_only_the_start_of_a_long_message_is_read() -> None:
    long = "Kita " * 3000
    assert len(normalize(long)) <= MAX_INPUT_CHARS
    assert normalize(long).startswith("kita kita")


def test_tokens_keep_the_apostrophe_inside_a_word() -> None:
    assert tokens("Моя сім’я, діти й я!") == ("моя", "сім'я", "діти", "й", "я")
    assert tokens("...!!! 🙂") == ()


@given(st.text(max_size=700))
@settings(max_examples=400)
def test_normalize_never_raises_and_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_composed_and_decomposed_input_normalise_alike(text: str) -> None:
    nfc = unicodedata.normalize("NFC", text)
    nfd = unicodedata.normalize("NFD", text)
    assert normalize(nfc) == normalize(nfd)


@given(
    st.text(
        alphabet="абвгґдеєжзиіїйклмнопрстуфхцчшщьюя'ʼ’ abcdefghijklmnopqrstuvwxyzäöüß", max_size=80
    )
)
def test_words_written_in_both_scripts_are_stable(text: str) -> None:
    assert normalize(normalize(text)) == normalize(text)


# --- language -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "lang"),
    [
        ("Wo kann ich mein Kind für die Krippe anmelden?", "de"),
        ("brauch ich nen impfpass fuer den kindergarten", "de"),
        ("Guten Tag", "de"),
        ("Who do I call about a nursery place for my son?", "en"),
        ("hello", "en"),
        ("Де можна отримати довідку про щеплення для садочка?", "uk"),
        ("дякую вам", "uk"),
        ("Коли відкрито відомство?", "uk"),
        ("Где можно получить справку о прививках для садика?", "ru"),
        ("Спасибо, всё понятно", "ru"),
        ("Kita для сина як знайти?", "uk"),  # mixed: the Cyrillic part decides
        ("Ich suche садочок für meine Tochter", "de"),
        ("de mozhna znayty sadochok dlia syna?", "uk"),  # romanised Ukrainian
        ("dyakuyu", "uk"),
        ("chy potribna dovidka pro shcheplennia?", "uk"),
    ],
)
def test_detected_language(message: str, lang: str) -> None:
    assert detect_language(message)[0] == lang


def test_clear_messages_are_detected_confidently() -> None:
    assert detect_language("Wie bekomme ich einen Kitaplatz in Dresden?") == ("de", True)
    assert detect_language("How can I get a daycare place in Dresden?") == ("en", True)
    assert detect_language("Як отримати місце в садочку?") == ("uk", True)


def test_messages_without_letters_are_not_confident() -> None:
    assert detect_language("🙂🙂")[1] is False
    assert detect_language("")[1] is False
    assert detect_language("?!")[1] is False


@pytest.mark.parametrize(
    ("romanised", "cyrillic"),
    [
        ("shcheplennia", "щеплення"),
        ("zapysaty", "записати"),
        ("dytynu", "дитину"),
        ("pratsiuvaty", "працювати"),
        ("dobryi", "добрий"),
        ("zhovtnia", "жовтня"),
        ("khto", "хто"),
        ("yak", "як"),
    ],
)
def test_romanised_ukrainian_back_to_cyrillic(romanised: str, cyrillic: str) -> None:
    assert tx.romanized_to_cyrillic(romanised) == cyrillic


def test_romanised_message_is_read_in_cyrillic_and_keeps_the_latin_words() -> None:
    reading = read("yak zapysaty syna v Kita?")
    assert reading.romanized
    assert reading.lang == "uk"
    assert "записати" in reading.words
    assert "kita" in reading.latin_words


def test_german_and_english_are_not_taken_for_romanised_ukrainian() -> None:
    for message in (
        "Kann ich mit meinem Sohn am Dienstag vorbeikommen?",
        "Is there a city office that helps with nursery places?",
        "Kinderkrippe Platz gesucht",
    ):
        assert not read(message).romanized, message


# --- stems and stop words -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "lang"),
    [
        ("Anmeldung", "anmelden", "de"),
        ("geöffnet", "geoeffnet", "de"),
        ("Kinder", "Kind", "de"),
        ("vaccination", "vaccinations", "en"),
        ("садочка", "садочку", "uk"),
        ("дитину", "дитина", "uk"),
        ("прививки", "прививка", "ru"),
    ],
)
def test_inflected_forms_share_a_stem(a: str, b: str, lang: str) -> None:
    assert tx.stem(a.casefold(), lang) == tx.stem(b.casefold(), lang)


def test_stop_words_in_every_language() -> None:
    for word in ("und", "für", "fuer", "the", "and", "що", "та", "это", "как"):
        assert tx.is_stop_word(word), word
    for word in ("kita", "masern", "садочок", "кору", "measles", "прививка"):
        assert not tx.is_stop_word(word), word
    assert tx.is_stop_word("war", "de") and not tx.is_stop_word("war", "en")


@pytest.mark.parametrize(
    ("message", "who"),
    [
        ("Wir als Kita könnten zwei Kinder nehmen", {"kitas"}),
        ("bei uns in der Krippe ist ein Platz frei", {"kitas"}),
        ("I am an educator from Kharkiv", {"kitas"}),
        ("у нашому садочку є вільні місця", {"kitas"}),
        ("я вихователька", {"kitas"}),
        ("Meine Tochter ist drei", {"families"}),
        ("my son is 4", {"families"}),
        ("синові 3 роки", {"families"}),
        ("моя донька боїться", {"families"}),
        ("Wie melde ich an?", set()),
        ("Ich bin Tagesmutter", {"kitas"}),
        ("Wir suchen eine Tagesmutter für unseren Sohn", {"families"}),
        ("our kita and my son", {"kitas", "families"}),
        ("We run a bilingual kindergarten", {"kitas"}),
        ("We're a small daycare", {"kitas"}),
        ("we need a kindergarten", set()),  # who looks for a setting does not run one
        ("Is there something such as a childminder?", set()),
    ],
)
def test_who_writes_is_read_from_the_words(message: str, who: set[str]) -> None:
    assert tx.audiences(read(message).words) == who
