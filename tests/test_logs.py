"""The bot token never reaches a log line: not in messages, arguments, tracebacks or URLs."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from bot.logs import REDACTED, RedactingFilter, configure_logging

TOKEN = "987654321:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
OTHER = "1122334455:BBxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"


@pytest.fixture
def output() -> Iterator[io.StringIO]:
    """Route the root logger into a buffer, as configure_logging leaves it, and restore after."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    saved = {name: logging.getLogger(name).level for name in ("httpx", "httpcore", "telegram")}
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
