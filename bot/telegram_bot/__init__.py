"""The Telegram edge, the only package that imports `telegram`: `handlers` turns updates into
events for the service, `delivery` sends the replies, `app` wires and runs the application."""

from bot.telegram_bot.app import build_application, counters_of, run_bot
from bot.telegram_bot.handlers import ALLOWED_UPDATES

__all__ = ["ALLOWED_UPDATES", "build_application", "counters_of", "run_bot"]
