"""A fake Telegram Bot API server on 127.0.0.1 for end-to-end tests, with scripted failures.

Point the bot at it with `base_url(f"{api.url}/bot")` (or TELEGRAM_API_BASE_URL=api.url). It
routes on the path suffix `/bot<token>/<method>`, answers the methods the bot uses, records every
call with its decoded parameters, serves injected updates (built by `fake_updates.Updates`)
through long-polling getUpdates with offsets honoured, and fails on demand: 429 with
retry_after, 5xx (an HTML page, as a gateway sends it), 403 blocked, 400 errors, a dropped
connection or a slow answer. A failure is either "request failed" (nothing happened) or
`accepted` ("response lost": the message was delivered, then the answer failed); `flaky` fails a
share of calls at random. Stdlib only; one thread per request.
"""

from __future__ import annotations

import asyncio
import html
import json
import random
import re
import sys
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Collection, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from tests.fake_updates import (
    BOT_ID,
    BOT_USER,
    BOT_USERNAME,
    GROUP,
    TEST_TOKEN,
    Chat,
    JSONDict,
    Updates,
    User,
    private,
)
from tests.fake_wire import TAG, Call, Failure, Flaky, decode, scope_key

__all__ = [
    "BOT_ID",
    "BOT_USERNAME",
    "GROUP",
    "TEST_TOKEN",
    "Call",
    "Chat",
    "FakeBotApi",
    "User",
    "polling",
    "private",
    "running_fake",
]

_PATH = re.compile(r"^/bot(?P<token>[^/]+)/(?P<method>[A-Za-z]+)$")


@dataclass
class _State:
    lock: threading.Condition = field(default_factory=threading.Condition)
    updates: list[JSONDict] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    flaky: Flaky | None = None
    commands: dict[tuple[str, str], list[JSONDict]] = field(default_factory=dict)
    """(scope as JSON, language code) -> the menu set for it."""
    chats: dict[int, Chat] = field(default_factory=dict)
    webhook: JSONDict | None = None
    closed: bool = False


