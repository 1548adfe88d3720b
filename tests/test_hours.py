"""Office hours: open now, closing time, next opening, public holidays in Saxony, Europe/Berlin."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from bot.hours import holiday_name, status
from bot.models import Interval, OfficeHours
from tests.conftest import BERLIN

HOURS = OfficeHours(
    weekly={
        0: (Interval(time(9), time(12)),),
        1: (Interval(time(9), time(12)), Interval(time(13), time(17))),
        3: (Interval(time(9), time(12)), Interval(time(13), time(17))),
    }
)


def at(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("now", "open_now", "boundary"),
    [
        (at(2026, 11, 23, 10, 30), True, at(2026, 11, 23, 12)),  # Monday morning: open until 12
        (at(2026, 11, 23, 9, 0), True, at(2026, 11, 23, 12)),  # opening minute counts as open
        (at(2026, 11, 23, 12, 0), False, at(2026, 11, 24, 9)),  # Monday noon: next Tuesday 9:00
        (at(2026, 11, 24, 12, 30), False, at(2026, 11, 24, 13)),  # Tuesday lunch break
        (at(2026, 11, 24, 16, 59), True, at(2026, 11, 24, 17)),
        (at(2026, 11, 25, 10, 0), False, at(2026, 11, 26, 9)),  # Wednesday: closed
        (at(2026, 11, 27, 10, 0), False, at(2026, 11, 30, 9)),  # Friday: next Monday
        (at(2026, 11, 28, 10, 0), False, at(2026, 11, 30, 9)),  # Saturday
    ],
)
def test_open_now_and_next_opening(now: datetime, open_now: bool, boundary: datetime) -> None:
    result = status(HOURS, now)
    assert result.open_now is open_now
    if open_now:
        assert result.closes_at == boundary
    else:
        assert result.next_opening is not None
        assert result.next_opening.start == boundary


def test_a_utc_time_is_judged_in_berlin() -> None:
    # 08:30 UTC on a Monday in November is 09:30 in Dresden.
    result = status(HOURS, datetime(2026, 11, 23, 8, 30, tzinfo=UTC))
    assert result.open_now


def test_summer_time_is_respected() -> None:
    # 07:30 UTC on a Monday in June is 09:30 CEST.
    assert status(HOURS, datetime(2026, 6, 8, 7, 30, tzinfo=UTC)).open_now


def test_public_holiday_closes_the_office_and_is_named_in_the_readers_language() -> None:
    # Buß- und Bettag is a holiday in Saxony only: Wednesday 18.11.2026 (closed anyway) -
    # use Ascension, Thursday 14.05.2026, a normal opening day.
    result = status(HOURS, at(2026, 5, 14, 10), "uk")
    assert not result.open_now
    assert result.holiday_today == "Вознесіння Господнє"
    assert result.next_opening is not None
    assert result.next_opening.start == at(2026, 5, 18, 9)


def test_saxon_holiday_that_other_states_do_not_have() -> None:
    assert holiday_name(HOURS, at(2026, 11, 18, 0).date()) == "Buß- und Bettag"


def test_christmas_week_skips_to_the_next_working_day() -> None:
    # Thu 24.12. is a normal weekday by law; 25./26.12. are holidays; then Monday 28.12.
    result = status(HOURS, at(2026, 12, 24, 18))
    assert result.next_opening is not None
    assert result.next_opening.start == at(2026, 12, 28, 9)


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        status(HOURS, datetime(2026, 11, 23, 10))


def test_an_office_without_hours_never_opens() -> None:
    result = status(OfficeHours(weekly={}), at(2026, 11, 23, 10))
    assert not result.open_now
    assert result.next_opening is None
