"""Replies to Telegram: each `Reply` sent (or the pressed message edited) as HTML with its inline
keyboard, long texts split, plain text when Telegram cannot parse our HTML, and a chat that
refuses us (403) never retried and its user forgotten. Failed requests are retried below us, by
`transport.Outbox`, which logs what it gave up; here a reply it gave up ends the update's
delivery, since the next one would arrive out of order."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from telegram import (
    Bot,
    CallbackQuery,
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    ReplyParameters,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.events import BUTTON_DATA_LIMIT, Keyboard, Reply
from bot.markup import split, to_text

log = logging.getLogger(__name__)

_UNPARSABLE = ("can't parse entities", "can't find end")
"""How the Bot API says that it could not read our HTML."""


@dataclass
class Counters:
    """Operational counts for logs and tests; no ids, no texts."""

    updates: int = 0
    messages_sent: int = 0
    flood_notices: int = 0
    flood_dropped: int = 0
    blocked: int = 0
    undelivered: int = 0
    """Replies not delivered after all tries (or dropped by a stop); logged by the Outbox."""
    plain_text_fallbacks: int = 0
    not_modified: int = 0
    stale_buttons: int = 0
    conflicts: int = 0
    errors: int = 0


@dataclass(frozen=True)
class Target:
    """Where the replies to one update go."""

    chat: Chat
    reply_to: int | None = None
    """In a group: the message answered, so that the reply is threaded under it."""
    thread: int | None = None
    """The forum topic the question was asked in."""
    edit: Message | None = None
    """The pressed message, to be replaced by the first reply instead of sending a new one."""


def mentions(error: TelegramError, *phrases: str) -> bool:
    """True when the Bot API's error message says one of `phrases`."""
    message = str(error).lower()
    return any(phrase in message for phrase in phrases)


def keyboard(buttons: Keyboard) -> InlineKeyboardMarkup | None:
    """Inline keyboard for a Reply's buttons: URL buttons open links, the others call back."""
    rows = []
    for row in buttons:
        cells = []
        for button in row:
            if button.url:
                cells.append(InlineKeyboardButton(button.label, url=button.data))
            elif len(button.data.encode("utf-8")) <= BUTTON_DATA_LIMIT:
                cells.append(InlineKeyboardButton(button.label, callback_data=button.data))
            else:  # Telegram would reject the whole message for one bad button
                log.warning("button dropped: callback data over %d bytes", BUTTON_DATA_LIMIT)
        if cells:
            rows.append(cells)
    return InlineKeyboardMarkup(rows) if rows else None


class Delivery:
    """Sends replies and answers button presses, counting what happened."""

    def __init__(self, counters: Counters, forget: Callable[[int], None]) -> None:
        self.counters = counters
        self._forget = forget

    async def answer(self, query: CallbackQuery, toast: str | None) -> None:
        """Answer a button press (Telegram shows a spinner until then); `toast` pops up."""
        try:
            await query.answer(toast)
        except BadRequest as exc:  # "query is too old": the reply that follows still helps
            self.counters.stale_buttons += 1
            stale = mentions(exc, "too old", "invalid")
            log.info("button answer failed (%s)", "stale" if stale else "bad request")
        except Forbidden as exc:
            log.warning("button answer failed: %s", type(exc).__name__)
        except (NetworkError, RetryAfter):  # given up by the Outbox, which said so
            pass

    async def deliver(
        self, bot: Bot, target: Target, user_id: int, replies: Sequence[Reply]
    ) -> None:
        """Send `replies` in order; a chat that refuses us is not retried, its user forgotten."""
        try:
            await self._deliver(bot, target, replies)
        except Forbidden:
            # Blocked, deactivated, or removed from the group: never retry, keep nothing.
            self.counters.blocked += 1
            log.info("a chat refused our message (403); blocked so far: %d", self.counters.blocked)
            if target.chat.type == Chat.PRIVATE:
                await asyncio.to_thread(self._forget, user_id)  # storage: off the event loop
        except BadRequest:  # a NetworkError to PTB, but not one the Outbox retried
            raise
        except (NetworkError, RetryAfter):  # given up by the Outbox, which said so
            self.counters.undelivered += 1

    async def _deliver(self, bot: Bot, target: Target, replies: Sequence[Reply]) -> None:
        # Long replies go in several messages, with the buttons on the last one.
        reply_to, edit = target.reply_to, target.edit
        for reply in replies:
            chunks = split(reply.text)
            markup = keyboard(reply.buttons)
            pressed, edit = edit, None  # only the first reply may replace the pressed message
            one = len(chunks) == 1
            if pressed is not None and one and await self._edit(bot, pressed, chunks[0], markup):
                continue
            for number, chunk in enumerate(chunks, start=1):
                last = number == len(chunks)
                await self._send(bot, target, chunk, markup if last else None, reply_to)
                reply_to = None

    async def _send(
        self,
        bot: Bot,
        target: Target,
        text: str,
        markup: InlineKeyboardMarkup | None,
        reply_to: int | None,
    ) -> None:
        options: dict[str, Any] = {
            "reply_markup": markup,
            "message_thread_id": target.thread,
            "link_preview_options": LinkPreviewOptions(is_disabled=True),
            "reply_parameters": (
                ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
            ),
        }
        try:
            await bot.send_message(target.chat.id, text, parse_mode=ParseMode.HTML, **options)
        except BadRequest as exc:
            if not mentions(exc, *_UNPARSABLE):
                raise
            self.counters.plain_text_fallbacks += 1
            log.warning("Telegram could not parse our HTML; resending as plain text")
            await bot.send_message(target.chat.id, to_text(text), **options)
        self.counters.messages_sent += 1

    async def _edit(
        self, bot: Bot, message: Message, text: str, markup: InlineKeyboardMarkup | None
    ) -> bool:
        """Replace the pressed message; False when it can no longer be edited (send instead)."""
        options: dict[str, Any] = {
            "reply_markup": markup,
            "link_preview_options": LinkPreviewOptions(is_disabled=True),
        }
        where = (message.chat.id, message.message_id)
        try:
            await bot.edit_message_text(text, *where, parse_mode=ParseMode.HTML, **options)
        except BadRequest as exc:
            if mentions(exc, "message is not modified"):
                self.counters.not_modified += 1
                return True
            if not mentions(exc, *_UNPARSABLE):
                log.info("could not edit the pressed message; sending a new one")
                return False
            self.counters.plain_text_fallbacks += 1
            await bot.edit_message_text(to_text(text), *where, **options)
        return True