class FakeBotApi(Updates):
    """The server plus helpers to inject updates, script failures and wait for calls."""

    def __init__(self, token: str = TEST_TOKEN, *, poll_cap: float = 0.5) -> None:
        super().__init__()
        self.token = token
        self.poll_cap = poll_cap
        """Longest a getUpdates waits, whatever timeout the bot asks for (keeps tests fast)."""
        self._state = _State()
        self.on_call: Callable[[Call], None] | None = None
        """Called (in a server thread) after each recorded call; the benchmark's driver."""
        self._server = _Server(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    # --- life cycle ---

    @property
    def url(self) -> str:
        """Base URL for TELEGRAM_API_BASE_URL, e.g. http://127.0.0.1:40123."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeBotApi:
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._state.lock:
            self._state.closed = True
            self._state.lock.notify_all()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeBotApi:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- what the bot did ---

    @property
    def calls(self) -> list[Call]:
        with self._state.lock:
            return list(self._state.calls)

    def calls_to(self, method: str, chat_id: int | None = None) -> list[Call]:
        return [
            c
            for c in self.calls
            if c.method == method and (chat_id is None or c.chat_id == chat_id)
        ]

    def sent(self, chat_id: int | None = None) -> list[Call]:
        """Messages that reached the chat (failed attempts excluded, accepted ones included)."""
        return [c for c in self.calls_to("sendMessage", chat_id) if c.delivered]

    def my_commands(self, language_code: str = "", chat_id: int | None = None) -> list[JSONDict]:
        """The menu set for a client language, or for one chat (BotCommandScopeChat)."""
        scope = {"type": "chat", "chat_id": chat_id} if chat_id is not None else None
        with self._state.lock:
            return list(self._state.commands.get((scope_key(scope), language_code), []))

    @property
    def flaky_failures(self) -> Counter[int]:
        """How many failures of each status `flaky` has sent."""
        with self._state.lock:
            return Counter(self._state.flaky.injected if self._state.flaky else {})

    @property
    def pending_updates(self) -> int:
        with self._state.lock:
            return len(self._state.updates)

    def wait_until(self, condition: Callable[[], bool], timeout: float = 10.0) -> bool:
        """Block until `condition()` holds (checked after every call), at most `timeout` s."""
        deadline = time.monotonic() + timeout
        while not condition():  # evaluated outside the lock: it may itself talk to the bot
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            with self._state.lock:
                self._state.lock.wait(min(left, 0.05))
        return True

    async def until(self, condition: Callable[[], bool], timeout: float = 10.0) -> bool:
        """Like `wait_until`, without blocking an event loop that runs the bot."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.01)
        return True

    # --- scripting ---

    def fail(
        self,
        method: str,
        status: int,
        description: str = "",
        *,
        times: int = 1,
        retry_after: int | None = None,
        chat_id: int | None = None,
        drop_connection: bool = False,
        delay: float = 0.0,
        accepted: bool = False,
    ) -> None:
        """Make the next `times` calls of `method` fail (queued behind earlier failures)."""
        failure = Failure(
            method,
            status,
            description,
            times,
            retry_after,
            chat_id,
            drop_connection,
            delay,
            accepted,
        )
        with self._state.lock:
            self._state.failures.append(failure)

    def flaky(
        self,
        methods: Collection[str],
        rate: float,
        statuses: tuple[int, ...] = (500, 502),
        *,
        in_a_row: int = 2,
        seed: int = 13,
    ) -> None:
        """From now on, fail `rate` of the calls of `methods` with one of `statuses`."""
        with self._state.lock:
            self._state.flaky = Flaky(methods, rate, statuses, in_a_row, random.Random(seed))

    def rate_limit(self, method: str = "sendMessage", retry_after: int = 1, times: int = 1) -> None:
        self.fail(
            method,
            429,
            f"Too Many Requests: retry after {retry_after}",
            retry_after=retry_after,
            times=times,
        )

    def block(self, chat_id: int, times: int = 1_000) -> None:
        """The user blocked the bot: every send to this chat gets 403."""
        self.fail(
            "sendMessage",
            403,
            "Forbidden: bot was blocked by the user",
            chat_id=chat_id,
            times=times,
        )

    # --- updates (built by `Updates`) ---

    def push(self, kind: str, payload: JSONDict) -> int:
        """Queue a raw update of `kind` ("message", "callback_query", ...); returns its id."""
        with self._state.lock:
            update_id = next(self._ids)
            self._state.updates.append({"update_id": update_id, kind: payload})
            self._state.lock.notify_all()
        return update_id

    def remember_chat(self, chat: Chat) -> None:
        with self._state.lock:
            self._state.chats[chat.id] = chat

    def chat_of(self, chat_id: int | None) -> Chat | None:
        with self._state.lock:
            return self._state.chats.get(chat_id) if chat_id is not None else None

    # --- the server ---

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # else headers and body wait ~40 ms for delayed ACKs

            def log_message(self, format: str, *args: Any) -> None:
                """Silent: the test output stays readable."""

            def do_GET(self) -> None:
                self._serve()

            def do_POST(self) -> None:
                self._serve()

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                found = _PATH.match(parts.path)
                if found is None:
                    self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                    return
                if found["token"] != api.token:
                    self._reply(
                        401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
                    )
                    return
                params = decode(parts.query, body, self.headers.get("Content-Type", ""))
                outcome = api._dispatch(found["method"], params)
                if outcome is None:  # scripted: hang up without an answer
                    self.close_connection = True
                    return
                self._reply(*outcome)

            def _reply(self, status: int, payload: JSONDict | str) -> None:
                raw = (payload if isinstance(payload, str) else json.dumps(payload)).encode()
                self.send_response(status)
                self.send_header(
                    "Content-Type",
                    "text/html" if isinstance(payload, str) else "application/json",
                )
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        return Handler

    def _take_failure(self, method: str, params: JSONDict) -> Failure | None:
        with self._state.lock:
            for failure in self._state.failures:
                if failure.method != method or failure.times <= 0:
                    continue
                if failure.chat_id is not None and params.get("chat_id") != failure.chat_id:
                    continue
                failure.times -= 1
                return failure
            status = self._state.flaky.pick(method, params) if self._state.flaky else None
        return None if status is None else Failure(method, status, "")

    def _record(self, method: str, params: JSONDict, status: int, *, delivered: bool) -> None:
        call = Call(method, params, status, time.monotonic(), delivered)
        with self._state.lock:
            self._state.calls.append(call)
            self._state.lock.notify_all()
        if self.on_call is not None:
            self.on_call(call)

    def _dispatch(self, method: str, params: JSONDict) -> tuple[int, JSONDict | str] | None:
        failure = self._take_failure(method, params)
        if failure is not None:
            if failure.delay:
                time.sleep(failure.delay)
            if failure.accepted:
                params = {**params, "_result": self._result(method, params)}
            self._record(method, params, failure.status, delivered=failure.accepted)
            if failure.drop_connection:
                return None
            if failure.status >= 500:  # a gateway's error page, not the Bot API's JSON
                return failure.status, f"<html><body>{failure.status}</body></html>"
            error: JSONDict = {
                "ok": False,
                "error_code": failure.status,
                "description": failure.description,
            }
            if failure.retry_after is not None:
                error["parameters"] = {"retry_after": failure.retry_after}
            return failure.status, error
        if method == "getUpdates":
            result: Any = self._get_updates(params)
        else:
            result = self._result(method, params)
        if result is _UNKNOWN:
            self._record(method, params, 400, delivered=False)
            return 400, {"ok": False, "error_code": 400, "description": f"fake: no {method}"}
        self._record(method, {**params, "_result": result}, 200, delivered=True)
        return 200, {"ok": True, "result": result}

    def _get_updates(self, params: JSONDict) -> list[JSONDict]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        wait = min(float(params.get("timeout") or 0), self.poll_cap)
        deadline = time.monotonic() + wait
        with self._state.lock:
            if offset:  # Telegram forgets everything before the offset: it was confirmed
                self._state.updates = [u for u in self._state.updates if u["update_id"] >= offset]
            while not self._state.updates and not self._state.closed:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._state.lock.wait(left)
            return list(self._state.updates[:limit])

    def _result(self, method: str, params: JSONDict) -> Any:
        if method == "getMe":
            return BOT_USER
        if method in ("sendMessage", "editMessageText"):
            return self._sent_message(params)
        key = (scope_key(params.get("scope")), str(params.get("language_code") or ""))
        if method == "setMyCommands":
            with self._state.lock:
                self._state.commands[key] = list(params.get("commands") or [])
            return True
        if method == "getMyCommands":
            with self._state.lock:
                return list(self._state.commands.get(key, []))
        if method == "deleteMyCommands":
            with self._state.lock:
                self._state.commands.pop(key, None)
            return True
        if method == "setWebhook":
            with self._state.lock:
                self._state.webhook = params
            return True
        if method == "deleteWebhook":
            with self._state.lock:
                self._state.webhook = None
            return True
        if method == "getWebhookInfo":
            with self._state.lock:
                url = (self._state.webhook or {}).get("url", "")
            return {"url": url, "has_custom_certificate": False, "pending_update_count": 0}
        if method in ("answerCallbackQuery", "close", "logOut", "sendChatAction"):
            return True
        return _UNKNOWN

    def _sent_message(self, params: JSONDict) -> JSONDict:
        chat_id = params.get("chat_id")
        chat = self.chat_of(chat_id if isinstance(chat_id, int) else None)
        if chat is None and isinstance(chat_id, int):
            chat = Chat(chat_id) if chat_id > 0 else Chat(chat_id, "supergroup", "Group")
        message_id = params.get("message_id")
        result: JSONDict = {
            "message_id": message_id if isinstance(message_id, int) else next(self._message_ids),
            "date": int(time.time()),
            "chat": (chat or Chat(0)).as_dict(),
            "from": BOT_USER,
            "text": html.unescape(TAG.sub("", str(params.get("text", "")))),
        }
        if params.get("reply_markup"):
            result["reply_markup"] = params["reply_markup"]
        return result


_UNKNOWN = object()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (the bot stopping mid-poll) is normal here, not an error."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextmanager
def running_fake(token: str = TEST_TOKEN) -> Iterator[FakeBotApi]:
    """A started fake server, stopped afterwards."""
    api = FakeBotApi(token)
    with api:
        yield api


@asynccontextmanager
async def polling(application: Any, timeout: int = 10) -> AsyncIterator[Any]:
    """Run an application with real long polling: ours exactly as `kita-bot run` does (minus
    the signals), a plain PTB one (the benchmark's echo bot) as run_polling does."""
    from bot.telegram_bot import ALLOWED_UPDATES, Runner

    if "kita-bot" in application.bot_data:
        async with Runner(application):
            yield application
        return

    def forward(error: Exception) -> None:  # what run_polling passes as error_callback
        application.create_task(application.process_error(error=error, update=None))

    async with application:
        await application.updater.start_polling(
            timeout=timeout, allowed_updates=ALLOWED_UPDATES, error_callback=forward
        )
        await application.start()
        try:
            yield application
        finally:
            await application.updater.stop()
            await application.stop()
