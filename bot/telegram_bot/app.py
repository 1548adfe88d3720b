"""The Telegram application: all wiring in one function in reading order, the start-up work
(command menus, the background reload of faq/), and running it by long polling or webhook."""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any, Final, TypeAlias

from telegram import Bot, BotCommand, Update
from telegram.error import Forbidden, InvalidToken, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ExtBot,
    JobQueue,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBDeprecationWarning

from bot.config import Settings
from bot.events import COMMANDS
from bot.flood import FloodLimiter
from bot.service import build_service
from bot.telegram_bot.delivery import Counters, Delivery
from bot.telegram_bot.handlers import ALLOWED_UPDATES, Core, Handlers

log = logging.getLogger(__name__)

BOOTSTRAP_RETRIES: Final = 3
"""Start-up retries after the first attempt (about 5 s in all); then exit, the supervisor retries."""
POLL_TIMEOUT: Final = 10
"""Seconds one getUpdates long poll may wait for news."""
RATE_LIMIT_RETRIES: Final = 2
"""Retries after a 429, each after Telegram's retry_after."""
CONCURRENT_UPDATES: Final = 64
_COUNTERS: Final = "counters"

App: TypeAlias = Application[
    ExtBot[int],  # the int: AIORateLimiter's per-call argument (max retries)
    ContextTypes.DEFAULT_TYPE,
    dict[Any, Any],
    dict[Any, Any],
    dict[Any, Any],
    JobQueue[ContextTypes.DEFAULT_TYPE],
]


class PerUserOrder(BaseUpdateProcessor):
    """Updates of different users run concurrently; one user's updates run in arrival order."""

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._queued: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        user = update.effective_user if isinstance(update, Update) else None
        if user is None:
            await coroutine
            return
        lock = self._locks.setdefault(user.id, asyncio.Lock())
        self._queued[user.id] = self._queued.get(user.id, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._queued[user.id] -= 1
            if not self._queued[user.id]:
                del self._queued[user.id], self._locks[user.id]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


@dataclass
class LifeCycle:
    """What happens around the handlers: command menus at start-up, faq/ reloaded meanwhile."""

    service: Core
    reload_seconds: float
    _reloading: asyncio.Task[None] | None = field(default=None, init=False)

    async def post_init(self, application: App) -> None:
        """Publish the command menus, then start reloading faq/ in the background."""
        await self.publish_menus(application.bot)
        self._reloading = asyncio.create_task(self._reload_forever())

    async def post_shutdown(self, application: App) -> None:
        """Stop the background reload."""
        if self._reloading is not None:
            self._reloading.cancel()
            await asyncio.gather(self._reloading, return_exceptions=True)
            self._reloading = None

    async def publish_menus(self, bot: Bot) -> None:
        """The command menu in each client language, and a default for everyone else."""
        try:
            for code, menu in self.service.command_menus():
                commands = [BotCommand(name, text) for name, text in menu]
                await bot.set_my_commands(commands, language_code=code)
        except (InvalidToken, Forbidden):
            raise
        except TelegramError as exc:  # a missing menu is no reason not to answer
            log.warning("could not publish the command menu: %s", type(exc).__name__)

    async def _reload_forever(self) -> None:
        while True:
            await asyncio.sleep(self.reload_seconds)
            # In a worker thread: after an edit, reading faq/ and building the new brain take
            # tens of milliseconds that no message should wait for.
            await asyncio.to_thread(self.service.refresh)


def build_application(
    settings: Settings, service: Core, *, rate_limiter: BaseRateLimiter[int] | None = None
) -> App:
    """All wiring in one place, in reading order: connection, limits, handlers, start-up work.

    `rate_limiter` replaces the production AIORateLimiter (30 messages/s, retries after a 429);
    only the benchmarks pass one, to measure our own cost rather than Telegram's limit.
    """
    counters = Counters()
    handlers = Handlers(
        service,
        Delivery(counters, forget=service.forget),
        FloodLimiter(settings.flood_messages, settings.flood_seconds),
    )
    life = LifeCycle(service, settings.reload_seconds)
    builder = ApplicationBuilder().token(settings.require_token())
    if settings.api_base_url:  # a self-hosted Bot API server, or the fake one in tests
        builder = builder.base_url(f"{settings.api_base_url}/bot")
        builder = builder.base_file_url(f"{settings.api_base_url}/file/bot")
    application = (
        builder.rate_limiter(rate_limiter or AIORateLimiter(max_retries=RATE_LIMIT_RETRIES))
        .concurrent_updates(PerUserOrder(CONCURRENT_UPDATES))
        .post_init(life.post_init)
        .post_shutdown(life.post_shutdown)
        .build()
    )
    # Only new messages: an edited message was answered already.
    new = filters.UpdateType.MESSAGE
    application.add_handlers(
        [
            CommandHandler(COMMANDS, handlers.on_command, filters=new),
            MessageHandler(new & filters.COMMAND, handlers.on_other_command),
            MessageHandler(
                new & ((filters.TEXT & ~filters.COMMAND) | (filters.PHOTO & filters.CAPTION)),
                handlers.on_text,
            ),
            MessageHandler(
                new & filters.ChatType.PRIVATE & filters.ATTACHMENT, handlers.on_unsupported
            ),
            CallbackQueryHandler(handlers.on_button),
        ]
    )
    application.add_error_handler(handlers.on_error)
    application.bot_data[_COUNTERS] = counters
    return application


def counters_of(application: App) -> Counters:
    """What the handlers of an application made by `build_application` counted."""
    counters = application.bot_data[_COUNTERS]
    assert isinstance(counters, Counters)
    return counters


def run_bot(settings: Settings) -> int:
    """Run the bot until SIGINT/SIGTERM: 0 after a clean stop, 1 if Telegram is unusable."""
    # PTB itself reads RetryAfter.retry_after while building the exception and warns about
    # its own deprecated int form on every 429; we never read it, so the warning is noise.
    warnings.filterwarnings(
        "ignore", message=".*attribute `retry_after`", category=PTBDeprecationWarning
    )
    settings.require_token()  # before loading faq/ and building the matcher, which take a while
    application = build_application(settings, build_service(settings))
    try:
        if settings.webhook:
            log.info("receiving updates by webhook on port %d", settings.webhook_port)
            application.run_webhook(
                listen=settings.webhook_listen,
                port=settings.webhook_port,
                url_path=settings.webhook_path,
                webhook_url=settings.webhook_url,
                secret_token=settings.webhook_secret,
                allowed_updates=ALLOWED_UPDATES,
                bootstrap_retries=BOOTSTRAP_RETRIES,
            )
        else:
            log.info("receiving updates by long polling")
            application.run_polling(
                timeout=POLL_TIMEOUT,
                allowed_updates=ALLOWED_UPDATES,
                bootstrap_retries=BOOTSTRAP_RETRIES,
            )
    except InvalidToken:
        log.error("Telegram rejected TELEGRAM_BOT_TOKEN; copy it again from @BotFather.")
        return 1
    except TelegramError as exc:
        log.error(
            "the Bot API stayed unreachable at start-up (%s); giving up after %d retries",
            type(exc).__name__,
            BOOTSTRAP_RETRIES,
        )
        return 1
    log.info("stopped")
    return 0
