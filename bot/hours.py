"""Is the office open now, and when does it open next? Europe/Berlin, with Saxony's public holidays."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from bot.models import Lang, OfficeHours

_LOOKAHEAD_DAYS = 21
"""Far enough to cross Christmas and Easter holiday clusters."""

_HOLIDAY_LANGUAGE: dict[Lang, str] = {"de": "de", "uk": "uk", "en": "en_US"}


@dataclass(frozen=True)
class Opening:
    """One opening interval on a concrete day, as aware datetimes in the office's time zone."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class HoursStatus:
    open_now: bool
    closes_at: datetime | None
    """While open: when the current interval ends."""
    next_opening: Opening | None
    """While closed: the next interval (None if the office has no hours at all)."""
    holiday_today: str | None
    """Today's public holiday in the reader's language, when there is one."""


@lru_cache(maxsize=32)
def _holidays(country: str, subdivision: str, year: int, lang: Lang) -> holidays.HolidayBase:
    return holidays.country_holidays(
        country, subdiv=subdivision or None, years=year, language=_HOLIDAY_LANGUAGE[lang]
    )


def holiday_name(hours: OfficeHours, day: date, lang: Lang = "de") -> str | None:
    """The name of the public holiday on `day` in the office's region, or None."""
    calendar = _holidays(hours.holiday_country, hours.holiday_subdivision, day.year, lang)
    name = calendar.get(day)
    return str(name) if name else None


def openings_on(hours: OfficeHours, day: date) -> tuple[Opening, ...]:
    """The office's intervals on `day`; none on a public holiday."""
    if holiday_name(hours, day) is not None:
        return ()
    zone = ZoneInfo(hours.timezone)
    return tuple(
        Opening(
            datetime.combine(day, interval.start, tzinfo=zone),
            datetime.combine(day, interval.end, tzinfo=zone),
        )
        for interval in hours.weekly.get(day.weekday(), ())
    )


def status(hours: OfficeHours, now: datetime, lang: Lang = "de") -> HoursStatus:
    """Open or closed at `now` (any aware datetime), with the closing time or the next opening."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    local_now = now.astimezone(ZoneInfo(hours.timezone))
    today = local_now.date()
    holiday = holiday_name(hours, today, lang)
    for offset in range(_LOOKAHEAD_DAYS):
        for opening in openings_on(hours, today + timedelta(days=offset)):
            if opening.start <= local_now < opening.end:
                return HoursStatus(True, opening.end, None, holiday)
            if local_now < opening.start:
                return HoursStatus(False, None, opening, holiday)
    return HoursStatus(False, None, None, holiday)
