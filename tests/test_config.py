"""Settings from the environment: defaults that work anywhere, and a clear error naming the
variable (never echoing a secret) for every value the bot cannot use."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, default_data_dir, load_settings
from tests.conftest import FAQ_DIR, LOCALES_DIR, ROOT
from tests.fake_bot_api import TEST_TOKEN


def test_without_any_variable_the_bundled_folders_and_the_checkouts_data_are_used() -> None:
    settings = load_settings({})
    assert (settings.faq_dir, settings.locales_dir) == (FAQ_DIR, LOCALES_DIR)
    assert settings.data_dir == ROOT / "data"  # next to faq/, wherever the bot is started
    assert settings.token is None and not settings.webhook and settings.admins == frozenset()


def test_an_installed_bot_keeps_its_data_in_the_users_data_folder(tmp_path: Path) -> None:
    site_packages = tmp_path / "site-packages"  # no faq/ next to the package: not a checkout
    home = {"HOME": str(tmp_path / "home")}
    assert default_data_dir(home, site_packages) == tmp_path / "home/.local/share/kita-bot"
    xdg = {**home, "XDG_DATA_HOME": str(tmp_path / "xdg")}
    assert default_data_dir(xdg, site_packages) == tmp_path / "xdg/kita-bot"
    relative = {**home, "XDG_DATA_HOME": "xdg"}  # the XDG spec ignores relative paths
    assert default_data_dir(relative, site_packages) == tmp_path / "home/.local/share/kita-bot"


def test_every_variable_is_read(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "TELEGRAM_BOT_TOKEN": TEST_TOKEN,
            "TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081/",
            "KITA_BOT_WEBHOOK_URL": "https://bot.example.org/kita/hook",
            "KITA_BOT_WEBHOOK_SECRET": "s3cret_-",
            "KITA_BOT_WEBHOOK_LISTEN": "127.0.0.1",
            "KITA_BOT_WEBHOOK_PORT": "8080",
            "KITA_BOT_FAQ_DIR": str(tmp_path / "faq"),
            "KITA_BOT_DATA_DIR": str(tmp_path / "data"),
            "KITA_BOT_ADMINS": "42, 4242 -7",
            "KITA_BOT_OPERATOR": "Amt",
            "KITA_BOT_LOG_LEVEL": "debug",
            "KITA_BOT_RETENTION_DAYS": "7",
            "KITA_BOT_RELOAD_SECONDS": "0.5",
            "KITA_BOT_FLOOD_MESSAGES": "3",
            "KITA_BOT_FLOOD_SECONDS": "1.5",
            "LANG": "uk_UA.UTF-8",
        }
    )
    assert settings == Settings(
        token=TEST_TOKEN,
        api_base_url="http://127.0.0.1:8081",
        webhook_url="https://bot.example.org/kita/hook",
        webhook_secret="s3cret_-",
        webhook_listen="127.0.0.1",
        webhook_port=8080,
        faq_dir=tmp_path / "faq",
        data_dir=tmp_path / "data",
        admins=frozenset({42, 4242, -7}),
        operator="Amt",
        log_level="DEBUG",
        retention_days=7,
        reload_seconds=0.5,
        flood_messages=3,
        flood_seconds=1.5,
        terminal_lang="uk_UA",
    )
    assert settings.webhook and settings.webhook_path == "kita/hook"
    assert settings.require_token() == TEST_TOKEN


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"KITA_BOT_WEBHOOK_PORT": "80a"}, "KITA_BOT_WEBHOOK_PORT must be a whole number"),
        ({"KITA_BOT_RETENTION_DAYS": "0"}, "KITA_BOT_RETENTION_DAYS must be at least 1"),
        ({"KITA_BOT_RELOAD_SECONDS": "-1"}, "KITA_BOT_RELOAD_SECONDS must be greater than 0"),
        ({"KITA_BOT_FLOOD_SECONDS": "soon"}, "KITA_BOT_FLOOD_SECONDS must be a number"),
        ({"KITA_BOT_ADMINS": "42, @olena"}, "KITA_BOT_ADMINS must list numeric"),
        ({"KITA_BOT_LOG_LEVEL": "LOUD"}, "KITA_BOT_LOG_LEVEL must be DEBUG, INFO"),
        ({"TELEGRAM_API_BASE_URL": "127.0.0.1:8081"}, "TELEGRAM_API_BASE_URL must start with"),
        ({"KITA_BOT_WEBHOOK_URL": "https://bot.example.org/h"}, "KITA_BOT_WEBHOOK_SECRET is not"),
        ({"KITA_BOT_WEBHOOK_SECRET": "with space"}, "KITA_BOT_WEBHOOK_SECRET may only hold"),
    ],
)
def test_a_value_the_bot_cannot_use_is_named(env: dict[str, str], names: str) -> None:
    with pytest.raises(ConfigError, match=names):
        load_settings(env)


def test_the_webhook_listens_on_the_public_path_and_never_on_the_token() -> None:
    leaky = f"https://bot.example.org/{TEST_TOKEN}"
    with pytest.raises(ConfigError, match="contains the bot token") as raised:
        load_settings(
            {
                "TELEGRAM_BOT_TOKEN": TEST_TOKEN,
                "KITA_BOT_WEBHOOK_URL": leaky,
                "KITA_BOT_WEBHOOK_SECRET": "s",
            }
        )
    assert TEST_TOKEN not in str(raised.value)
    with pytest.raises(ConfigError, match="contains the bot token"):
        Settings(token=TEST_TOKEN, webhook_url=leaky, webhook_secret="s")


@pytest.mark.parametrize(
    ("token", "says"),
    [(None, "is not set"), ("12345:too-short-but-secret", "does not look like a bot token")],
)
def test_a_missing_or_malformed_token_is_explained_without_echoing_it(
    token: str | None, says: str
) -> None:
    with pytest.raises(ConfigError, match=says) as raised:
        Settings(token=token).require_token()
    assert "@BotFather" in str(raised.value)
    assert token is None or token not in str(raised.value)


@pytest.mark.parametrize(("lang", "code"), [("C.UTF-8", None), ("de_DE.UTF-8@euro", "de_DE")])
def test_the_terminals_language_comes_from_the_locale(lang: str, code: str | None) -> None:
    assert load_settings({"LANG": lang}).terminal_lang == code
    assert load_settings({"LC_ALL": "en_GB", "LANG": lang}).terminal_lang == "en_GB"
