"""Settings: one frozen object built from an environment mapping, and where the bot's folders
are. Nothing else reads os.environ."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parent
_SHIPPED = _PACKAGE / "_data"

TOKEN_PATTERN = re.compile(r"\d{5,15}:[A-Za-z0-9_-]{30,60}")
"""The shape of a Bot API token; also what log redaction looks for."""

_SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,256}")


class ConfigError(ValueError):
    """A setting has a value we cannot use; the message names the variable, never a secret."""


def _bundled(name: str) -> Path:
    # A checkout (or an editable install) uses the top-level folder that staff edit; an
    # installed wheel carries its own copy under bot/_data.
    for candidate in (_CHECKOUT / name, _SHIPPED / name):
        if candidate.is_dir():
            return candidate
    return _CHECKOUT / name


def default_faq_dir() -> Path:
    """The `faq/` folder of this checkout or installation (KITA_BOT_FAQ_DIR overrides it)."""
    return _bundled("faq")


def default_locales_dir() -> Path:
    """The `locales/` folder with the gettext catalogs."""
    return _bundled("locales")


def default_data_dir(env: Mapping[str, str] | None = None, checkout: Path = _CHECKOUT) -> Path:
    """Where the database and the key live (KITA_BOT_DATA_DIR overrides it): `data/` next to
    `faq/` in a checkout; for an installed wheel the user's data folder, $XDG_DATA_HOME/kita-bot
    or ~/.local/share/kita-bot. Never the working directory: a bot started from elsewhere
    would make a second database and a second key."""
    if (checkout / "faq").is_dir():
        return checkout / "data"
    env = os.environ if env is None else env
    xdg = env.get("XDG_DATA_HOME", "")
    home = Path(env["HOME"]) if env.get("HOME") else Path.home()
    base = Path(xdg) if Path(xdg).is_absolute() else home / ".local" / "share"
    return base / "kita-bot"


@dataclass(frozen=True)
class Settings:
    token: str | None = field(default=None, repr=False)
    api_base_url: str | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    faq_dir: Path = field(default_factory=default_faq_dir)
    locales_dir: Path = field(default_factory=default_locales_dir)
    data_dir: Path = field(default_factory=default_data_dir)
    admins: frozenset[int] = frozenset()
    operator: str | None = None
    log_level: str = "INFO"
    retention_days: int = 30
    reload_seconds: float = 2.0
    flood_messages: int = 5
    flood_seconds: float = 10.0
    flood_taps: int = 12
    """Button presses per `flood_seconds`: browsing by buttons every second is no flood."""
    retry_seconds: float = 0.5
    """The first wait before a failed reply is sent again (then twice as long, four tries)."""
    terminal_lang: str | None = None
    """The terminal's language from LC_ALL / LC_MESSAGES / LANG, e.g. "uk_UA"."""

    def __post_init__(self) -> None:
        if self.webhook_url and not self.webhook_secret:
            raise ConfigError(
                "KITA_BOT_WEBHOOK_URL is set but KITA_BOT_WEBHOOK_SECRET is not: a webhook needs "
                "a secret of 1-256 letters, digits, '_' or '-'."
            )
        if self.token and self.webhook_url and self.token in self.webhook_url:
            raise ConfigError(
                "KITA_BOT_WEBHOOK_URL contains the bot token; use a path without it (the secret "
                "KITA_BOT_WEBHOOK_SECRET already proves that a request comes from Telegram)."
            )

    @property
    def webhook(self) -> bool:
        """True when the bot should receive updates by webhook instead of long polling."""
        return self.webhook_url is not None

    @property
    def webhook_path(self) -> str:
        """The local path the webhook listens on: the path of KITA_BOT_WEBHOOK_URL."""
        return urlsplit(self.webhook_url or "").path.strip("/")

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


def _api_base_url(env: Mapping[str, str]) -> str | None:
    url = _url(env, "TELEGRAM_API_BASE_URL")
    # The bot adds /bot<token>/<method> itself; Telegram answers a doubled /bot with 404, which
    # would read as a rejected token.
    if url is not None and urlsplit(url).path.lower().endswith("/bot"):
        raise ConfigError(
            "TELEGRAM_API_BASE_URL must be the server's address without /bot at the end "
            f"(the bot adds /bot<token> itself): use {url[: -len('/bot')]!r}."
        )
    return url


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
    webhook_secret = _text(env, "KITA_BOT_WEBHOOK_SECRET")
    if webhook_secret and not _SECRET_PATTERN.fullmatch(webhook_secret):
        raise ConfigError(
            "KITA_BOT_WEBHOOK_SECRET may only hold 1-256 letters, digits, '_' or '-'."
        )
    log_level = (_text(env, "KITA_BOT_LOG_LEVEL") or "INFO").upper()
    if log_level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ConfigError(
            f"KITA_BOT_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {log_level!r}."
        )
    faq, data = _text(env, "KITA_BOT_FAQ_DIR"), _text(env, "KITA_BOT_DATA_DIR")
    return Settings(
        token=_text(env, "TELEGRAM_BOT_TOKEN"),
        api_base_url=_api_base_url(env),
        webhook_url=_url(env, "KITA_BOT_WEBHOOK_URL"),
        webhook_secret=webhook_secret,
        webhook_listen=_text(env, "KITA_BOT_WEBHOOK_LISTEN") or "0.0.0.0",
        webhook_port=_int(env, "KITA_BOT_WEBHOOK_PORT", 8443, minimum=1),
        faq_dir=Path(faq) if faq else default_faq_dir(),
        data_dir=Path(data) if data else default_data_dir(env),
        admins=_admins(env),
        operator=_text(env, "KITA_BOT_OPERATOR"),
        log_level=log_level,
        retention_days=_int(env, "KITA_BOT_RETENTION_DAYS", 30, minimum=1),
        reload_seconds=_float(env, "KITA_BOT_RELOAD_SECONDS", 2.0),
        flood_messages=_int(env, "KITA_BOT_FLOOD_MESSAGES", 5, minimum=1),
        flood_seconds=_float(env, "KITA_BOT_FLOOD_SECONDS", 10.0),
        flood_taps=_int(env, "KITA_BOT_FLOOD_TAPS", 12, minimum=1),
        retry_seconds=_float(env, "KITA_BOT_RETRY_SECONDS", 0.5),
        terminal_lang=_terminal_lang(env),
    )
