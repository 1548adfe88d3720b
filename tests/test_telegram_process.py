"""`kita-bot run` as a process against the fake Bot API: token checks, start-up failures, SIGTERM,
no token or personal data in the logs, and the webhook's secret."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import TOKEN_PATTERN
from bot.events import ChooseLanguage, encode
from tests.fake_bot_api import TEST_TOKEN, FakeBotApi, User

ROOT = Path(__file__).resolve().parent.parent
OKSANA = User(555000111, "Oksana", "uk")
QUESTION = "Як записати дитину в садочок у Дрездені?"
CLOSED_PORT = 9  # discard: nothing listens on loopback


def kita_bot() -> list[str]:
    script = Path(sys.executable).with_name("kita-bot")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
        "KITA_BOT_DATA_DIR": str(tmp_path / "data"),
        "KITA_BOT_FAQ_DIR": str(ROOT / "faq"),
        # Never api.telegram.org: a test that forgets the fake server reaches a closed port.
        "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{CLOSED_PORT}",
    }
    if "PYTHONPATH" in os.environ:  # whatever the test run itself imports from
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    env.update(extra)
    return env


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi() as server:
        yield server


class Bot:
    """A `kita-bot run` process; always stopped (or killed) at the end of the test."""

    def __init__(self, env: dict[str, str], tmp_path: Path) -> None:
        self.stderr_path = tmp_path / "stderr.log"
        self._stderr = self.stderr_path.open("wb")
        self.process = subprocess.Popen(
            [*kita_bot(), "run"],
            cwd=tmp_path,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
        )

    def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM, then the exit code; fails the test if the bot needs longer than `timeout`."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
            pytest.fail(f"kita-bot run did not stop within {timeout} s of SIGTERM")

    def close(self) -> str:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=5)
        self._stderr.close()
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")


@pytest.fixture
def start_bot(tmp_path: Path) -> Iterator[object]:
    started: list[Bot] = []

    def start(env: dict[str, str]) -> Bot:
        bot = Bot(env, tmp_path)
        started.append(bot)
        return bot

    yield start
    for bot in started:
        bot.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# --- the token check, without any server ---


def run_once(env: dict[str, str], timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*kita_bot(), "run"], env=env, capture_output=True, text=True, timeout=timeout
    )


def test_run_without_a_token_exits_with_an_explanation(tmp_path: Path) -> None:
    result = run_once(environment(tmp_path))
    assert result.returncode != 0
    assert "TELEGRAM_BOT_TOKEN" in result.stderr and "@BotFather" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_malformed_token_is_refused_without_echoing_it(tmp_path: Path) -> None:
    secret = "12345:too-short-but-secret"
    result = run_once(environment(tmp_path, TELEGRAM_BOT_TOKEN=secret))
    assert result.returncode != 0
    assert "TELEGRAM_BOT_TOKEN" in result.stderr
    assert secret not in result.stderr + result.stdout
    assert "too-short" not in result.stderr


def test_a_token_telegram_rejects_exits_non_zero(api: FakeBotApi, tmp_path: Path) -> None:
    env = environment(tmp_path, TELEGRAM_BOT_TOKEN=TEST_TOKEN.replace("AA", "ZZ"))
    env["TELEGRAM_API_BASE_URL"] = api.url
    result = run_once(env)
    assert result.returncode == 1
    assert "rejected TELEGRAM_BOT_TOKEN" in result.stderr
    assert not TOKEN_PATTERN.search(result.stderr)


def test_an_unreachable_bot_api_gives_up_after_finite_retries(
    api: FakeBotApi, tmp_path: Path
) -> None:
    api.fail("getMe", 502, times=100)
    env = environment(tmp_path, TELEGRAM_BOT_TOKEN=TEST_TOKEN, TELEGRAM_API_BASE_URL=api.url)
    result = run_once(env)
    assert result.returncode == 1
    assert "unreachable at start-up" in result.stderr
    assert 2 <= len(api.calls_to("getMe")) <= 10
    assert TEST_TOKEN not in result.stderr


# --- a whole session ---


def test_sigterm_stops_a_polling_bot_cleanly(
    api: FakeBotApi, tmp_path: Path, start_bot: object
) -> None:
    env = environment(tmp_path, TELEGRAM_BOT_TOKEN=TEST_TOKEN, TELEGRAM_API_BASE_URL=api.url)
    bot = start_bot(env)  # type: ignore[operator]
    assert api.wait_until(lambda: len(api.calls_to("getUpdates")) >= 2, timeout=30), bot.close()
    assert bot.stop(timeout=10) == 0


def test_a_debug_session_logs_neither_the_token_nor_personal_data(
    api: FakeBotApi, tmp_path: Path, start_bot: object
) -> None:
    env = environment(
        tmp_path,
        TELEGRAM_BOT_TOKEN=TEST_TOKEN,
        TELEGRAM_API_BASE_URL=api.url,
        KITA_BOT_LOG_LEVEL="DEBUG",
    )
    bot = start_bot(env)  # type: ignore[operator]
    assert api.wait_until(lambda: bool(api.calls_to("getUpdates")), timeout=30), bot.close()
    api.send_command(OKSANA, "/start")
    assert api.wait_until(lambda: len(api.sent(OKSANA.id)) >= 1), bot.close()
    api.send_text(OKSANA, QUESTION)
    assert api.wait_until(lambda: len(api.sent(OKSANA.id)) >= 2), bot.close()
    api.press(OKSANA, encode(ChooseLanguage("uk")), on=api.sent(OKSANA.id)[0])
    assert api.wait_until(lambda: bool(api.calls_to("answerCallbackQuery"))), bot.close()
    api.fail("getUpdates", 502)  # an error on the way: logged with its traceback
    api.fail("sendMessage", 400, "Bad Request: chat not found")
    api.send_sticker(OKSANA)
    assert api.wait_until(lambda: any(c.status == 400 for c in api.calls_to("sendMessage"))), (
        bot.close()
    )
    assert bot.stop() == 0
    log = bot.close()
    assert "receiving updates by long polling" in log
    assert "DEBUG" in log and "Bot API" in log
    assert TEST_TOKEN not in log and not TOKEN_PATTERN.search(log)
    assert TEST_TOKEN.split(":")[1] not in log
    assert str(OKSANA.id) not in log  # no user ids ...
    assert QUESTION not in log and "садочок" not in log  # ... and no message texts


# --- webhook ---


def post_update(url: str, update: dict[str, object], secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(url, json.dumps(update).encode(), headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            status: int = response.status
            return status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:  # not listening yet
        return 0


def test_webhook_refuses_a_wrong_secret_and_answers_the_right_one(
    api: FakeBotApi, tmp_path: Path, start_bot: object
) -> None:
    port = free_port()
    public = f"http://127.0.0.1:{port}/kita-hook"
    env = environment(
        tmp_path,
        TELEGRAM_BOT_TOKEN=TEST_TOKEN,
        TELEGRAM_API_BASE_URL=api.url,
        KITA_BOT_WEBHOOK_URL=public,
        KITA_BOT_WEBHOOK_SECRET="s3cret-Kita_hook",
        KITA_BOT_WEBHOOK_LISTEN="127.0.0.1",
        KITA_BOT_WEBHOOK_PORT=str(port),
    )
    bot = start_bot(env)  # type: ignore[operator]
    assert api.wait_until(lambda: bool(api.calls_to("setWebhook")), timeout=30), bot.close()
    [registered] = api.calls_to("setWebhook")
    assert registered.params["url"] == public
    assert registered.params["secret_token"] == "s3cret-Kita_hook"
    assert registered.params["allowed_updates"] == ["message", "callback_query"]
    assert TEST_TOKEN not in registered.params["url"]

    start = {"type": "bot_command", "offset": 0, "length": 6}
    update = {"update_id": 1, "message": api.message(OKSANA, text="/start", entities=[start])}
    assert api.wait_until(lambda: post_update(public, update, "wrong") == 403, timeout=10)
    assert post_update(public, update, None) == 403
    assert not api.sent(OKSANA.id)
    assert post_update(public, update, "s3cret-Kita_hook") == 200
    assert api.wait_until(lambda: len(api.sent(OKSANA.id)) == 1), bot.close()
    assert bot.stop() == 0
    assert "s3cret-Kita_hook" not in bot.close()
