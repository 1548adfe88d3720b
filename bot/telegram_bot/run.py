"""Running the bot: a start-up with bounded retries, updates by long polling or by our webhook
server, faq/ reloaded meanwhile, and a stop that ends within `STOP_BUDGET` seconds.

We run the application ourselves (PTB's documented alternative to `run_polling`) for three
things its runner cannot do: cut short the retry waits as soon as SIGTERM arrives, stop after a
409 Conflict instead of polling against another instance, and serve our own webhook.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import warnings
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Final

from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from bot.config import Settings
from bot.logs import log_failure
from bot.service import build_service
from bot.telegram_bot.app import App, Wiring, build_application, wiring_of
from bot.telegram_bot.handlers import ALLOWED_UPDATES
from bot.telegram_bot.transport import Backoff, describe
from bot.telegram_bot.webhook import Webhook

log = logging.getLogger(__name__)

TELEGRAM: Final = "https://api.telegram.org"
POLL_TIMEOUT: Final = 10
"""Seconds one getUpdates long poll may wait for news."""
POLL_BOOTSTRAP_RETRIES: Final = 3
"""PTB's retries of deleteWebhook when polling starts."""
STOP_BUDGET: Final = 8.0
"""Seconds a stop may take; systemd (and the tests) allow 10."""


class Unreachable(Exception):
    """The Bot API did not answer at start-up, after every retry."""


class Runner:
    """Starts one application, receives its updates, and stops it; also an async context."""

    def __init__(self, application: App) -> None:
        self.application = application
        self.wiring: Wiring = wiring_of(application)
        self.settings: Settings = self.wiring.settings
        self.exit_code = 0
        self._webhook: Webhook | None = None
        self._reloading: asyncio.Task[None] | None = None

    @property
    def api_url(self) -> str:
        """The Bot API's address, for log lines (never with the token)."""
        return self.settings.api_base_url or TELEGRAM

    async def start(self) -> None:
        """Connect, publish the menus, alert the admins, receive; InvalidToken or Unreachable."""
        app, wiring = self.application, self.wiring
        await self._retrying("getMe", app.initialize)
        await wiring.menus.publish(app.bot)
        await wiring.alerts.tell(app.bot)
        if self.settings.webhook:
            self._webhook = Webhook(app, self.settings, ALLOWED_UPDATES)
            await self._retrying("setWebhook", self._webhook.register)
            await self._webhook.listen()
        elif app.updater is not None:
            await app.updater.start_polling(
                timeout=POLL_TIMEOUT,
                allowed_updates=ALLOWED_UPDATES,
                bootstrap_retries=POLL_BOOTSTRAP_RETRIES,
                error_callback=self._polling_failed,
            )
        await app.start()
        self._reloading = asyncio.create_task(self._reload_forever())

    async def stop(self) -> None:
        """Stop receiving, finish the updates in hand (retry waits end at once), shut down."""
        self.wiring.stopping.set()
        try:
            await asyncio.wait_for(self._stop(), STOP_BUDGET)
        except TimeoutError:
            log.error("stopping took longer than %.0f s; exiting anyway", STOP_BUDGET)
        outbox = self.wiring.outbox
        if outbox.dropped:
            log.warning("%d request(s) to Telegram were given up while running", outbox.dropped)

    async def _stop(self) -> None:
        app = self.application
        if self._reloading is not None:
            self._reloading.cancel()
            await asyncio.gather(self._reloading, return_exceptions=True)
        if app.updater is not None and app.updater.running:
            # PTB marks the fetched updates as read with one more getUpdates, and lets an
            # update it cannot read escape from there; the rest of the stop must still happen.
            try:
                await app.updater.stop()
            except Exception as exc:
                log_failure(log, exc, "while stopping the polling")
        if self._webhook is not None:
            await self._webhook.close()
        if app.running:
            await app.stop()
        try:
            await app.shutdown()
        finally:
            # What run_polling does after shutdown: the service closes its store here.
            if app.post_shutdown is not None:
                await app.post_shutdown(app)

    async def __aenter__(self) -> Runner:
        await self.start()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def _retrying(self, what: str, action: Callable[[], Awaitable[None]]) -> None:
        """`action` until it works, within the back-off's tries; a rejected token at once."""
        backoff = Backoff(first=self.settings.retry_seconds)
        for failures in range(1, backoff.tries + 1):
            try:
                await action()
                return
            except InvalidToken:
                raise
            except (NetworkError, RetryAfter) as exc:
                log.debug("%s failed (%s)", what, describe(exc))
                if failures == backoff.tries:
                    raise Unreachable(f"{what}: {describe(exc)}") from None
            await asyncio.sleep(backoff.delay(failures))

    def _polling_failed(self, error: TelegramError) -> None:
        """PTB's polling loop hit `error`: a 409 stops this instance, the rest is logged."""
        if isinstance(error, Conflict):
            self.wiring.counters.conflicts += 1
            self.wiring.poller.hold()  # not one more getUpdates: it would stop the other too
            if not self.wiring.stopping.is_set():
                log.error(
                    "409 Conflict: another bot instance is polling with this token (or a webhook "
                    "is set); this one stops instead of taking turns. Run exactly one per token."
                )
                self.exit_code = 1
                self.wiring.stopping.set()
            return
        app = self.application
        app.create_task(app.process_error(update=None, error=error))

    async def _reload_forever(self) -> None:
        while True:
            await asyncio.sleep(self.settings.reload_seconds)
            try:
                # In a worker thread: after an edit, reading faq/ and building the new brain
                # take tens of milliseconds that no message should wait for.
                await asyncio.to_thread(self.wiring.service.refresh)
                await self.wiring.alerts.tell(self.application.bot)
            except Exception as exc:  # the next tick tries again; this task must not end
                log_failure(log, exc, "while reloading faq/ or alerting the admins")


