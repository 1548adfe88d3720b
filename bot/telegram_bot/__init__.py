"""The Telegram edge, the only package that imports `telegram`: `handlers` turns updates into
events for the service, `delivery` sends the replies, `transport` retries what failed, `notices`
keeps the command menus and the admins informed, `webhook` receives updates by webhook, `app`
wires an application and `run` runs it."""

from bot.telegram_bot.app import build_application, counters_of, wiring_of
from bot.telegram_bot.handlers import ALLOWED_UPDATES
from bot.telegram_bot.run import Runner, run_bot

__all__ = ["ALLOWED_UPDATES", "Runner", "build_application", "counters_of", "run_bot", "wiring_of"]
