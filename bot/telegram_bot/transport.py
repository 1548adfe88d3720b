"""The wire to the Bot API: requests whose failures read as one line, and retries of replies.

A reply that fails with a 5xx, a timeout or a network error is tried again after 0.5, 1 and 2 s
(four tries in all); a 429 waits Telegram's `retry_after` instead. Before resending we ask whether
the first try may have been carried out although its answer was lost:

- "request failed": no connection, a pool or write timeout (nothing left us), or a 500, 502 or
  503 from the Bot API or its gateway. Taken as not done: tried again.
- "response lost": a read timeout, a connection dropped after the request was sent, a gateway's
  504. Telegram may have done it. An edit, a button's answer or a command menu are the same the
  second time, so they are tried again; a `sendMessage` is not, since a second one would be a
  second message.

The trade-off: a lost response to `sendMessage` may cost the answer (the user can ask again)
rather than risk a duplicate; and a 5xx from a gateway whose upstream did deliver (which the Bot
API does not tell us) doubles the message rather than lose it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import warnings
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Final, TypeAlias

import httpx
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError
from telegram.ext import BaseRateLimiter
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

log = logging.getLogger(__name__)

Result: TypeAlias = bool | dict[str, Any] | list[dict[str, Any]]
Call: TypeAlias = Callable[..., Coroutine[Any, Any, Result]]

RETRIED: Final = frozenset(
    {"sendMessage", "editMessageText", "answerCallbackQuery", "setMyCommands"}
)
"""What the bot says to users (and their command menus); the start-up calls have their own
retries, and getUpdates never passes a rate limiter."""
NOT_REPEATABLE: Final = frozenset({"sendMessage"})
"""Methods whose second call is a second message, so not repeated after a lost response."""

_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.WriteError)
"""Transport failures that happen before Telegram has the whole request (a write timeout is a
WriteError in httpx's hierarchy: the kernel never took the bytes)."""


class GatewayTimeout(NetworkError):
    """504: a gateway gave up waiting for the Bot API, which may still have done the request."""


def maybe_done(error: TelegramError) -> bool:
    """True when Telegram may have carried out the request although we got no answer."""
    if isinstance(error, GatewayTimeout):
        return True
    cause = error.__cause__
    if isinstance(cause, httpx.WriteTimeout):
        return False
    return isinstance(cause, httpx.HTTPError) and not isinstance(cause, _NOT_SENT)


def describe(error: TelegramError) -> str:
    """The error in a few words for a log line: its class and Telegram's description."""
    return f"{type(error).__name__}: {error.message}"[:100]


class Request(HTTPXRequest):
    """PTB's HTTPX transport, with error pages read as errors rather than as broken JSON."""

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        # PTB parses every error body as JSON: an HTML 502 page from a gateway would log a
        # JSONDecodeError traceback and ride along in the exception. It gets the Bot API's own
        # error shape instead; a 504 becomes GatewayTimeout (see `maybe_done`).
        code, payload = await super().do_request(*args, **kwargs)
        if code == HTTPStatus.GATEWAY_TIMEOUT:
            raise GatewayTimeout("Gateway Timeout (504): Telegram may have done it")
        if code >= HTTPStatus.BAD_REQUEST and not _is_json(payload):
            payload = json.dumps(
                {"ok": False, "error_code": code, "description": _phrase(code)}
            ).encode()
        return code, payload

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        """Like PTB's, without logging a traceback and the whole body when it is not JSON."""
        try:
            data = json.loads(payload.decode("utf-8", "replace"))
        except ValueError:
            raise TelegramError("Invalid server response: not JSON") from None
        if not isinstance(data, dict):
            raise TelegramError("Invalid server response: not a JSON object")
        return data


class PollRequest(Request):
    """The transport of getUpdates, which a 409 Conflict puts on hold."""

    # Each getUpdates ends another instance's pending one. After a 409 this instance stops, and
    # its last calls (PTB's polling loop, and its clean-up that marks updates as read) must not
    # end the other's poll too, or both would stop: on hold they get "no updates", unsent.

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.held = False

    def hold(self) -> None:
        """Send no more requests; answer each with no updates."""
        self.held = True

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        if self.held:
            await asyncio.sleep(0.05)  # PTB's loop polls again at once: do not spin
            return HTTPStatus.OK, b'{"ok": true, "result": []}'
        return await super().do_request(*args, **kwargs)


def _carrying_429s(callback: Call) -> Call:
    """`callback` with a 429 wrapped, so that the inner limiter neither retries nor logs it."""

    async def attempt(*args: Any, **kwargs: Any) -> Result:
        try:
            return await callback(*args, **kwargs)
        except RetryAfter as exc:
            raise _RateLimited(exc) from exc

    return attempt


def _retry_after(error: RetryAfter) -> float:
    """Telegram's wait in seconds, read without PTB's warning about its int form."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        wait = error.retry_after
    return float(wait) if isinstance(wait, int | float) else wait.total_seconds()


def _is_json(payload: bytes) -> bool:
    try:
        json.loads(payload)
    except ValueError:
        return False
    return True


def _phrase(code: int) -> str:
    try:
        return f"{HTTPStatus(code).phrase} ({code})"
    except ValueError:
        return f"HTTP {code}"


@dataclass(frozen=True)
class Backoff:
    """How often, and after how long, a failed reply is tried again."""

    first: float = 0.5
    """Seconds before the first retry; each further one waits twice as long."""
    tries: int = 4

    def delay(self, failures: int) -> float:
        """The wait after the `failures`-th failed try."""
        return float(self.first * 2 ** (failures - 1))


class _RateLimited(Exception):
    """A 429 carried past the inner limiter, which would otherwise log it as a failure."""

    def __init__(self, error: RetryAfter) -> None:
        super().__init__()
        self.error = error


class Outbox(BaseRateLimiter[int]):
    """Telegram's limits (the inner limiter), and replies retried until they go through."""

    # Retry waits end as soon as `stopping` is set: a stop never waits for a retry, and each
    # request it drops that way is logged.

    def __init__(
        self, inner: BaseRateLimiter[int], backoff: Backoff, stopping: asyncio.Event
    ) -> None:
        self.inner = inner
        self.backoff = backoff
        self.stopping = stopping
        self.retried = 0
        """Tries after a failure, for the tests and the benchmarks."""
        self.dropped = 0
        """Requests given up (after all tries, a lost response, or a stop)."""

    async def initialize(self) -> None:
        """Set up the inner limiter."""
        await self.inner.initialize()

    async def shutdown(self) -> None:
        """Release the inner limiter."""
        await self.inner.shutdown()

    async def process_request(
        self,
        callback: Call,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        """Send through the inner limiter; retry what users would miss (see the module)."""
        if endpoint not in RETRIED:
            return await self.inner.process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )
        attempt = _carrying_429s(callback)
        failures: list[str] = []
        while True:
            try:
                result = await self.inner.process_request(
                    attempt, args, kwargs, endpoint, data, rate_limit_args
                )
            except _RateLimited as limited:
                error: TelegramError = limited.error
                seconds = _retry_after(limited.error)
            except BadRequest:  # PTB's BadRequest is a NetworkError, but a retry changes nothing
                raise
            except NetworkError as exc:  # timeouts included
                if endpoint in NOT_REPEATABLE and maybe_done(exc):
                    self._give_up(
                        "%s: the answer was lost (%s); not sent again, as Telegram may "
                        "have delivered it",
                        endpoint,
                        describe(exc),
                    )
                    raise
                error, seconds = exc, self.backoff.delay(len(failures) + 1)
            else:
                if failures:
                    log.warning(
                        "%s went through on try %d after %s",
                        endpoint,
                        len(failures) + 1,
                        "; ".join(failures),
                    )
                return result
            failures.append(describe(error))
            if len(failures) >= self.backoff.tries:
                self._give_up(
                    "%s failed %d times (%s); given up",
                    endpoint,
                    len(failures),
                    failures[-1],
                    level=logging.ERROR,
                )
                raise error
            if not await self._wait(seconds):
                self._give_up(
                    "stopping: a %s waiting to be retried was dropped (%s)", endpoint, failures[-1]
                )
                raise error
            self.retried += 1

    def _give_up(self, message: str, *args: object, level: int = logging.WARNING) -> None:
        """Count a request given up, and say why in one line."""
        self.dropped += 1
        log.log(level, message, *args)

    async def _wait(self, seconds: float) -> bool:
        """Sleep `seconds`; False as soon as the bot is stopping."""
        if self.stopping.is_set():
            return False
        try:
            await asyncio.wait_for(self.stopping.wait(), timeout=seconds)
        except TimeoutError:
            return True
        return False
