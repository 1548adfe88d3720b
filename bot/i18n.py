"""Interface strings from `locales/` (gettext via Babel), one translator per language, and the
single place that decides which language a reply is in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Final

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_interval, format_skeleton, get_day_names
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from bot.models import DEFAULT_LANG, LANGUAGES, Lang

DOMAIN = "messages"

_FROM_MESSAGE: Mapping[str, Lang] = {"de": "de", "uk": "uk", "ru": "uk", "en": "en"}
"""Russian speakers from Ukraine get Ukrainian: we answer in de, uk and en only."""
FOREIGN_LANG: Final[Lang] = "en"
"""The answer language for a client language we do not speak."""


class CatalogError(RuntimeError):
    """A catalog is missing or unreadable: we refuse to fall back silently to English msgids."""


@dataclass(frozen=True)
class Translator:
    """Everything language-specific the renderer needs: gettext plus Babel's dates and lists."""

    lang: Lang
    translations: Translations

    @property
    def locale(self) -> Locale:
        return Locale.parse(self.lang)

    def gettext(self, message: str, **params: object) -> str:
        """The translation of `message`, with `{name}` placeholders filled from `params`."""
        text = self.translations.gettext(message)
        return text.format(**params) if params else text

    def ngettext(self, singular: str, plural: str, n: int, **params: object) -> str:
        """The plural form for `n` (Ukrainian has three); `{n}` is filled in."""
        return self.translations.ngettext(singular, plural, n).format(n=n, **params)

    def weekday(self, index: int, *, start_of_line: bool = True) -> str:
        """Weekday name, 0 = Monday; capitalised at the start of a line, else as the language
        writes it inside a sentence (Ukrainian: lower case)."""
        name = str(get_day_names("wide", locale=self.locale)[index])
        return name[:1].upper() + name[1:] if start_of_line else name

    def time(self, value: dt.time | dt.datetime) -> str:
        """A clock time on the 24-hour clock (09:00), as the weekly hours and the office write it."""
        return format_skeleton("Hm", value, locale=self.locale)

    def short_weekday(self, index: int) -> str:
        """Abbreviated weekday name, 0 = Monday (Di., вт, Tue), for one-line hours."""
        return str(get_day_names("abbreviated", locale=self.locale)[index])

    def short_date(self, value: dt.date) -> str:
        """Day and month, short (24. Dez., 24 груд., Dec 24), for one-line hours."""
        return format_skeleton("MMMd", value, locale=self.locale)

    def interval(self, start: dt.time, end: dt.time) -> str:
        """A time range, e.g. 09:00–12:00 Uhr."""
        return format_interval(start, end, "Hm", locale=self.locale)

    def date(self, value: dt.date) -> str:
        """A date in long form, e.g. 25. November 2026 / 25 листопада 2026 р."""
        return format_date(value, "long", locale=self.locale)

    def language_name(self, lang: Lang) -> str:
        """The name of `lang` in its own language (Deutsch, Українська, English)."""
        name = Locale.parse(lang).get_display_name(lang) or lang
        return name[:1].upper() + name[1:]


def _compile(po_path: Path, lang: Lang) -> Translations:
    # Compiling in memory means no .mo step for anyone; fuzzy entries are left out exactly as
    # pybabel would, and the catalog check in the tests makes sure there are none.
    try:
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=lang, domain=DOMAIN)
    except OSError as exc:
        raise CatalogError(f"cannot read the {lang} catalog {po_path}: {exc}") from exc
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


def po_path(lang: Lang, directory: Path) -> Path:
    """Where the catalog of `lang` lives in the catalog folder `directory` (locales/)."""
    return directory / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@dataclass(frozen=True)
class Catalogs:
    translators: Mapping[Lang, Translator]

    @classmethod
    def load(cls, directory: Path) -> Catalogs:
        """Compile every language's .po file in `directory` (locales/); CatalogError if one is
        missing."""
        return cls(
            {lang: Translator(lang, _compile(po_path(lang, directory), lang)) for lang in LANGUAGES}
        )

    def __getitem__(self, lang: Lang) -> Translator:
        return self.translators[lang]


def language_from_code(code: str | None) -> Lang | None:
    """Map a client language code (de-AT, uk_UA, ru, en-GB ...) to an answer language, or None."""
    if not code:
        return None
    try:
        language = Locale.parse(code.replace("-", "_")).language
    except (ValueError, UnknownLocaleError):
        language = code.split("-")[0].split("_")[0].lower()
    return _FROM_MESSAGE.get(language)


def message_language(detected: str | None, confident: bool) -> Lang | None:
    """The answer language for a message detected as `detected`, when the detection is sure."""
    return _FROM_MESSAGE.get(detected) if confident and detected is not None else None


def resolve_language(
    *,
    chosen: Lang | None,
    detected: str | None = None,
    detected_confident: bool = False,
    last: Lang | None = None,
    client_code: str | None = None,
) -> Lang:
    """The reply language: the user's choice, else a confidently detected message language,
    else that of the user's last such message, else the client's language code (unknown codes
    get English), else German."""
    if chosen is not None:
        return chosen
    this_message = message_language(detected, detected_confident)
    if this_message is not None:
        return this_message
    if last is not None:
        return last
    if client_code:
        return language_from_code(client_code) or FOREIGN_LANG
    return DEFAULT_LANG
