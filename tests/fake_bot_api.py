"""A fake Telegram Bot API server on 127.0.0.1 for end-to-end tests, with scripted failures.

Point the bot at it with `base_url(f"{api.url}/bot")` (or TELEGRAM_API_BASE_URL=api.url). It
routes on the path suffix `/bot<token>/<method>`, answers the methods the bot uses, records every
call with its decoded parameters, serves injected updates through long-polling getUpdates with
offsets honoured, and fails on demand: 429 with retry_after, 5xx, 403 blocked, 400 errors, a
dropped connection or a slow answer. Stdlib only; one thread per request.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import re
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

TEST_TOKEN = "123456789:AAFakeTokenForTestsOnly-abcdefghijklmn"
"""Shaped like a real token, so that the redaction pattern would also catch it."""
BOT_ID = 123456789
BOT_USERNAME = "KitaTestBot"

JSONDict = dict[str, Any]

_PATH = re.compile(r"^/bot(?P<token>[^/]+)/(?P<method>[A-Za-z]+)$")
_JSON_FIELDS = {
    "reply_markup",
    "commands",
    "scope",
    "allowed_updates",
    "link_preview_options",
    "reply_parameters",
    "entities",
}
_INT_FIELDS = {"chat_id", "message_id", "offset", "limit", "timeout", "message_thread_id"}
_TAG = re.compile(r"<[^<>]*>")


@dataclass(frozen=True)
class User:
    id: int
    first_name: str = "Olena"
    language_code: str | None = "uk"
    username: str | None = None

    def as_dict(self) -> JSONDict:
        data: JSONDict = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.language_code:
            data["language_code"] = self.language_code
        if self.username:
            data["username"] = self.username
        return data


@dataclass(frozen=True)
class Chat:
    id: int
    type: str = "private"
    title: str | None = None

    def as_dict(self) -> JSONDict:
        data: JSONDict = {"id": self.id, "type": self.type}
        if self.title:
            data["title"] = self.title
        else:
            data["first_name"] = "Olena"
        return data


def private(user: User) -> Chat:
    return Chat(user.id)


GROUP = Chat(-1001234567890, "supergroup", "Eltern Kita Sonnenschein")
BOT_USER: JSONDict = {
    "id": BOT_ID,
    "is_bot": True,
    "first_name": "Kita Dresden",
    "username": BOT_USERNAME,
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


@dataclass(frozen=True)
class Call:
    """One request the bot made."""

    method: str
    params: JSONDict
    status: int
    at: float

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return value if isinstance(value, int) else None

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    @property
    def plain(self) -> str:
        """The text as the user reads it (tags dropped, entities decoded)."""
        if self.params.get("parse_mode") == "HTML":
            return html.unescape(_TAG.sub("", self.text))
        return self.text

    @property
    def buttons(self) -> list[JSONDict]:
        markup = self.params.get("reply_markup") or {}
        return [button for row in markup.get("inline_keyboard", []) for button in row]

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass
class Failure:
    """A scripted failure for the next `times` calls of `method` (optionally for one chat)."""

    method: str
    status: int
    description: str
    times: int = 1
    retry_after: int | None = None
    chat_id: int | None = None
    drop_connection: bool = False
    delay: float = 0.0


@dataclass
class _State:
    lock: threading.Condition = field(default_factory=threading.Condition)
    updates: list[JSONDict] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    commands: dict[str, list[JSONDict]] = field(default_factory=dict)
    chats: dict[int, Chat] = field(default_factory=dict)
    webhook: JSONDict | None = None
    closed: bool = False


class FakeBotApi:
    """The server plus helpers to inject updates, script failures and wait for calls."""

    def __init__(self, token: str = TEST_TOKEN, *, poll_cap: float = 0.5) -> None:
        self.token = token
        self.poll_cap = poll_cap
        """Longest a getUpdates waits, whatever timeout the bot asks for (keeps tests fast)."""
        self._state = _State()
        self.on_call: Callable[[Call], None] | None = None
        """Called (in a server thread) after each recorded call; the benchmark's driver."""
        self._ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
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
        """Messages that reached the chat (failed attempts excluded)."""
        return [c for c in self.calls_to("sendMessage", chat_id) if c.ok]

    def my_commands(self, language_code: str = "") -> list[JSONDict]:
        with self._state.lock:
            return list(self._state.commands.get(language_code, []))

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
    ) -> None:
        """Make the next `times` calls of `method` fail (queued behind earlier failures)."""
        with self._state.lock:
            self._state.failures.append(
                Failure(
                    method, status, description, times, retry_after, chat_id, drop_connection, delay
                )
            )

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

    # --- updates ---

    def push(self, kind: str, payload: JSONDict) -> int:
        """Queue a raw update of `kind` ("message", "callback_query", ...); returns its id."""
        with self._state.lock:
            update_id = next(self._ids)
            self._state.updates.append({"update_id": update_id, kind: payload})
            self._state.lock.notify_all()
        return update_id

    def message(self, user: User, chat: Chat | None = None, **fields: Any) -> JSONDict:
        """A message dict from `user` in `chat` (default: the private chat)."""
        chat = chat or private(user)
        with self._state.lock:
            self._state.chats[chat.id] = chat
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat.as_dict(),
            "from": user.as_dict(),
            **fields,
        }

    def send_text(self, user: User, text: str, chat: Chat | None = None, **fields: Any) -> int:
        return self.push("message", self.message(user, chat, text=text, **fields))

    def send_command(self, user: User, command: str, chat: Chat | None = None) -> int:
        """`command` like "/start", "/start@KitaTestBot" or "/language uk"."""
        head = command.split(maxsplit=1)[0]
        entity = {"type": "bot_command", "offset": 0, "length": len(head)}
        return self.send_text(user, command, chat, entities=[entity])

    def mention(self, user: User, text: str, chat: Chat = GROUP) -> int:
        """A group message starting with @KitaTestBot."""
        full = f"@{BOT_USERNAME} {text}"
        entity = {"type": "mention", "offset": 0, "length": len(BOT_USERNAME) + 1}
        return self.send_text(user, full, chat, entities=[entity])

    def reply_to_bot(self, user: User, text: str, to: Call, chat: Chat = GROUP) -> int:
        """A group message replying to one of the bot's messages."""
        replied = self._bot_message(to, chat)
        return self.send_text(user, text, chat, reply_to_message=replied)

    def send_sticker(self, user: User) -> int:
        sticker = {
            "file_id": "sticker-1",
            "file_unique_id": "s1",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
        return self.push("message", self.message(user, sticker=sticker))

    def send_photo(self, user: User, caption: str | None = None) -> int:
        fields: JSONDict = {
            "photo": [{"file_id": "photo-1", "file_unique_id": "p1", "width": 90, "height": 90}]
        }
        if caption:
            fields["caption"] = caption
        return self.push("message", self.message(user, None, **fields))

    def send_voice(self, user: User) -> int:
        voice = {"file_id": "voice-1", "file_unique_id": "v1", "duration": 3}
        return self.push("message", self.message(user, voice=voice))

    def send_location(self, user: User) -> int:
        return self.push(
            "message", self.message(user, location={"latitude": 51.05, "longitude": 13.74})
        )

    def edit_text(self, user: User, message_id: int, text: str) -> int:
        """An edited_message update for an earlier message."""
        payload = self.message(user, text=text, edit_date=int(time.time()))
        payload["message_id"] = message_id
        return self.push("edited_message", payload)

    def press(self, user: User, data: str, on: Call | None = None) -> int:
        """A callback query for a button with `data` on the bot's message `on`."""
        chat = private(user)
        query: JSONDict = {
            "id": f"q{next(self._ids)}",
            "from": user.as_dict(),
            "chat_instance": "ci-1",
            "data": data,
        }
        if on is not None:
            query["message"] = self._bot_message(on, self._chat(on.chat_id) or chat)
        else:
            query["message"] = {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": chat.as_dict(),
                "from": BOT_USER,
                "text": "…",
            }
        return self.push("callback_query", query)

    def _chat(self, chat_id: int | None) -> Chat | None:
        with self._state.lock:
            return self._state.chats.get(chat_id) if chat_id is not None else None

    def _bot_message(self, call: Call, chat: Chat) -> JSONDict:
        result = call.params.get("_result")
        message_id = result["message_id"] if isinstance(result, dict) else 1
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat.as_dict(),
            "from": BOT_USER,
            "text": call.plain or "…",
        }

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
                params = _decode(parts.query, body, self.headers.get("Content-Type", ""))
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
        return None

    def _record(self, method: str, params: JSONDict, status: int) -> None:
        call = Call(method, params, status, time.monotonic())
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
            self._record(method, params, failure.status)
            if failure.drop_connection:
                return None
            if failure.status >= 500:
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
            self._record(method, params, 400)
            return 400, {"ok": False, "error_code": 400, "description": f"fake: no {method}"}
        self._record(method, {**params, "_result": result}, 200)
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
        if method == "setMyCommands":
            with self._state.lock:
                self._state.commands[str(params.get("language_code") or "")] = list(
                    params.get("commands") or []
                )
            return True
        if method == "getMyCommands":
            return self.my_commands(str(params.get("language_code") or ""))
        if method == "deleteMyCommands":
            with self._state.lock:
                self._state.commands.pop(str(params.get("language_code") or ""), None)
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
        chat = self._chat(chat_id if isinstance(chat_id, int) else None)
        if chat is None and isinstance(chat_id, int):
            chat = Chat(chat_id) if chat_id > 0 else Chat(chat_id, "supergroup", "Group")
        message_id = params.get("message_id")
        result: JSONDict = {
            "message_id": message_id if isinstance(message_id, int) else next(self._message_ids),
            "date": int(time.time()),
            "chat": (chat or Chat(0)).as_dict(),
            "from": BOT_USER,
            "text": html.unescape(_TAG.sub("", str(params.get("text", "")))),
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


def _decode(query: str, body: bytes, content_type: str) -> JSONDict:
    """Parameters from the query string and a form or JSON body, with JSON fields decoded."""
    pairs = parse_qsl(query, keep_blank_values=True)
    if body:
        if "json" in content_type:
            loaded = json.loads(body)
            pairs += [(k, v if isinstance(v, str) else json.dumps(v)) for k, v in loaded.items()]
        else:
            pairs += parse_qsl(body.decode("utf-8"), keep_blank_values=True)
    params: JSONDict = {}
    for name, value in pairs:
        if name in _JSON_FIELDS:
            params[name] = json.loads(value)
        elif name in _INT_FIELDS and re.fullmatch(r"-?\d+", value):
            params[name] = int(value)
        elif value in ("true", "false"):
            params[name] = value == "true"
        else:
            params[name] = value
    return params


@contextmanager
def running_fake(token: str = TEST_TOKEN) -> Iterator[FakeBotApi]:
    """A started fake server, stopped afterwards."""
    api = FakeBotApi(token)
    with api:
        yield api


@asynccontextmanager
async def polling(application: Any, timeout: int = 10) -> AsyncIterator[Any]:
    """Run a PTB Application with real long polling, as `run_polling` does, minus the signals."""
    from bot.telegram_bot import ALLOWED_UPDATES

    def forward(error: Exception) -> None:  # what run_polling passes as error_callback
        application.create_task(application.process_error(error=error, update=None))

    async with application:
        if application.post_init:
            await application.post_init(application)
        await application.updater.start_polling(
            timeout=timeout, allowed_updates=ALLOWED_UPDATES, error_callback=forward
        )
        await application.start()
        try:
            yield application
        finally:
            await application.updater.stop()
            await application.stop()
            if application.post_shutdown:
                await application.post_shutdown(application)
