"""The bot token never reaches a log line: not in messages, arguments, tracebacks or URLs; and
python-telegram-bot's own records say no more than ours (no update contents, no tracebacks for
Bot API errors)."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from telegram.error import NetworkError

from bot.logs import REDACTED, RedactingFilter, configure_logging
from bot.telegram_bot import build_application
from tests.fake_bot_api import TEST_TOKEN, FakeBotApi, polling
from tests.stub_core import StubCore, settings_for

TOKEN = "987654321:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
OTHER = "1122334455:BBxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"


@pytest.fixture
def output() -> Iterator[io.StringIO]:
    """Route the root logger into a buffer, as configure_logging leaves it, and restore after."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    names = ("httpx", "httpcore", "tornado", "telegram")
    saved = {name: logging.getLogger(name).level for name in names}
    buffer = io.StringIO()
    root.handlers = [logging.StreamHandler(buffer)]
    yield buffer
    root.handlers, root.level = saved_handlers, saved_level
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)


def test_token_in_message_arguments_and_traceback_is_redacted(output: io.StringIO) -> None:
    configure_logging("DEBUG", TOKEN)
    log = logging.getLogger("bot.test")
    log.info("GET https://api.telegram.org/bot%s/getMe", TOKEN)
    log.debug("bot is %r", {"token": TOKEN})
    try:
        raise ConnectionError(f"Max retries exceeded with url: /bot{TOKEN}/getUpdates")
    except ConnectionError:
        log.exception("polling failed")
    log.warning("some other bot: %s", OTHER)
    text = output.getvalue()
    assert TOKEN not in text and OTHER not in text
    assert text.count(REDACTED) == 4
    assert "Max retries exceeded" in text  # the rest of the line is kept


def test_url_encoded_token_is_redacted() -> None:
    assert RedactingFilter(TOKEN).redact(
        "token=987654321%3AAAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
    ) == (f"token={REDACTED}")


def test_http_libraries_are_quiet_and_telegram_payloads_stay_out(output: io.StringIO) -> None:
    configure_logging("DEBUG", TOKEN)
    logging.getLogger("httpx").info("HTTP Request: POST https://api.telegram.org/bot.../getMe")
    logging.getLogger("telegram.ext.ExtBot").debug("Calling Bot API endpoint with {'text': 'x'}")
    logging.getLogger("bot.telegram_bot").debug("TextEvent -> answer/uk/registration")
    assert output.getvalue().splitlines() == ["TextEvent -> answer/uk/registration"]


def test_configuring_twice_keeps_one_filter(output: io.StringIO) -> None:
    configure_logging("INFO", TOKEN)
    configure_logging("INFO", OTHER)
    handler = logging.getLogger().handlers[0]
    assert sum(isinstance(f, RedactingFilter) for f in handler.filters) == 1


def test_a_broken_format_string_still_logs(output: io.StringIO) -> None:
    configure_logging("INFO", None)
    logging.getLogger("bot.test").info("%d items", "many")
    assert "%d items" in output.getvalue()


# --- python-telegram-bot's own records ---

PRIVATE_UPDATE = {
    "update_id": 7,
    "message": {
        "message_id": 1,
        "date": "not-a-date",
        "chat": {"id": 555000111, "type": "private"},
        "from": {"id": 555000111, "is_bot": False, "first_name": "O", "username": "olena_kravets"},
        "text": "Mein Sohn hat Epilepsie",
    },
}
PERSONAL = ("555000111", "olena_kravets", "Epilepsie")


def test_ptb_records_lose_their_payloads_and_exception_messages(output: io.StringIO) -> None:
    configure_logging("INFO", TOKEN)
    try:
        raise ValueError(f"while reading {PRIVATE_UPDATE}")
    except ValueError as exc:
        logging.getLogger("telegram.ext.Updater").critical(
            "Received data was *not* processed! Received data was: %r", PRIVATE_UPDATE, exc_info=exc
        )
    logging.getLogger("telegram.ext.AIORateLimiter").info("Retrying after %f seconds", 1.1)
    text = output.getvalue()
    assert "Received data was: <dict>" in text
    assert "ValueError" in text and "test_logs.py" in text  # the stack stays: it is ours to fix
    assert "Retrying after 1.100000 seconds" in text  # numbers are no payload
    for personal in PERSONAL:
        assert personal not in text


def test_a_bot_api_error_in_a_ptb_record_is_one_line(output: io.StringIO) -> None:
    configure_logging("INFO", TOKEN)
    try:
        raise NetworkError(f"Bad Gateway at /bot{TOKEN}/getUpdates")
    except NetworkError:
        logging.getLogger("telegram.ext.Updater").exception("Exception happened while polling")
    assert output.getvalue().splitlines() == ["Exception happened while polling (NetworkError)"]


async def test_an_update_ptb_cannot_read_while_polling_is_not_logged(
    output: io.StringIO, tmp_path: Path
) -> None:
    configure_logging("INFO", TEST_TOKEN)
    with FakeBotApi() as api:
        application = build_application(settings_for(api, tmp_path), StubCore())
        async with polling(application):
            api.push("message", PRIVATE_UPDATE["message"])  # type: ignore[arg-type]
            assert await api.until(lambda: "Error while parsing updates" in output.getvalue())
    text = output.getvalue()
    for personal in PERSONAL:
        assert personal not in text
