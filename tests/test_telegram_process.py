"""`kita-bot run` as a process against the fake Bot API: token checks, start-up failures, SIGTERM,
no token or personal data in the logs, and the webhook's secret."""

from __future__ import annotations

import http.client
import itertools
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot.config import TOKEN_PATTERN
from bot.events import ChooseLanguage, encode
from bot.telegram_bot.transport import Backoff
from bot.telegram_bot.webhook import SECRET_HEADER
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


def one_line(stderr: str) -> str:
    """The only line of `stderr`, which must hold no traceback and no token."""
    assert "Traceback" not in stderr and not TOKEN_PATTERN.search(stderr), stderr
    lines = [line for line in stderr.splitlines() if " INFO " not in line]
    assert len(lines) == 1, stderr
    return lines[0]


def test_a_token_telegram_rejects_exits_non_zero(api: FakeBotApi, tmp_path: Path) -> None:
    env = environment(tmp_path, TELEGRAM_BOT_TOKEN=TEST_TOKEN.replace("AA", "ZZ"))
    env["TELEGRAM_API_BASE_URL"] = api.url
    result = run_once(env)
    assert result.returncode == 1
    assert "rejected TELEGRAM_BOT_TOKEN" in one_line(result.stderr)


def test_a_base_url_ending_in_bot_is_named_not_taken_for_a_rejected_token(
    api: FakeBotApi, tmp_path: Path
) -> None:
    env = environment(
        tmp_path, TELEGRAM_BOT_TOKEN=TEST_TOKEN, TELEGRAM_API_BASE_URL=f"{api.url}/bot"
    )
    result = run_once(env)
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert "TELEGRAM_API_BASE_URL" in line and "/bot" in line and api.url in line
    assert "rejected" not in line


@pytest.mark.parametrize("down", ["502 pages", "nothing listening"])
def test_an_unreachable_bot_api_gives_up_after_finite_retries_in_one_line(
    api: FakeBotApi, tmp_path: Path, down: str
) -> None:
    url = api.url if down == "502 pages" else f"http://127.0.0.1:{CLOSED_PORT}"
    api.fail("getMe", 502, times=100)
    env = environment(
        tmp_path,
        TELEGRAM_BOT_TOKEN=TEST_TOKEN,
        TELEGRAM_API_BASE_URL=url,
        KITA_BOT_RETRY_SECONDS="0.05",
    )
    result = run_once(env)
    assert result.returncode == 1
    line = one_line(result.stderr)
    assert "unreachable at start-up" in line and url in line
    if down == "502 pages":
        assert len(api.calls_to("getMe")) == Backoff().tries


# --- a whole session ---


def test_sigterm_during_a_pending_retry_stops_within_the_budget_and_says_what_it_dropped(
    api: FakeBotApi, tmp_path: Path, start_bot: object
) -> None:
    env = environment(tmp_path, TELEGRAM_BOT_TOKEN=TEST_TOKEN, TELEGRAM_API_BASE_URL=api.url)
    bot = start_bot(env)  # type: ignore[operator]
    assert api.wait_until(lambda: len(api.calls_to("getUpdates")) >= 2, timeout=30), bot.close()
    api.rate_limit("sendMessage", retry_after=30)  # Telegram asks for half a minute
    api.send_command(OKSANA, "/start")
    assert api.wait_until(lambda: bool(api.calls_to("sendMessage"))), bot.close()
    started = time.monotonic()
    assert bot.stop(timeout=10) == 0
    assert time.monotonic() - started < 5
    log = bot.close()
    assert "a sendMessage waiting to be retried was dropped" in log
    assert "Traceback" not in log


def test_a_second_instance_on_the_same_token_stops_instead_of_taking_turns(
    api: FakeBotApi, tmp_path: Path, start_bot: object
) -> None:
    env = environment(tmp_path, TELEGRAM_BOT_TOKEN=TEST_TOKEN, TELEGRAM_API_BASE_URL=api.url)
    bot = start_bot(env)  # type: ignore[operator]
    assert api.wait_until(lambda: len(api.calls_to("getUpdates")) >= 2, timeout=30), bot.close()
    api.fail(
        "getUpdates",
        409,
        "Conflict: terminated by other getUpdates request; make sure that only one bot "
        "instance is running",
        times=100,
    )
    assert bot.process.wait(timeout=10) == 1  # by itself, no signal
    assert "409 Conflict" in one_line(bot.close())
    assert len([c for c in api.calls_to("getUpdates") if c.status == 409]) == 1


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
    api.fail("getUpdates", 502)  # errors on the way: logged in a line each
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


