"""What the bot says without being asked: the command menus, and the admins' alerts about faq/.

The menu is published per client language at start; after a user chooses a language, their
private chat gets the menu in that language (Telegram prefers a chat's own menu to the one for
the client language). Admins hear about broken faq/ files once per broken version: at start when
a snapshot or only the valid files serve, and whenever a reload (timer or /reload) fails.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from telegram import Bot, BotCommand, BotCommandScopeChat, Chat
from telegram.error import Forbidden, InvalidToken, TelegramError

from bot.models import Lang
from bot.telegram_bot.core import Core
from bot.telegram_bot.delivery import Delivery, Target

log = logging.getLogger(__name__)


class Menus:
    """Telegram's command menu, in the client's language or the one the user chose."""

    def __init__(self, service: Core) -> None:
        self.service = service

    async def publish(self, bot: Bot) -> None:
        """The menu in each client language, and a default for everyone else."""
        try:
            for code, menu in await asyncio.to_thread(self.service.command_menus):
                await bot.set_my_commands(_commands(menu), language_code=code)
        except (InvalidToken, Forbidden):
            raise
        except TelegramError as exc:  # a missing menu is no reason not to answer
            log.warning("could not publish the command menu: %s", type(exc).__name__)

    async def follow(self, bot: Bot, chat_id: int, lang: Lang) -> None:
        """Show the menu of `lang` in this private chat, whatever the client's language."""
        menus = dict(await asyncio.to_thread(self.service.command_menus))
        menu = menus.get(lang)
        if menu is None:
            return
        try:
            await bot.set_my_commands(_commands(menu), scope=BotCommandScopeChat(chat_id))
        except TelegramError as exc:  # the client's menu stays; the replies are in `lang`
            log.warning("could not set a chat's command menu: %s", type(exc).__name__)


def _commands(menu: Sequence[tuple[str, str]]) -> list[BotCommand]:
    return [BotCommand(name, description) for name, description in menu]


class AdminAlerts:
    """Tells the admins, in their private chats, what is wrong with faq/; once per version."""

    def __init__(self, service: Core, admins: frozenset[int], delivery: Delivery) -> None:
        self.service = service
        self.admins = admins
        self.delivery = delivery
        self._told: dict[int, str] = {}
        """Per admin, the alert last sent; forgotten once faq/ loads cleanly again."""

    async def tell(self, bot: Bot, *, answered: int | None = None) -> None:
        """Send each admin the current alert unless they had it (`answered` has, from /reload)."""
        for admin in sorted(self.admins):
            alert = await asyncio.to_thread(self.service.faq_alert, admin)
            if alert is None:
                self._told.pop(admin, None)
                continue
            if self._told.get(admin) == alert.text:
                continue
            self._told[admin] = alert.text
            if admin == answered:
                continue
            try:
                await self.delivery.deliver(bot, Target(Chat(admin, Chat.PRIVATE)), admin, (alert,))
            except TelegramError as exc:  # e.g. an admin who never started the bot
                log.warning("could not alert an admin about faq/: %s", type(exc).__name__)
