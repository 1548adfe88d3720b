"""Receiving from Telegram: each handler turns an update into the user, the chat and an `Event`,
and ends in the one `_handle` step: flood limits, the service, the button's answer, delivery,
and what follows from the outcome (a chat's command menu, the admins' alerts)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import TypeAlias

from telegram import Bot, Chat, Message, MessageEntity, Update, User
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError
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
from bot.telegram_bot.core import Core, Strings
from bot.telegram_bot.delivery import Counters, Delivery, Target
from bot.telegram_bot.edits import NO_ANSWER, Answers
from bot.telegram_bot.notices import AdminAlerts, Menus

log = logging.getLogger(__name__)

Context: TypeAlias = ContextTypes.DEFAULT_TYPE

ALLOWED_UPDATES = (Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY)
"""The updates we handle: channel posts, reactions ... never reach the bot."""
OUTAGE_GAP = 60.0
"""Seconds without a polling error after which the next one starts a new outage (and is logged);
PTB's polling back-off never waits longer than 30 s, so one outage is logged once."""


def _one_moment(t: Strings) -> str:
    # A toast shows for a moment, over the chat: a few words, not the typed-message notice.
    return t.gettext("One moment, please.")


def _failed(t: Strings) -> str:
    return t.gettext("Something went wrong on our side. Please try again in a moment.")


class Handlers:
    """The handlers of one application, bound to the service."""

    def __init__(
        self,
        service: Core,
        delivery: Delivery,
        *,
        typed: FloodLimiter[int],
        taps: FloodLimiter[int],
        menus: Menus,
        alerts: AdminAlerts,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.service = service
        self.delivery = delivery
        self.counters: Counters = delivery.counters
        self.typed = typed
        """The flood limit for what users type (text, commands, media)."""
        self.taps = taps
        """A separate, larger one for button presses: browsing by buttons is not flooding."""
        self.menus = menus
        self.alerts = alerts
        self.answers = Answers()
        self.clock = clock
        self._last_poll_error = -OUTAGE_GAP

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
        if message.chat.type != Chat.PRIVATE and not _addressed(message, context.bot):
            return
        await self._handle(update, context, TextEvent(_text(message, context.bot)))

    async def on_edit(self, update: Update, context: Context) -> None:
        """An edited question, answered again only if its first version got none (a typo fixed)."""
        message = update.edited_message
        if message is None or not self.answers.unanswered(message.chat.id, message.message_id):
            return
        await self._handle(update, context, TextEvent(_text(message, context.bot)))

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
        if _transient(error) and update is None:
            now = self.clock()
            if now - self._last_poll_error > OUTAGE_GAP:
                log.warning(
                    "Bot API unreachable while polling (%s); retrying", type(error).__name__
                )
            self._last_poll_error = now
        elif isinstance(error, TelegramError):
            self.counters.errors += 1
            log.error("%s from the Bot API while handling %s", type(error).__name__, kind)
        else:
            self.counters.errors += 1
            log_failure(log, error or RuntimeError("unknown error"), f"while handling {kind}")

    async def _handle(self, update: Update, context: Context, event: Event) -> None:
        """The one step of every handler: flood limits, the service, the button's answer first
        (it expires fast, and a press is always answered), then the replies."""
        user, chat, query = update.effective_user, update.effective_chat, update.callback_query
        if user is None:
            return
        self.counters.updates += 1
        private = chat is not None and chat.type == Chat.PRIVATE
        typed = isinstance(event, TextEvent)
        verdict = (self.typed if query is None else self.taps).check(user.id, self.clock())
        if verdict is not Verdict.ALLOW:
            if await self._held_back(update, user, verdict, typed=typed):
                return
            self.counters.flood_notices += 1
            event = FloodedEvent()
        outcome = await self._ask(update, user, event, private)
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
        self._note(update, outcome, typed=typed)
        if chat is not None and private:
            await self._follow_up(context.bot, user, chat, event, outcome)

    async def _held_back(
        self, update: Update, user: User, verdict: Verdict, *, typed: bool
    ) -> bool:
        """Over a flood limit: True when the update ends here, False for the notice's message."""
        # A press gets a toast (never left spinning), a typed message nothing, except the
        # first one over the limit, which is answered with the "slow down" notice.
        if update.callback_query is not None:
            self.counters.flood_dropped += 1
            await self.delivery.answer(update.callback_query, await self._toast(user, _one_moment))
            return True
        if verdict is Verdict.DROP:
            self.counters.flood_dropped += 1
            self._note(update, None, typed=typed)
            return True
        return False

    async def _ask(self, update: Update, user: User, event: Event, private: bool) -> Outcome:
        """The service's outcome; a press whose outcome fails still gets a toast that says so."""
        try:
            # In a worker thread: the service writes to SQLite and may reload faq/ (/reload),
            # and neither may hold up the other users' replies.
            return await asyncio.to_thread(
                self.service.handle, user.id, event, client_lang=user.language_code, private=private
            )
        except Exception:
            if update.callback_query is not None:
                await self.delivery.answer(update.callback_query, await self._toast(user, _failed))
            raise

    async def _follow_up(
        self, bot: Bot, user: User, chat: Chat, event: Event, outcome: Outcome
    ) -> None:
        """After the replies: a chosen language's command menu, the other admins' alerts."""
        if outcome.language_chosen is not None:
            await self.menus.follow(bot, chat.id, outcome.language_chosen)
        if event == CommandEvent("reload") and user.id in self.alerts.admins:
            await self.alerts.tell(bot, answered=user.id)

    def _note(self, update: Update, outcome: Outcome | None, *, typed: bool) -> None:
        """Remember whether a typed question got an answer, for an edit of it (see `on_edit`)."""
        message = update.effective_message
        if not typed or message is None or update.callback_query is not None:
            return
        first = outcome.replies[0] if outcome is not None and outcome.replies else None
        answered = first is not None and first.kind not in NO_ANSWER
        self.answers.note(message.chat.id, message.message_id, answered=answered)

    async def _toast(self, user: User, pick: Callable[[Strings], str]) -> str | None:
        """A toast in the user's language; none at all rather than no answer to the press."""
        try:
            strings = await asyncio.to_thread(
                self.service.translator, user.id, client_lang=user.language_code
            )
            return pick(strings)
        except Exception as exc:
            log_failure(log, exc, "while choosing a toast's language")
            return None


def _transient(error: object) -> bool:
    """A Bot API error that may pass by itself (PTB counts a BadRequest among its NetworkErrors)."""
    return isinstance(error, NetworkError | RetryAfter) and not isinstance(error, BadRequest)


def _target(update: Update, chat: Chat, event: Event, private: bool) -> Target:
    """Where replies go: a group's question gets them threaded under it; a language chosen on a
    menu in a private chat replaces that menu."""
    message = update.message or update.edited_message
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


def _text(message: Message, bot: Bot) -> str:
    """What the user wrote: the text or a photo's caption, without "@ThisBot" in a group."""
    text = message.text if message.text is not None else message.caption or ""
    return text if message.chat.type == Chat.PRIVATE else _without_mention(text, bot.username)


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
    for kind in (*ALLOWED_UPDATES, Update.CHANNEL_POST):
        if getattr(update, kind, None) is not None:
            return kind
    return "other"
