"""The Telegram edge: the only module that imports `telegram`.

Each handler reads an update, turns it into an `Event` and a `Who`, asks the conversation, and
sends the `Reply` objects back as HTML with inline buttons. Everything Telegram-specific lives
here: long polling or webhook, command menus, the per-user flood limit, splitting long texts,
and surviving Telegram's errors (429, 5xx, 403 blocked, stale buttons, bad entities).
"""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
import warnings
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeAlias
from urllib.parse import urlsplit

from telegram import (
    Bot,
    BotCommand,
    CallbackQuery,
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    ReplyParameters,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
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

from bot.config import ConfigError, Settings
from bot.events import (
    COMMANDS,
    ButtonEvent,
    ChooseLanguage,
    CommandEvent,
    Event,
    FloodedEvent,
    Keyboard,
    Outcome,
    Reply,
    TextEvent,
    UnsupportedEvent,
    parse,
)
from bot.flood import FloodLimiter, Verdict
from bot.markup import split, to_text
from bot.service import CommandMenu, build_service

log = logging.getLogger(__name__)

ALLOWED_UPDATES = (Update.MESSAGE, Update.CALLBACK_QUERY)
"""Only what we handle: edits, channel posts, reactions ... never reach the bot."""
BOOTSTRAP_RETRIES = 3
"""Start-up retries after the first attempt (about 5 s in all); then exit, the supervisor retries."""
POLL_TIMEOUT = 10
"""Seconds one getUpdates long poll may wait for news."""
RATE_LIMIT_RETRIES = 2
"""Retries after a 429, each after Telegram's retry_after."""
CONCURRENT_UPDATES = 64
CALLBACK_DATA_LIMIT = 64

App: TypeAlias = Application[
    ExtBot[int],  # the int: AIORateLimiter's per-call argument (max retries)
    ContextTypes.DEFAULT_TYPE,
    dict[Any, Any],
    dict[Any, Any],
    dict[Any, Any],
    JobQueue[ContextTypes.DEFAULT_TYPE],
]
Context: TypeAlias = ContextTypes.DEFAULT_TYPE


class Core(Protocol):
    """What the edge needs from `bot.service.ChatService`."""

    def handle(
        self, user_id: int, event: Event, *, client_lang: str | None, private: bool
    ) -> Outcome: ...
    def forget(self, user_id: int) -> None: ...
    def command_menus(self) -> Sequence[CommandMenu]: ...
    def refresh(self) -> bool: ...


@dataclass
class Counters:
    """Operational counts for logs and tests; no ids, no texts."""

    updates: int = 0
    messages_sent: int = 0
    flood_notices: int = 0
    flood_dropped: int = 0
    blocked: int = 0
    plain_text_fallbacks: int = 0
    not_modified: int = 0
    stale_buttons: int = 0
    conflicts: int = 0
    errors: int = 0


def _mentions(error: TelegramError, *phrases: str) -> bool:
    message = str(error).lower()
    return any(phrase in message for phrase in phrases)


def _update_kind(update: object) -> str:
    """The kind of update, for logs: "message", "callback_query", ... (never its content)."""
    if not isinstance(update, Update):
        return "none" if update is None else type(update).__name__
    for kind in (*ALLOWED_UPDATES, Update.EDITED_MESSAGE, Update.CHANNEL_POST):
        if getattr(update, kind, None) is not None:
            return kind
    return "other"


def keyboard(buttons: Keyboard) -> InlineKeyboardMarkup | None:
    """Inline keyboard for a Reply's buttons: URL buttons open links, the others call back."""
    rows = []
    for row in buttons:
        cells = []
        for button in row:
            if button.url:
                cells.append(InlineKeyboardButton(button.label, url=button.data))
            elif len(button.data.encode("utf-8")) <= CALLBACK_DATA_LIMIT:
                cells.append(InlineKeyboardButton(button.label, callback_data=button.data))
            else:  # Telegram would reject the whole message for one bad button
                log.warning("button dropped: callback data over %d bytes", CALLBACK_DATA_LIMIT)
        if cells:
            rows.append(cells)
    return InlineKeyboardMarkup(rows) if rows else None


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
class TelegramEdge:
    """The handlers, bound to one conversation and its settings."""

    core: Core
    admins: frozenset[int]
    flood: FloodLimiter[int]
    reload_seconds: float
    clock: Callable[[], float] = time.monotonic
    counters: Counters = field(default_factory=Counters)
    _refresher: asyncio.Task[None] | None = None

    # --- start-up and shutdown ---

    async def post_init(self, application: App) -> None:
        """Command menus per language, then the background reload of faq/."""
        await self.set_commands(application.bot)
        self._refresher = asyncio.create_task(self._refresh_forever())

    async def post_shutdown(self, application: App) -> None:
        """Stop the background reload."""
        if self._refresher is not None:
            self._refresher.cancel()
            await asyncio.gather(self._refresher, return_exceptions=True)
            self._refresher = None

    async def set_commands(self, bot: Bot) -> None:
        """Publish the command menu in each language, and a default for all other users."""
        try:
            for code, menu in self.core.command_menus():
                commands = [BotCommand(name, text) for name, text in menu]
                await bot.set_my_commands(commands, language_code=code)
        except (InvalidToken, Forbidden):
            raise
        except TelegramError as exc:  # a missing menu is no reason not to answer
            log.warning("could not publish the command menu: %s", type(exc).__name__)

    async def _refresh_forever(self) -> None:
        while True:
            await asyncio.sleep(self.reload_seconds)
            # Off the event loop: after an edit, loading faq/ and building the matcher take a while.
            await asyncio.to_thread(self.core.refresh)

    # --- handlers ---

    async def on_command(self, update: Update, context: Context) -> None:
        """A known command, also as /cmd@ThisBot (PTB already ignores /cmd@OtherBot)."""
        message = update.message
        if message is None or not message.text:
            return
        name = message.text.split(maxsplit=1)[0][1:].split("@", 1)[0].lower()
        command = next((c for c in COMMANDS if c == name), None)
        await self._respond(update, context, CommandEvent(command, " ".join(context.args or ())))

    async def on_other_command(self, update: Update, context: Context) -> None:
        """An unknown /foo: the help, unless it was meant for another bot or a group at large."""
        message = update.message
        if message is None or not message.text:
            return
        target = message.text.split(maxsplit=1)[0].partition("@")[2]
        if target:
            if target.lower() != (context.bot.username or "").lower():
                return
        elif message.chat.type != Chat.PRIVATE:
            return
        await self._respond(update, context, CommandEvent(None))

    async def on_text(self, update: Update, context: Context) -> None:
        """Free text, or a photo's caption; in groups only when addressed to the bot."""
        message = update.message
        if message is None:
            return
        text = message.text if message.text is not None else message.caption or ""
        if message.chat.type != Chat.PRIVATE:
            if not self._addressed(message, context.bot):
                return
            text = _without_mention(text, context.bot.username)
        await self._respond(update, context, TextEvent(text))

    async def on_unsupported(self, update: Update, context: Context) -> None:
        """Stickers, voice, locations, pictures without caption ... in private chats."""
        await self._respond(update, context, UnsupportedEvent())

    async def on_button(self, update: Update, context: Context) -> None:
        """A button press: answer the query first (it expires fast), then send or edit."""
        query = update.callback_query
        if query is None:
            return
        self.counters.updates += 1
        user = query.from_user
        verdict = self.flood.check(user.id, self.clock())
        if verdict is Verdict.DROP:
            self.counters.flood_dropped += 1
            await self._answer(query, None)
            return
        if verdict is Verdict.NOTIFY:
            self.counters.flood_notices += 1
        chat = query.message.chat if query.message is not None else None
        action = parse(query.data or "")
        event: Event = ButtonEvent(action) if verdict is Verdict.ALLOW else FloodedEvent()
        outcome = self._decide(user.id, event, user.language_code, chat)
        await self._answer(query, outcome.toast)
        if chat is None or not outcome.replies:
            return
        pressed = query.message if isinstance(query.message, Message) else None
        edit = (
            pressed
            if pressed is not None
            and chat.type == Chat.PRIVATE
            and isinstance(action, ChooseLanguage)
            else None
        )
        await self._deliver_guarded(context.bot, chat, user.id, outcome.replies, edit=edit)

    async def on_error(self, update: object, context: Context) -> None:
        """Log the error class and the update kind only: no text, no ids, no token."""
        error = context.error
        kind = _update_kind(update)
        if isinstance(error, Conflict):
            self.counters.conflicts += 1
            log.error(
                "409 Conflict: another bot instance is polling with this token; run only one "
                "(conflicts so far: %d)",
                self.counters.conflicts,
            )
        elif isinstance(error, RetryAfter):
            log.warning("rate limited by Telegram while handling %s; reply dropped", kind)
        elif isinstance(error, NetworkError) and update is None:
            log.warning("Bot API unreachable while polling (%s); retrying", type(error).__name__)
        elif isinstance(error, TelegramError):
            self.counters.errors += 1
            log.error("%s from the Bot API while handling %s", type(error).__name__, kind)
        else:
            self.counters.errors += 1
            frames = "".join(traceback.format_tb(error.__traceback__)) if error else ""
            name = type(error).__name__ if error else "unknown error"
            log.error("%s while handling %s\n%s", name, kind, frames.rstrip())

    # --- the steps of a handler ---

    async def _respond(self, update: Update, context: Context, event: Event) -> None:
        message, user = update.message, update.effective_user
        if message is None or user is None:
            return
        self.counters.updates += 1
        verdict = self.flood.check(user.id, self.clock())
        if verdict is Verdict.DROP:
            self.counters.flood_dropped += 1
            return
        if verdict is Verdict.NOTIFY:
            self.counters.flood_notices += 1
            event = FloodedEvent()
        outcome = self._decide(user.id, event, user.language_code, message.chat)
        reply_to = message.message_id if message.chat.type != Chat.PRIVATE else None
        thread = message.message_thread_id if message.is_topic_message else None
        await self._deliver_guarded(
            context.bot, message.chat, user.id, outcome.replies, reply_to=reply_to, thread=thread
        )

    def _decide(
        self, user_id: int, event: Event, client_lang: str | None, chat: Chat | None
    ) -> Outcome:
        private = chat is not None and chat.type == Chat.PRIVATE
        outcome = self.core.handle(user_id, event, client_lang=client_lang, private=private)
        log.debug(
            "%s -> %s",
            type(event).__name__,
            ", ".join(f"{r.kind}/{r.lang}/{r.topic_id or '-'}" for r in outcome.replies) or "toast",
        )
        return outcome

    def _addressed(self, message: Message, bot: Bot) -> bool:
        """In a group: a reply to one of our messages, or a mention of the bot."""
        replied = message.reply_to_message
        if replied is not None and replied.from_user is not None and replied.from_user.id == bot.id:
            return True
        username = (bot.username or "").lower()
        entities = {**message.parse_entities(), **message.parse_caption_entities()}
        for entity, text in entities.items():
            if entity.type == MessageEntity.MENTION and text[1:].lower() == username:
                return True
            if (
                entity.type == MessageEntity.TEXT_MENTION
                and entity.user
                and entity.user.id == bot.id
            ):
                return True
        return False

    async def _answer(self, query: CallbackQuery, toast: str | None) -> None:
        try:
            await query.answer(toast)
        except BadRequest as exc:  # "query is too old": the reply below still helps
            self.counters.stale_buttons += 1
            log.info(
                "button answer failed (%s)",
                "stale" if _mentions(exc, "too old", "invalid") else "bad request",
            )
        except (Forbidden, NetworkError) as exc:
            log.warning("button answer failed: %s", type(exc).__name__)

    async def _deliver_guarded(
        self,
        bot: Bot,
        chat: Chat,
        user_id: int,
        replies: Sequence[Reply],
        *,
        reply_to: int | None = None,
        thread: int | None = None,
        edit: Message | None = None,
    ) -> None:
        try:
            await self._deliver(bot, chat.id, replies, reply_to=reply_to, thread=thread, edit=edit)
        except Forbidden:
            # Blocked, deactivated, or removed from the group: never retry, keep nothing.
            self.counters.blocked += 1
            log.info("a chat refused our message (403); blocked so far: %d", self.counters.blocked)
            if chat.type == Chat.PRIVATE:
                self.core.forget(user_id)

    async def _deliver(
        self,
        bot: Bot,
        chat_id: int,
        replies: Sequence[Reply],
        *,
        reply_to: int | None,
        thread: int | None,
        edit: Message | None,
    ) -> None:
        """Send each reply in order: long ones in several messages, buttons on the last."""
        for index, reply in enumerate(replies):
            chunks = split(reply.text)
            markup = keyboard(reply.buttons)
            edited = index == 0 and edit is not None and len(chunks) == 1
            if edited and edit is not None and await self._edit(bot, edit, chunks[0], markup):
                continue
            for number, chunk in enumerate(chunks, start=1):
                last = number == len(chunks)
                await self._send(bot, chat_id, chunk, markup if last else None, reply_to, thread)
                reply_to = None

    async def _send(
        self,
        bot: Bot,
        chat_id: int,
        text: str,
        markup: InlineKeyboardMarkup | None,
        reply_to: int | None,
        thread: int | None,
    ) -> None:
        options: dict[str, Any] = {
            "reply_markup": markup,
            "message_thread_id": thread,
            "link_preview_options": LinkPreviewOptions(is_disabled=True),
            "reply_parameters": (
                ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
            ),
        }
        try:
            await bot.send_message(chat_id, text, parse_mode=ParseMode.HTML, **options)
        except BadRequest as exc:
            if not _mentions(exc, "can't parse entities", "can't find end"):
                raise
            self.counters.plain_text_fallbacks += 1
            log.warning("Telegram could not parse our HTML; resending as plain text")
            await bot.send_message(chat_id, to_text(text), **options)
        self.counters.messages_sent += 1

    async def _edit(
        self, bot: Bot, message: Message, text: str, markup: InlineKeyboardMarkup | None
    ) -> bool:
        """Replace the pressed message; False when it can no longer be edited (send instead)."""
        options: dict[str, Any] = {
            "reply_markup": markup,
            "link_preview_options": LinkPreviewOptions(is_disabled=True),
        }
        try:
            await bot.edit_message_text(
                text, message.chat.id, message.message_id, parse_mode=ParseMode.HTML, **options
            )
        except BadRequest as exc:
            if _mentions(exc, "message is not modified"):
                self.counters.not_modified += 1
                return True
            if not _mentions(exc, "can't parse entities", "can't find end"):
                log.info("could not edit the pressed message; sending a new one")
                return False
            self.counters.plain_text_fallbacks += 1
            await bot.edit_message_text(
                to_text(text), message.chat.id, message.message_id, **options
            )
        return True


def _without_mention(text: str, username: str | None) -> str:
    """The text with "@ThisBot" removed, so that the mention does not disturb matching."""
    if not username:
        return text
    lowered, needle = text.lower(), f"@{username.lower()}"
    while needle in lowered:
        start = lowered.index(needle)
        text = text[:start] + text[start + len(needle) :]
        lowered = text.lower()
    return text.strip()


def webhook_path(settings: Settings) -> str:
    """The local path of the webhook: the path of KITA_BOT_WEBHOOK_URL, never the token."""
    url = settings.webhook_url or ""
    if settings.token and settings.token in url:
        raise ConfigError(
            "KITA_BOT_WEBHOOK_URL contains the bot token; use a path without it (the secret "
            "KITA_BOT_WEBHOOK_SECRET already proves that a request comes from Telegram)."
        )
    return urlsplit(url).path.strip("/")


def build_application(
    settings: Settings, service: Core, *, rate_limiter: BaseRateLimiter[int] | None = None
) -> App:
    """All wiring in one place, in reading order: connection, limits, handlers, start-up work.

    `rate_limiter` replaces the production AIORateLimiter (30 messages/s, retries after a 429);
    only the benchmark passes one, to measure our own cost rather than Telegram's limit.
    """
    edge = TelegramEdge(
        core=service,
        admins=settings.admins,
        flood=FloodLimiter(settings.flood_messages, settings.flood_seconds),
        reload_seconds=settings.reload_seconds,
    )
    builder = ApplicationBuilder().token(settings.require_token())
    if settings.api_base_url:  # a self-hosted Bot API server, or the fake one in tests
        builder = builder.base_url(f"{settings.api_base_url}/bot")
        builder = builder.base_file_url(f"{settings.api_base_url}/file/bot")
    application = (
        builder.rate_limiter(rate_limiter or AIORateLimiter(max_retries=RATE_LIMIT_RETRIES))
        .concurrent_updates(PerUserOrder(CONCURRENT_UPDATES))
        .post_init(edge.post_init)
        .post_shutdown(edge.post_shutdown)
        .build()
    )
    # Only new messages: an edited message was answered already.
    new = filters.UpdateType.MESSAGE
    application.add_handlers(
        [
            CommandHandler(COMMANDS, edge.on_command, filters=new),
            MessageHandler(new & filters.COMMAND, edge.on_other_command),
            MessageHandler(
                new & ((filters.TEXT & ~filters.COMMAND) | (filters.PHOTO & filters.CAPTION)),
                edge.on_text,
            ),
            MessageHandler(
                new & filters.ChatType.PRIVATE & filters.ATTACHMENT, edge.on_unsupported
            ),
            CallbackQueryHandler(edge.on_button),
        ]
    )
    application.add_error_handler(edge.on_error)
    application.bot_data["edge"] = edge
    return application


def edge_of(application: App) -> TelegramEdge:
    """The handlers' state (counters) of an application made by `build_application`."""
    edge = application.bot_data["edge"]
    assert isinstance(edge, TelegramEdge)
    return edge


def run_bot(settings: Settings) -> int:
    """Run the bot until SIGINT/SIGTERM: 0 after a clean stop, 1 if Telegram is unusable."""
    settings.require_token()
    path = webhook_path(settings) if settings.webhook else ""
    # PTB itself reads RetryAfter.retry_after while building the exception and warns about
    # its own deprecated int form on every 429; we never read it, so the warning is noise.
    warnings.filterwarnings(
        "ignore", message=".*attribute `retry_after`", category=PTBDeprecationWarning
    )
    application = build_application(settings, build_service(settings))
    try:
        if settings.webhook_url and settings.webhook_secret:
            log.info("receiving updates by webhook on port %d", settings.webhook_port)
            application.run_webhook(
                listen=settings.webhook_listen,
                port=settings.webhook_port,
                url_path=path,
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
