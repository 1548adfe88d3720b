"""The interface speaks German, Ukrainian and English completely: no missing, empty or fuzzy
translation, the template matches the code, plurals and dates follow each language."""

from __future__ import annotations

import re
from datetime import date, time
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from babel.support import Translations

from bot.i18n import Catalogs, language_from_code, po_path, resolve_language
from bot.models import LANGUAGES, Lang

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
POT = LOCALES / "messages.pot"
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def read_catalog(path: Path, lang: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=lang)


def ids_in_code() -> set[str | tuple[str, ...]]:
    found: set[str | tuple[str, ...]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT / "bot"), method_map=[("**.py", "python")]
    ):
        found.add(message if isinstance(message, str) else tuple(message))
    return found


def test_template_is_up_to_date_with_the_code() -> None:
    in_pot = {m.id for m in read_catalog(POT) if m.id}
    in_code = ids_in_code()
    missing = sorted(map(str, in_code - in_pot))
    stale = sorted(map(str, in_pot - in_code))
    assert not missing, (
        f"strings in the code but not in locales/messages.pot (run `make catalogs`): {missing}"
    )
    assert not stale, (
        f"strings in locales/messages.pot no longer in the code (run `make catalogs`): {stale}"
    )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_string_is_translated_and_not_fuzzy(lang: Lang) -> None:
    template = {m.id for m in read_catalog(POT) if m.id}
    catalog = read_catalog(po_path(lang, LOCALES), lang)
    problems = []
    for message_id in sorted(template, key=str):
        message = catalog.get(message_id)
        if message is None:
            problems.append(f"missing: {message_id!r}")
            continue
        strings = (
            (message.string,) if isinstance(message.string, str) else tuple(message.string or ())
        )
        if message.fuzzy:
            problems.append(f"fuzzy: {message_id!r}")
        if not all(s and s.strip() for s in strings):
            problems.append(f"empty: {message_id!r}")
        if isinstance(message_id, tuple) and len(strings) != catalog.num_plurals:
            problems.append(f"needs {catalog.num_plurals} plural forms: {message_id!r}")
        expected = set(
            PLACEHOLDER.findall(message_id if isinstance(message_id, str) else message_id[-1])
        )
        for s in strings:
            if s and set(PLACEHOLDER.findall(s)) != expected:
                problems.append(
                    f"placeholders differ ({sorted(expected)}): {message_id!r} -> {s!r}"
                )
    assert not problems, f"{lang} catalog {po_path(lang, LOCALES)}:\n" + "\n".join(problems)


def test_each_language_loads_a_real_catalog(catalogs: Catalogs) -> None:
    for lang in LANGUAGES:
        assert isinstance(catalogs[lang].translations, Translations)
    assert catalogs["de"].gettext("Choose your language:") == "Wählen Sie Ihre Sprache:"
    assert catalogs["uk"].gettext("Choose your language:") == "Оберіть мову:"
    assert catalogs["en"].gettext("Choose your language:") == "Choose your language:"


def test_a_missing_catalog_is_an_error_not_silent_english(tmp_path: Path) -> None:
    from bot.i18n import CatalogError

    with pytest.raises(CatalogError, match="catalog"):
        Catalogs.load(tmp_path)


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (1, "1 раз"),
        (2, "2 рази"),
        (4, "4 рази"),
        (5, "5 разів"),
        (11, "11 разів"),
        (21, "21 раз"),
        (22, "22 рази"),
    ],
)
def test_ukrainian_has_three_plural_forms(catalogs: Catalogs, n: int, expected: str) -> None:
    assert catalogs["uk"].ngettext("{n} time", "{n} times", n) == expected


def test_german_and_english_plurals(catalogs: Catalogs) -> None:
    message = ("Usage in the last {n} day", "Usage in the last {n} days")
    assert catalogs["de"].ngettext(*message, 1) == "Nutzung am letzten 1 Tag"
    assert catalogs["de"].ngettext(*message, 30) == "Nutzung in den letzten 30 Tagen"
    assert catalogs["en"].ngettext(*message, 30) == "Usage in the last 30 days"


def test_weekdays_times_and_dates_follow_the_language(catalogs: Catalogs) -> None:
    assert catalogs["uk"].weekday(1) == "Вівторок"
    assert catalogs["de"].weekday(3) == "Donnerstag"
    assert catalogs["en"].weekday(0) == "Monday"
    assert catalogs["de"].interval(time(9), time(12)) == "09:00–12:00 Uhr"
    assert catalogs["uk"].date(date(2026, 11, 25)).replace("\u202f", " ") == "25 листопада 2026 р."
    assert catalogs["de"].date(date(2026, 11, 25)) == "25. November 2026"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("de", "de"),
        ("de-AT", "de"),
        ("de_CH", "de"),
        ("uk", "uk"),
        ("uk-UA", "uk"),
        ("ru", "uk"),
        ("ru-RU", "uk"),
        ("en", "en"),
        ("en-GB", "en"),
        ("fr", None),
        ("pt-br", None),
        ("", None),
        (None, None),
        ("xx-unknown", None),
    ],
)
def test_client_language_codes(code: str | None, expected: str | None) -> None:
    assert language_from_code(code) == expected


def test_language_resolution_order() -> None:
    # The user's choice wins, then a confidently detected message language, then the language of
    # the last such message, then the client's code.
    assert (
        resolve_language(chosen="en", detected="uk", detected_confident=True, client_code="de")
        == "en"
    )
    assert (
        resolve_language(
            chosen=None, detected="ru", detected_confident=True, last="de", client_code="de"
        )
        == "uk"
    )
    assert (
        resolve_language(chosen=None, detected="uk", detected_confident=False, client_code="de-AT")
        == "de"
    )
    assert (
        resolve_language(
            chosen=None, detected="de", detected_confident=False, last="uk", client_code="de"
        )
        == "uk"
    )
    assert resolve_language(chosen=None, client_code="fr") == "en"
    assert resolve_language(chosen=None) == "de"
