"""Logging set-up: quiet HTTP libraries and a filter that keeps the bot token out of every line.

httpx logs each request URL at INFO, and Bot API URLs contain the token (`/bot<token>/getMe`);
tracebacks and exception messages can carry it too. The filter sits on every handler of the root
logger, so records from any library are cleaned before they are written.
"""

from __future__ import annotations

import logging
import re
import sys
import traceback
from urllib.parse import quote

from bot.config import TOKEN_PATTERN

REDACTED = "<redacted>"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

QUIET_LOGGERS = ("httpx", "httpcore")
"""They log every request line, token included; only their warnings are worth keeping."""
PAYLOAD_LOGGERS = ("telegram",)
"""At DEBUG they log whole API payloads (user ids next to message texts), so never below INFO."""


class RedactingFilter(logging.Filter):
    """Replace the token, and anything shaped like a token, in a record's text and traceback."""

    def __init__(self, token: str | None = None) -> None:
        super().__init__()
        secrets = {token, quote(token, safe="")} if token else set()
        escaped = sorted((re.escape(s) for s in secrets if s), key=len, reverse=True)
        self._pattern = re.compile("|".join([*escaped, TOKEN_PATTERN.pattern]))

    def redact(self, text: str) -> str:
        """`text` with every secret replaced."""
        return self._pattern.sub(REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        # Format once with the arguments, then freeze the cleaned text: later handlers and
        # formatters see no arguments (whose repr could hold the token) and no raw exception.
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not hide the line
            message = f"{record.msg!r} {record.args!r}"
        record.msg = self.redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def log_failure(logger: logging.Logger, exc: BaseException, where: str) -> None:
    """Log an exception by its class and stack only: its message may quote what a user wrote."""
    frames = "".join(traceback.format_tb(exc.__traceback__)).rstrip()
    logger.error("%s %s\n%s", type(exc).__name__, where, frames)


def configure_logging(level: str, token: str | None) -> None:
    """Log to standard error at `level`, with the token redacted from every record."""
    root = logging.getLogger()
    if not root.handlers:
        stderr = logging.StreamHandler(sys.stderr)
        stderr.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(stderr)
    root.setLevel(level.upper())
    redactor = RedactingFilter(token)
    for handler in root.handlers:
        for old in [f for f in handler.filters if isinstance(f, RedactingFilter)]:
            handler.removeFilter(old)
        handler.addFilter(redactor)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    floor = max(logging.getLevelNamesMapping()[level.upper()], logging.INFO)
    for name in PAYLOAD_LOGGERS:
        logging.getLogger(name).setLevel(floor)
