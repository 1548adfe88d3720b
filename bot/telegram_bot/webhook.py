"""Receiving updates by webhook: our own small tornado server instead of PTB's.

PTB's server reads a request body whole (up to tornado's 100 MB) before it looks at the secret,
so five unauthenticated 90 MB requests cost 600 MB of memory (F9); it compares the secret in
non-constant time (F33) and logs an update it cannot read in full, ids and texts included (F12).
Here the secret and the size are checked from the headers, before any of the body is read; a
body is at most `MAX_BODY` bytes; an unreadable update is logged by its error class only.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
from typing import TYPE_CHECKING, Any, Final

import tornado.web
from telegram import Update
from tornado.httpserver import HTTPServer

from bot.config import Settings
from bot.logs import log_failure

if TYPE_CHECKING:
    from bot.telegram_bot.app import App

log = logging.getLogger(__name__)

MAX_BODY: Final = 1 << 20
"""Bytes; an update is a few kB even for a 4,096-character message with all its entities."""
SECRET_HEADER: Final = "X-Telegram-Bot-Api-Secret-Token"


class Webhook:
    """Registers the webhook with Telegram and serves it on KITA_BOT_WEBHOOK_LISTEN:PORT."""

    def __init__(self, application: App, settings: Settings, allowed_updates: tuple[str, ...]):
        self.application = application
        self.settings = settings
        self.allowed_updates = allowed_updates
        self._server: HTTPServer | None = None

    async def register(self) -> None:
        """Tell Telegram where to send updates, with the secret it must send along."""
        await self.application.bot.set_webhook(
            url=self.settings.webhook_url or "",
            secret_token=self.settings.webhook_secret,
            allowed_updates=self.allowed_updates,
        )

    async def listen(self) -> None:
        """Start serving; requests go to the application's update queue."""
        path = re.escape(self.settings.webhook_path)
        options = {
            "bot": self.application.bot,
            "queue": self.application.update_queue,
            "secret": (self.settings.webhook_secret or "").encode(),
        }
        routes = [(rf"/{path}/?" if path else "/", _UpdateHandler, options)]
        # No access log: it would keep every caller's address.
        app = tornado.web.Application(routes, log_function=lambda handler: None)
        self._server = HTTPServer(app, max_body_size=MAX_BODY)
        self._server.listen(self.settings.webhook_port, address=self.settings.webhook_listen)

    async def close(self) -> None:
        """Stop accepting requests and close the open connections."""
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()
            self._server = None


@tornado.web.stream_request_body
class _UpdateHandler(tornado.web.RequestHandler):
    """One POST from Telegram: headers checked, body read, update queued, in that order."""

    # Streaming the body (stream_request_body) is what lets `prepare` refuse before reading it.

    SUPPORTED_METHODS = ("POST",)

    def initialize(self, bot: Any, queue: Any, secret: bytes) -> None:
        self._bot = bot
        self._queue = queue
        self._secret = secret
        self._body = bytearray()

    def prepare(self) -> None:
        """Refuse on the headers alone: a wrong secret, not JSON, or too long."""
        given = self.request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            raise tornado.web.HTTPError(403)
        if not self.request.headers.get("Content-Type", "").startswith("application/json"):
            raise tornado.web.HTTPError(415)
        length = self.request.headers.get("Content-Length", "0")
        if not length.isdigit() or int(length) > MAX_BODY:
            raise tornado.web.HTTPError(413)

    def data_received(self, chunk: bytes) -> None:
        self._body += chunk  # at most MAX_BODY: the server stops reading beyond it

    async def post(self) -> None:
        try:
            update = Update.de_json(json.loads(self._body), self._bot)
        except Exception as exc:  # by its class only: the update holds ids and texts (F12)
            log.warning("webhook: an update could not be read (%s); refused", type(exc).__name__)
            raise tornado.web.HTTPError(400) from None
        await self._queue.put(update)

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        """A refusal at DEBUG (tornado would log the caller's address), a bug of ours in full."""
        if isinstance(value, tornado.web.HTTPError):
            log.debug("webhook: refused a request (%d)", value.status_code)
        elif isinstance(value, BaseException):
            log_failure(log, value, "in the webhook")
