"""The per-user flood limit: a handful of answers, one notice, then silence until the window frees."""

from __future__ import annotations

import pytest

from bot.flood import FloodLimiter, Verdict


def test_fifty_messages_in_ten_seconds_get_five_answers_and_one_notice() -> None:
    limiter: FloodLimiter[int] = FloodLimiter(5, 10.0)
    verdicts = [limiter.check(1, n * 0.2) for n in range(50)]
    assert verdicts.count(Verdict.ALLOW) == 5
    assert verdicts.count(Verdict.NOTIFY) == 1
    assert verdicts[:6] == [Verdict.ALLOW] * 5 + [Verdict.NOTIFY]
    assert set(verdicts[6:]) == {Verdict.DROP}


def test_other_users_are_not_affected() -> None:
    limiter: FloodLimiter[int] = FloodLimiter(5, 10.0)
    for n in range(50):
        limiter.check(1, n * 0.1)
    assert limiter.check(2, 5.0) is Verdict.ALLOW


def test_answered_again_when_the_window_frees_and_notified_once_per_burst() -> None:
    limiter: FloodLimiter[int] = FloodLimiter(2, 10.0)
    assert [limiter.check(1, t) for t in (0, 1, 2, 3)] == [
        Verdict.ALLOW,
        Verdict.ALLOW,
        Verdict.NOTIFY,
        Verdict.DROP,
    ]
    assert limiter.check(1, 10.0) is Verdict.ALLOW  # the first answer left the window
    assert limiter.check(1, 10.5) is Verdict.NOTIFY  # a new burst, a new notice


def test_idle_users_are_forgotten() -> None:
    limiter: FloodLimiter[int] = FloodLimiter(5, 10.0)
    for user in range(FloodLimiter.SWEEP_EVERY - 1):
        limiter.check(user, 0.0)
    assert len(limiter) == FloodLimiter.SWEEP_EVERY - 1
    limiter.check(-1, 100.0)
    assert len(limiter) <= 1


@pytest.mark.parametrize(("messages", "seconds"), [(0, 10.0), (5, 0.0)])
def test_a_limit_must_let_something_through(messages: int, seconds: float) -> None:
    with pytest.raises(ValueError, match="flood limit"):
        FloodLimiter(messages, seconds)
