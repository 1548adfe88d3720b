"""Telegram's failures against the real Application and the fake Bot API: what is retried, what
is never doubled, what a stop drops, and what the log says (once, without a traceback)."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from telegram.error import NetworkError, TelegramError, TimedOut

from bot.events import ChooseLanguage, ShowLabel, encode
from bot.telegram_bot import Runner, build_application, counters_of, wiring_of
from bot.telegram_bot.transport import Backoff, Request, maybe_done
from tests.fake_bot_api import TEST_TOKEN, FakeBotApi, User, polling
from tests.stub_core import (
    FAILED,
    IVAN,
    OLENA,
    REGISTRATION,
    StubCore,
    replies_to,
    settings_for,
)

FAULTY = ("sendMessage", "editMessageText", "answerCallbackQuery")


@pytest.fixture(autouse=True)
def timedelta_periods(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB's documented opt-in; without it RetryAfter emits a deprecation warning (an error here)."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
async def bot(api: FakeBotApi, core: StubCore, tmp_path: Path) -> AsyncIterator[Any]:
    async with polling(build_application(settings_for(api, tmp_path), core)) as running:
        yield running


def warnings_and_worse(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


# --- retried, once ---


async def test_a_5xx_on_a_send_is_retried_with_back_off_and_arrives_once(
    api: FakeBotApi, bot: Any, caplog: pytest.LogCaptureFixture
) -> None:
    api.fail("sendMessage", 500)
    api.fail("sendMessage", 502)
    api.send_text(OLENA, "Kita")
    [sent] = await replies_to(api, OLENA.id, 1)
    first, second, third = api.calls_to("sendMessage")
    assert (first.status, second.status, third.status) == (500, 502, 200)
    assert second.at - first.at >= 0.02 and third.at - second.at >= 0.04  # 0.02 s, then twice
    assert sent.text == "echo: Kita"
    # The fake API has the message before the bot has read the answer and logged the retries.
    assert await api.until(lambda: bool(warnings_and_worse(caplog)))
    [line] = warnings_and_worse(caplog)
    assert line.startswith("sendMessage went through on try 3")


async def test_a_reply_failing_every_try_is_given_up_in_one_line_without_a_traceback(
    api: FakeBotApi, bot: Any, caplog: pytest.LogCaptureFixture
) -> None:
    api.fail("sendMessage", 502, times=Backoff().tries)  # an HTML error page each time
    api.send_text(OLENA, "Kita")
    assert await api.until(lambda: counters_of(bot).undelivered == 1)
    api.send_text(OLENA, "Hort")  # the bot goes on
    [sent] = await replies_to(api, OLENA.id, 1)
    assert sent.text == "echo: Hort"
    assert warnings_and_worse(caplog) == [
        "sendMessage failed 4 times (NetworkError: Bad Gateway (502)); given up"
    ]
    assert not any(r.exc_info or r.exc_text for r in caplog.records)
    assert "JSONDecodeError" not in caplog.text and "<html>" not in caplog.text


async def test_one_429_delivers_the_answer_exactly_once_after_retry_after(
    api: FakeBotApi, bot: Any
) -> None:
    api.rate_limit("sendMessage", retry_after=1)
    api.send_text(OLENA, "Kita")
    [sent] = await replies_to(api, OLENA.id, 1)
    [limited] = [c for c in api.calls_to("sendMessage") if c.status == 429]
    assert sent.text == "echo: Kita"
    assert sent.at - limited.at >= 1.0  # never sooner than Telegram asked, whatever the back-off


@pytest.mark.parametrize(
    ("status", "drop"), [(0, True), (504, False)], ids=["dropped connection", "504"]
)
async def test_a_send_whose_answer_was_lost_is_not_sent_again(
    api: FakeBotApi, bot: Any, caplog: pytest.LogCaptureFixture, status: int, drop: bool
) -> None:
    # Telegram delivered the message; only its answer did not come back.
    api.fail("sendMessage", status, accepted=True, drop_connection=drop)
    api.send_text(OLENA, "Kita")
    api.send_text(OLENA, "Hort")
    await replies_to(api, OLENA.id, 2)
    assert [c.text for c in api.sent(OLENA.id)] == ["echo: Kita", "echo: Hort"]
    assert len(api.calls_to("sendMessage")) == 2
    assert "not sent again" in caplog.text


async def test_a_lost_answer_to_an_edit_or_a_press_is_tried_again(
    api: FakeBotApi, bot: Any
) -> None:
    # Editing the same text, or answering the same press, twice changes nothing for the user.
    api.fail("answerCallbackQuery", 0, accepted=True, drop_connection=True)
    api.fail("editMessageText", 504, accepted=True)
    api.press(OLENA, encode(ChooseLanguage("uk")))
    assert await api.until(lambda: sum(c.ok for c in api.calls_to("editMessageText")) == 1)
    assert [c.status for c in api.calls_to("answerCallbackQuery")] == [0, 200]
    assert [c.status for c in api.calls_to("editMessageText")] == [504, 200]


async def test_a_quarter_of_all_sends_failing_with_500_or_502_loses_nothing_and_doubles_nothing(
    api: FakeBotApi, core: StubCore, tmp_path: Path
) -> None:
    api.flaky(FAULTY, rate=0.25)
    users = [User(3000 + n, f"Nutzer {n}", "de") for n in range(25)]
    application = build_application(settings_for(api, tmp_path), core)
    started = time.monotonic()
    async with polling(application):
        for user in users:
            api.send_text(user, f"Kita {user.id}")
            api.send_text(user, "two")
            api.press(user, REGISTRATION)
            api.press(user, encode(ChooseLanguage("de")))
        assert await api.until(
            lambda: sum(c.delivered for c in api.calls_to("editMessageText")) == len(users),
            timeout=30,
        )
    elapsed = time.monotonic() - started
    for user in users:  # every answer exactly once, in order
        assert [c.text for c in api.sent(user.id)] == [
            f"echo: Kita {user.id}",
            "first",
            "second",
            f"button {ShowLabel('registration')}",
        ]
    answered = Counter(
        c.params["callback_query_id"] for c in api.calls_to("answerCallbackQuery") if c.delivered
    )
    assert len(answered) == 2 * len(users) and set(answered.values()) == {1}
    tried = Counter(c.method for c in api.calls if c.method in FAULTY)
    failed = api.flaky_failures
    outbox = wiring_of(application).outbox
    assert outbox.dropped == 0 and outbox.retried == sum(failed.values())
    assert 0.15 < sum(failed.values()) / sum(tried.values()) < 0.35
    print(  # the figures for the record (pytest -s)
        f"\n25% faults: {sum(tried.values())} requests ({dict(tried)}), "
        f"{dict(failed)} failed and were retried, {len(users) * 4} messages + "
        f"{len(users)} edits + {len(answered)} button answers delivered exactly once, "
        f"0 lost, 0 doubled, {elapsed:.2f} s"
    )


# --- refused, unreadable, broken ---


async def test_a_user_who_blocked_the_bot_is_not_retried_and_forgotten(
    api: FakeBotApi, core: StubCore, bot: Any
) -> None:
    api.block(OLENA.id)
    api.send_text(OLENA, "Kita")
    api.send_text(IVAN, "садик")
    await replies_to(api, IVAN.id, 1)
    assert await api.until(lambda: counters_of(bot).blocked == 1)
    assert len(api.calls_to("sendMessage", OLENA.id)) == 1
    assert core.forgotten == [OLENA.id]


async def test_unparsable_html_is_resent_once_as_plain_text(api: FakeBotApi, bot: Any) -> None:
    api.fail(
        "sendMessage",
        400,
        'Bad Request: can\'t parse entities: unsupported start tag "x" at byte offset 6',
    )
    api.send_text(OLENA, "A & B")
    [sent] = await replies_to(api, OLENA.id, 1)
    attempts = api.calls_to("sendMessage")
    assert len(attempts) == 2
    assert "parse_mode" not in sent.params
    assert sent.text == "echo: A & B"
    assert sent.buttons  # the keyboard survives


async def test_an_error_behind_the_edge_is_logged_without_text_and_the_bot_goes_on(
    api: FakeBotApi, bot: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # The service apologises for the brain's failures itself (test_service.py); anything that
    # still escapes reaches the error handler, which logs no text and no id.
    caplog.set_level(logging.DEBUG)
    api.send_text(OLENA, "boom")
    assert await api.until(lambda: counters_of(bot).errors == 1)
    api.send_text(OLENA, "Kita")
    [sent] = await replies_to(api, OLENA.id, 1)
    assert sent.text == "echo: Kita"
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("bot."))
    assert "RuntimeError while handling message" in logged
    assert "boom" not in logged
    assert str(OLENA.id) not in logged


# --- buttons always answered ---


async def test_a_press_that_fails_behind_the_edge_still_gets_a_toast(
    api: FakeBotApi, bot: Any
) -> None:
    api.press(OLENA, encode(ShowLabel("boom")))  # the stand-in raises for this one
    assert await api.until(lambda: counters_of(bot).errors == 1)
    [answer] = api.calls_to("answerCallbackQuery")
    assert answer.params["text"] == FAILED


# --- stopping ---


async def test_a_stop_during_a_pending_retry_ends_at_once_and_says_what_it_dropped(
    api: FakeBotApi, core: StubCore, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    api.rate_limit("sendMessage", retry_after=30)
    runner = Runner(build_application(settings_for(api, tmp_path), core))
    await runner.start()
    api.send_text(OLENA, "Kita")
    assert await api.until(lambda: any(c.status == 429 for c in api.calls_to("sendMessage")))
    started = time.monotonic()
    await runner.stop()
    assert time.monotonic() - started < 2
    assert api.sent(OLENA.id) == []
    assert any("a sendMessage waiting to be retried was dropped" in m for m in caplog.messages)


# --- polling ---


async def test_502s_and_a_dropped_connection_on_get_updates_lose_no_update(
    api: FakeBotApi, bot: Any, caplog: pytest.LogCaptureFixture
) -> None:
    api.fail("getUpdates", 502, times=2)
    api.fail("getUpdates", 0, drop_connection=True)
    assert await api.until(lambda: any(c.status == 502 for c in api.calls_to("getUpdates")))
    api.send_text(OLENA, "Kita")  # arrives while the bot is backing off
    [sent] = await replies_to(api, OLENA.id, 1)
    assert sent.text == "echo: Kita"
    assert len([c for c in api.calls_to("getUpdates") if not c.ok]) == 3
    assert warnings_and_worse(caplog) == [
        "Bot API unreachable while polling (NetworkError); retrying"
    ]
    assert not any(r.exc_info or r.exc_text for r in caplog.records)


# --- what counts as "maybe done" ---


async def test_a_request_that_never_left_may_be_repeated_and_a_lost_answer_may_not(
    api: FakeBotApi,
) -> None:
    get_me = f"{api.url}/bot{TEST_TOKEN}/getMe"
    api.fail("getMe", 0, drop_connection=True)
    api.fail("getMe", 502)
    request = Request()
    await request.initialize()
    errors: list[TelegramError] = []
    for url in ("http://127.0.0.1:9/refused", get_me, get_me):
        with pytest.raises(NetworkError) as failed:
            await request.post(url)
        errors.append(failed.value)
    await request.shutdown()
    refused, dropped, bad_gateway = errors
    assert not maybe_done(refused)  # no connection: nothing reached Telegram
    assert maybe_done(dropped)  # sent, then the connection closed: it may have been done
    assert not maybe_done(bad_gateway)  # the gateway says it failed: believed
    assert str(bad_gateway) == "Bad Gateway (502)"  # not the HTML page


@pytest.mark.parametrize(
    ("cause", "lost"),
    [
        (httpx.ConnectTimeout("connect"), False),
        (httpx.PoolTimeout("pool"), False),
        (httpx.WriteTimeout("write"), False),
        (httpx.ReadTimeout("read"), True),
    ],
)
def test_a_timeout_is_a_lost_answer_only_once_the_request_was_sent(
    cause: httpx.HTTPError, lost: bool
) -> None:
    error = TimedOut()
    error.__cause__ = cause  # as PTB's HTTPXRequest raises it: `raise TimedOut from err`
    assert maybe_done(error) is lost
