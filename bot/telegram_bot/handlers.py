"""Receiving from Telegram: each handler turns an update into the user, the chat and an `Event`,
and ends in the one `_handle` step (flood limit, the service, the button's answer, delivery)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from typing import Protocol, TypeAlias

from telegram import Bot, Chat, Message, MessageEntity, Update
from telegram.error import Conflict, NetworkError, RetryAfter, TelegramError
from telegram.ext import ContextTypes

from bot.events import (
    COMMANDS,
    ButtonEvent,
    ChooseLanguage,
    CommandEvent,
    Event,
    FloodedEvent,
    Outcome,
    TextEvent,
    UnsupportedEvent,
    parse,
)
from bot.flood import FloodLimiter, Verdict
from bot.logs import log_failure
from bot.service import CommandMenu
from bot.telegram_bot.delivery import Counters, Delivery, Target

log = logging.getLogger(__name__)

Context: TypeAlias = ContextTypes.DEFAULT_TYPE

ALLOWED_UPDATES = (Update.MESSAGE, Update.CALLBACK_QUERY)
"""The updates we handle: edits, channel posts, reactions ... never reach the bot."""


class Core(Protocol):
    """What the edge needs of `bot.service.ChatService`."""

    def handle(
        self, user_id: int, event: Event, *, client_lang: str | None, private: bool
    ) -> Outcome: ...
    def forget(self, user_id: int) -> None: ...
    def command_menus(self) -> Sequence[CommandMenu]: ...
    def refresh(self) -> bool: ...


class Handlers:
    """The handlers of one application, bound to the service."""

    def __init__(
        self,
        service: Core,
        delivery: Delivery,
        flood: FloodLimiter[int],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.service = service
        self.delivery = delivery
        self.counters: Counters = delivery.counters
        self.flood = flood
        self.clock = clock

    async def on_command(self, update: Update, context: Context) -> None:
        """A known command, also as /cmd@ThisBot (PTB already ignores /cmd@OtherBot)."""
        message = update.message
        if message is None or not message.text:
            return
        name = message.text.split(maxsplit=1)[0][1:].split("@", 1)[0].lower()
        command = next((c for c in COMMANDS if c == name), None)
        await self._handle(update, context, CommandEvent(command, " ".join(context.args or ())))

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
        await self._handle(update, context, CommandEvent(None))

    async def on_text(self, update: Update, context: Context) -> None:
        """Free text, or a photo's caption; in groups only when addressed to the bot."""
        message = update.message
        if message is None:
            return
        text = message.text if message.text is not None else message.caption or ""
        if message.chat.type != Chat.PRIVATE:
            if not _addressed(message, context.bot):
                return
            text = _without_mention(text, context.bot.username)
        await self._handle(update, context, TextEvent(text))

    async def on_unsupported(self, update: Update, context: Context) -> None:
        """Stickers, voice, locations, pictures without caption ... in private chats."""
        await self._handle(update, context, UnsupportedEvent())

    async def on_button(self, update: Update, context: Context) -> None:
        """A button press, its data parsed into an action here, once."""
        if update.callback_query is not None:
            action = parse(update.callback_query.data or "")
            await self._handle(update, context, ButtonEvent(action))

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
            log_failure(log, error or RuntimeError("unknown error"), f"while handling {kind}")

    async def _handle(self, update: Update, context: Context, event: Event) -> None:
        """The one step of every handler: flood limit, the service, the button's answer first
        (it expires fast, and a press is always answered), then the replies."""
        user, chat, query = update.effective_user, update.effective_chat, update.callback_query
        if user is None:
            return
        self.counters.updates += 1
        verdict = self.flood.check(user.id, self.clock())
        if verdict is Verdict.DROP:
            self.counters.flood_dropped += 1
            if query is not None:
                await self.delivery.answer(query, None)
            return
        if verdict is Verdict.NOTIFY:
            self.counters.flood_notices += 1
            event = FloodedEvent()
        private = chat is not None and chat.type == Chat.PRIVATE
        # In a worker thread: the service writes to SQLite and may reload faq/ (/reload), and
        # neither may hold up the other users' replies.
        outcome = await asyncio.to_thread(
            self.service.handle, user.id, event, client_lang=user.language_code, private=private
        )
        log.debug(
            "%s -> %s",
            type(event).__name__,
            ", ".join(f"{r.kind}/{r.lang}/{r.topic_id or '-'}" for r in outcome.replies) or "toast",
        )
        if query is not None:
            await self.delivery.answer(query, outcome.toast)
        if chat is not None and outcome.replies:
            target = _target(update, chat, event, private)
            await self.delivery.deliver(context.bot, target, user.id, outcome.replies)


def _target(update: Update, chat: Chat, event: Event, private: bool) -> Target:
    """Where replies go: a group's question gets them threaded under it; a language chosen on a
    menu in a private chat replaces that menu."""
    message = update.message
    if message is not None:
        return Target(
            chat,
            reply_to=None if private else message.message_id,
            thread=message.message_thread_id if message.is_topic_message else None,
        )
    pressed = update.callback_query.message if update.callback_query else None
    choosing = isinstance(event, ButtonEvent) and isinstance(event.action, ChooseLanguage)
    edit = pressed if isinstance(pressed, Message) and private and choosing else None
    return Target(chat, edit=edit)


def _addressed(message: Message, bot: Bot) -> bool:
    """In a group: a reply to one of our messages, or a mention of the bot."""
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot.id:
        return True
    username = (bot.username or "").lower()
    entities = {**message.parse_entities(), **message.parse_caption_entities()}
    for entity, text in entities.items():
        if entity.type == MessageEntity.MENTION and text[1:].lower() == username:
            return True
        if entity.type == MessageEntity.TEXT_MENTION and entity.user and entity.user.id == bot.id:
            return True
    return False


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


def _update_kind(update: object) -> str:
    """The kind of update, for logs: "message", "callback_query", ... (never its content)."""
    if not isinstance(update, Update):
        return "none" if update is None else type(update).__name__
    for kind in (*ALLOWED_UPDATES, Update.EDITED_MESSAGE, Update.CHANNEL_POST):
        if getattr(update, kind, None) is not None:
            return kind
    return "other"
