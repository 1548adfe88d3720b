"""Logging set-up: quiet HTTP libraries, PTB's records made as discreet as ours, and a filter
that keeps the bot token out of every line.

httpx logs each request URL at INFO, and Bot API URLs contain the token (`/bot<token>/getMe`);
tracebacks and exception messages can carry it too. PTB logs an update it cannot read in full
(user id, name, text) at CRITICAL, and a traceback for every Bot API error it meets. The filters
sit on every handler of the root logger, so records from any library are cleaned before they are
written.
"""

from __future__ import annotations

import logging
import re
import sys
import traceback
from collections.abc import Mapping
from urllib.parse import quote

from bot.config import TOKEN_PATTERN

REDACTED = "<redacted>"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

QUIET_LOGGERS = ("httpx", "httpcore", "tornado")
"""They log every request line (httpx with the token, tornado with the caller's address); only
their warnings are worth keeping."""
PAYLOAD_LOGGERS = ("telegram",)
"""At DEBUG they log whole API payloads (user ids next to message texts), so never below INFO."""
LIBRARY = "telegram"
"""PTB's loggers: `LibraryFilter` applies to them."""
_SHORT = 120
"""Longest string argument of a PTB record kept as it is."""


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


class LibraryFilter(logging.Filter):
    """PTB's own records as discreet as ours: no payloads, no exception messages."""

    # A Bot API error keeps only its class name, in the same line: the bot reports each one
    # itself, once, and PTB's traceback of it helps nobody.

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name != LIBRARY and not record.name.startswith(f"{LIBRARY}."):
            return True
        if isinstance(record.args, tuple):
            # Numbers and short words stay ("retrying after 1.1 s"); an update, a response
            # body or an exception becomes its type name.
            record.args = tuple(_discreet(arg) for arg in record.args)
        elif isinstance(record.args, Mapping):
            # One dict argument becomes `args` itself (for "%(key)s"); mostly it is a payload.
            mapping = "%(" in str(record.msg)
            record.args = (
                {key: _discreet(arg) for key, arg in record.args.items()}
                if mapping
                else (_discreet(record.args),)
            )
        error = record.exc_info[1] if record.exc_info else None
        if error is not None:
            record.exc_info, record.exc_text = None, None
            if _is_api_error(error):
                record.msg = f"{record.msg} ({type(error).__name__})"
            else:
                record.exc_text = _frames(error)
        return True


class _Withheld:
    """Stands in for a withheld argument, whether formatted with %s or %r."""

    def __init__(self, arg: object) -> None:
        self.text = f"<{type(arg).__name__}>"

    def __str__(self) -> str:
        return self.text

    __repr__ = __str__


def _discreet(arg: object) -> object:
    """`arg` if it cannot carry a message text, else its type name."""
    if isinstance(arg, bool | int | float | _Withheld):
        return arg
    if isinstance(arg, str) and len(arg) <= _SHORT and "{" not in arg:
        return arg
    return _Withheld(arg)


def _is_api_error(error: BaseException) -> bool:
    """True for a `telegram.error.TelegramError` (this module must not import telegram)."""
    return any(
        cls.__name__ == "TelegramError" and cls.__module__ == "telegram.error"
        for cls in type(error).__mro__
    )


def _frames(exc: BaseException) -> str:
    """The stack of `exc` and its causes with their class names, without their messages."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:  # a context can point back
        chain.append(current)
        current = current.__cause__ or current.__context__
    parts = ["".join(traceback.format_tb(e.__traceback__)) + type(e).__name__ for e in chain]
    return "\n".join(reversed(parts))


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
        ours = (LibraryFilter, RedactingFilter)
        for old in [f for f in handler.filters if isinstance(f, ours)]:
            handler.removeFilter(old)
        handler.addFilter(LibraryFilter())  # first: it decides what PTB's arguments may say
        handler.addFilter(redactor)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    floor = max(logging.getLevelNamesMapping()[level.upper()], logging.INFO)
    for name in PAYLOAD_LOGGERS:
        logging.getLogger(name).setLevel(floor)