def post_body(port: int, size: int, headers: dict[str, str], *, chunked: bool = False) -> str:
    """POST `size` zero bytes, streamed from 1 MiB pieces (never held whole here): the status,
    or the error when the server hangs up first."""
    piece = bytes(1 << 20)
    body = itertools.repeat(piece, size // len(piece))
    length = {} if chunked else {"Content-Length": str(size)}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("POST", "/kita-hook", body=body, headers={**headers, **length})
        return str(connection.getresponse().status)
    except OSError as error:
        return type(error).__name__
    finally:
        connection.close()


def rss_mib(pid: int) -> float:
    """The resident memory of process `pid` (Linux)."""
    status = Path(f"/proc/{pid}/status").read_text()
    [kib] = re.findall(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    return int(kib) / 1024


def test_webhook_checks_secret_and_size_before_reading_and_logs_no_update_it_cannot_read(
    api: FakeBotApi, tmp_path: Path, start_bot: object
) -> None:
    port = free_port()
    public = f"http://127.0.0.1:{port}/kita-hook"
    secret = "s3cret-Kita_hook"
    env = environment(
        tmp_path,
        TELEGRAM_BOT_TOKEN=TEST_TOKEN,
        TELEGRAM_API_BASE_URL=api.url,
        KITA_BOT_WEBHOOK_URL=public,
        KITA_BOT_WEBHOOK_SECRET=secret,
        KITA_BOT_WEBHOOK_LISTEN="127.0.0.1",
        KITA_BOT_WEBHOOK_PORT=str(port),
    )
    bot = start_bot(env)  # type: ignore[operator]
    assert api.wait_until(lambda: bool(api.calls_to("setWebhook")), timeout=30), bot.close()
    [registered] = api.calls_to("setWebhook")
    assert registered.params["url"] == public
    assert registered.params["secret_token"] == secret
    assert registered.params["allowed_updates"] == ["message", "edited_message", "callback_query"]
    assert TEST_TOKEN not in registered.params["url"]

    start = {"type": "bot_command", "offset": 0, "length": 6}
    message = api.message(OKSANA, text="/start", entities=[start])
    update = {"update_id": 1, "message": message}
    assert api.wait_until(lambda: post_update(public, update, "wrong") == 403, timeout=10)
    assert post_update(public, update, None) == 403
    assert not api.sent(OKSANA.id)

    # F9: five 90 MB bodies at once, without the secret, then one with it: none is read.
    before = rss_mib(bot.process.pid)
    json_type = {"Content-Type": "application/json"}
    strangers = [json_type] * 5 + [{**json_type, SECRET_HEADER: secret}]
    with ThreadPoolExecutor(len(strangers)) as pool:
        outcomes = list(pool.map(lambda h: post_body(port, 90 << 20, h), strangers))
    chunked = post_body(port, 3 << 20, {**json_type, SECRET_HEADER: secret}, chunked=True)
    grown = rss_mib(bot.process.pid) - before
    refused = {"403", "413", "400", "BrokenPipeError", "ConnectionResetError"}
    assert set(outcomes) <= refused and chunked in refused, (outcomes, chunked)
    assert grown < 30, f"RSS grew by {grown:.0f} MiB"

    # F12: an update the bot cannot read is refused and logged without its contents.
    sender = {**message["from"], "username": "olena_kravets"}
    private = {**message, "date": "not-a-date", "text": "Mein Sohn hat Epilepsie", "from": sender}
    assert post_update(public, {"update_id": 2, "message": private}, secret) == 400

    assert post_update(public, update, secret) == 200
    assert api.wait_until(lambda: len(api.sent(OKSANA.id)) == 1), bot.close()
    assert bot.stop() == 0
    log = bot.close()
    assert secret not in log
    assert "could not be read" in log
    for personal in (str(OKSANA.id), "olena_kravets", "Epilepsie"):
        assert personal not in log
