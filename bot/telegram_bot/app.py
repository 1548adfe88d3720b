"""The Telegram application: all wiring in one function, in reading order."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Final, TypeAlias

from telegram import Update
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

from bot.config import Settings
from bot.events import COMMANDS
from bot.flood import FloodLimiter
from bot.telegram_bot.core import Core
from bot.telegram_bot.delivery import Counters, Delivery
from bot.telegram_bot.handlers import Handlers
from bot.telegram_bot.notices import AdminAlerts, Menus
from bot.telegram_bot.transport import Backoff, Outbox, PollRequest, Request

CONCURRENT_UPDATES: Final = 64
CONNECTIONS: Final = 256
"""PTB's default pool for the Bot API calls (getUpdates has a connection of its own)."""
_WIRING: Final = "kita-bot"
_QUESTION: Final = (filters.TEXT & ~filters.COMMAND) | (filters.PHOTO & filters.CAPTION)
"""What can hold a question: typed text, or a photo's caption."""

App: TypeAlias = Application[
    ExtBot[int],  # the int: the rate limiter's per-call argument (PTB's max retries)
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
class Wiring:
    """What the runner and the tests need of an application built here."""

    settings: Settings
    service: Core
    counters: Counters
    outbox: Outbox
    poller: PollRequest
    menus: Menus
    alerts: AdminAlerts
    stopping: asyncio.Event
    """Set when the bot starts to stop: retry waits end at once."""


def build_application(
    settings: Settings,
    service: Core,
    *,
    rate_limiter: BaseRateLimiter[int] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> App:
    """All wiring in one place, in reading order: connection, limits, handlers.

    `rate_limiter` replaces the production AIORateLimiter (30 messages/s, 20 a minute per group)
    inside the retrying `Outbox`; only the benchmarks pass one, to measure our own cost rather
    than Telegram's limit. `clock` is the flood limits' (the tests pass their own).
    """
    counters = Counters()
    stopping = asyncio.Event()
    outbox = Outbox(
        rate_limiter or AIORateLimiter(max_retries=0),
        Backoff(first=settings.retry_seconds),
        stopping,
    )
    delivery = Delivery(counters, forget=service.forget)
    wiring = Wiring(
        settings,
        service,
        counters,
        outbox,
        PollRequest(),
        Menus(service),
        AdminAlerts(service, settings.admins, delivery),
        stopping,
    )
    handlers = Handlers(
        service,
        delivery,
        typed=FloodLimiter(settings.flood_messages, settings.flood_seconds),
        taps=FloodLimiter(settings.flood_taps, settings.flood_seconds),
        menus=wiring.menus,
        alerts=wiring.alerts,
        clock=clock,
    )
    builder = (
        ApplicationBuilder()
        .token(settings.require_token())
        .request(Request(connection_pool_size=CONNECTIONS))
        .get_updates_request(wiring.poller)
    )
    if settings.api_base_url:  # a self-hosted Bot API server, or the fake one in tests
        builder = builder.base_url(f"{settings.api_base_url}/bot")
        builder = builder.base_file_url(f"{settings.api_base_url}/file/bot")
    application = (
        builder.rate_limiter(outbox)
        .concurrent_updates(PerUserOrder(CONCURRENT_UPDATES))
        .post_shutdown(partial(_close, service))
        .build()
    )
    typed = filters.UpdateType.MESSAGE
    application.add_handlers(
        [
            CommandHandler(COMMANDS, handlers.on_command, filters=typed),
            MessageHandler(typed & filters.COMMAND, handlers.on_other_command),
            MessageHandler(typed & _QUESTION, handlers.on_text),
            MessageHandler(
                typed & filters.ChatType.PRIVATE & filters.ATTACHMENT, handlers.on_unsupported
            ),
            MessageHandler(filters.UpdateType.EDITED_MESSAGE & _QUESTION, handlers.on_edit),
            CallbackQueryHandler(handlers.on_button),
        ]
    )
    application.add_error_handler(handlers.on_error)
    application.bot_data[_WIRING] = wiring
    return application


async def _close(service: Core, application: App) -> None:
    """After the last update: the records still queued are written (at most 2 s)."""
    await asyncio.to_thread(service.close)


def wiring_of(application: App) -> Wiring:
    """What `build_application` wired into `application`."""
    wiring = application.bot_data[_WIRING]
    assert isinstance(wiring, Wiring)
    return wiring


def counters_of(application: App) -> Counters:
    """What the handlers of an application made by `build_application` counted."""
    return wiring_of(application).counters