async def serve(application: App) -> int:
    """Run until SIGINT/SIGTERM or a 409: 0 after a clean stop, 1 if Telegram is unusable."""
    runner = Runner(application)
    settings = runner.settings
    stopping = runner.wiring.stopping
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    try:
        if not await _until_started_or_stopped(runner.start(), stopping):
            return 0
        mode = "webhook" if settings.webhook else "long polling"
        log.info("receiving updates by %s", mode)
        await stopping.wait()
        return runner.exit_code
    except InvalidToken as exc:
        # 401: the server knows no such bot; 404: no such path, which a server that is not a
        # Bot API server answers too.
        unknown_path = settings.api_base_url is not None and "Not Found" in exc.message
        hint = ", or TELEGRAM_API_BASE_URL is not a Bot API server" if unknown_path else ""
        log.error(
            "the Bot API at %s rejected TELEGRAM_BOT_TOKEN (%s); copy the token again from "
            "@BotFather%s",
            runner.api_url,
            exc.message,
            hint,
        )
        return 1
    except Unreachable as exc:
        log.error(
            "the Bot API at %s is unreachable at start-up (%s); giving up, the supervisor may "
            "start the bot again",
            runner.api_url,
            exc,
        )
        return 1
    finally:
        await runner.stop()
        log.info("stopped")


async def _until_started_or_stopped(starting: Awaitable[None], stopping: asyncio.Event) -> bool:
    """Await `starting`; False when a stop came first (the start is then abandoned)."""
    start = asyncio.ensure_future(starting)
    stop = asyncio.create_task(stopping.wait())
    await asyncio.wait((start, stop), return_when=asyncio.FIRST_COMPLETED)
    stop.cancel()
    if not start.done():
        start.cancel()
        await asyncio.gather(start, return_exceptions=True)
        return False
    start.result()
    return True


def run_bot(settings: Settings) -> int:
    """Build the bot from settings and run it; the exit code."""
    # PTB itself reads RetryAfter.retry_after while building the exception and warns about
    # its own deprecated int form on every 429; we never read it that way, so it is noise.
    warnings.filterwarnings(
        "ignore", message=".*attribute `retry_after`", category=PTBDeprecationWarning
    )
    settings.require_token()  # before loading faq/ and building the matcher, which take a while
    application = build_application(settings, build_service(settings))
    return asyncio.run(serve(application))
