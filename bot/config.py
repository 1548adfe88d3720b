"""Settings: one frozen object built from an environment mapping. Nothing else reads os.environ."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.paths import default_faq_dir

TOKEN_PATTERN = re.compile(r"\d{5,15}:[A-Za-z0-9_-]{30,60}")
"""The shape of a Bot API token; also what log redaction looks for."""

_SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,256}")


class ConfigError(ValueError):
    """A setting has a value we cannot use; the message names the variable, never a secret."""


@dataclass(frozen=True)
class Settings:
    token: str | None = field(default=None, repr=False)
    api_base_url: str | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    faq_dir: Path = field(default_factory=default_faq_dir)
    data_dir: Path = Path("data")
    admins: frozenset[int] = frozenset()
    operator: str | None = None
    log_level: str = "INFO"
    retention_days: int = 30
    reload_seconds: float = 2.0
    flood_messages: int = 5
    flood_seconds: float = 10.0
    terminal_lang: str | None = None
    """The terminal's language from LC_ALL / LC_MESSAGES / LANG, e.g. "uk_UA"."""

    @property
    def webhook(self) -> bool:
        """True when the bot should receive updates by webhook instead of long polling."""
        return self.webhook_url is not None

    def require_token(self) -> str:
        """The token, or a ConfigError that explains how to get one (without echoing a value)."""
        if not self.token:
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN is not set. Create a bot with @BotFather in Telegram and "
                "export its token as TELEGRAM_BOT_TOKEN."
            )
        if not TOKEN_PATTERN.fullmatch(self.token):
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN does not look like a bot token (digits, a colon, then about "
                "35 letters, digits, '-' or '_'). Copy it again from @BotFather."
            )
        return self.token


def _text(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = _text(env, name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}.") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}.")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = _text(env, name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, got {raw!r}.") from None
    if value <= 0:
        raise ConfigError(f"{name} must be greater than 0, got {raw!r}.")
    return value


def _admins(env: Mapping[str, str]) -> frozenset[int]:
    raw = _text(env, "KITA_BOT_ADMINS")
    if raw is None:
        return frozenset()
    ids = set()
    for part in re.split(r"[,\s]+", raw):
        if not part:
            continue
        if not part.lstrip("-").isdigit():
            raise ConfigError(
                f"KITA_BOT_ADMINS must list numeric Telegram user ids separated by commas, "
                f"got {part!r}."
            )
        ids.add(int(part))
    return frozenset(ids)


def _url(env: Mapping[str, str], name: str) -> str | None:
    value = _text(env, name)
    if value is not None and not re.match(r"https?://[^\s/]+", value):
        raise ConfigError(f"{name} must start with http:// or https://, got {value!r}.")
    return value.rstrip("/") if value else None


def _terminal_lang(env: Mapping[str, str]) -> str | None:
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = _text(env, name)
        if value:
            code = value.split(".")[0].split("@")[0]
            return None if code in ("C", "POSIX") else code
    return None


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build Settings from `env` (default: the process environment); ConfigError names a bad variable."""
    env = os.environ if env is None else env
    webhook_url = _url(env, "KITA_BOT_WEBHOOK_URL")
    webhook_secret = _text(env, "KITA_BOT_WEBHOOK_SECRET")
    if webhook_url and not webhook_secret:
        raise ConfigError(
            "KITA_BOT_WEBHOOK_URL is set but KITA_BOT_WEBHOOK_SECRET is not: a webhook needs a "
            "secret of 1-256 letters, digits, '_' or '-'."
        )
    if webhook_secret and not _SECRET_PATTERN.fullmatch(webhook_secret):
        raise ConfigError(
            "KITA_BOT_WEBHOOK_SECRET may only hold 1-256 letters, digits, '_' or '-'."
        )
    log_level = (_text(env, "KITA_BOT_LOG_LEVEL") or "INFO").upper()
    if log_level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ConfigError(
            f"KITA_BOT_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {log_level!r}."
        )
    faq = _text(env, "KITA_BOT_FAQ_DIR")
    return Settings(
        token=_text(env, "TELEGRAM_BOT_TOKEN"),
        api_base_url=_url(env, "TELEGRAM_API_BASE_URL"),
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        webhook_listen=_text(env, "KITA_BOT_WEBHOOK_LISTEN") or "0.0.0.0",
        webhook_port=_int(env, "KITA_BOT_WEBHOOK_PORT", 8443, minimum=1),
        faq_dir=Path(faq) if faq else default_faq_dir(),
        data_dir=Path(_text(env, "KITA_BOT_DATA_DIR") or "data"),
        admins=_admins(env),
        operator=_text(env, "KITA_BOT_OPERATOR"),
        log_level=log_level,
        retention_days=_int(env, "KITA_BOT_RETENTION_DAYS", 30, minimum=1),
        reload_seconds=_float(env, "KITA_BOT_RELOAD_SECONDS", 2.0),
        flood_messages=_int(env, "KITA_BOT_FLOOD_MESSAGES", 5, minimum=1),
        flood_seconds=_float(env, "KITA_BOT_FLOOD_SECONDS", 10.0),
        terminal_lang=_terminal_lang(env),
    )
