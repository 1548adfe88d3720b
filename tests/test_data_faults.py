"""The terminal chat and `kita-bot run` start and answer when the data folder cannot be used: a
damaged database, a folder that cannot be created, a full disk. Real processes, real faults."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.store.store import DB_NAME
from tests.fake_bot_api import TEST_TOKEN, FakeBotApi, User
from tests.test_telegram_process import QUESTION, environment, kita_bot

OKSANA = User(555000222, "Oksana", "uk")
Fault = Callable[[Path], Path]
"""Prepares a fault under a test's folder and returns the data folder to use."""


def damaged_database(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    (data / DB_NAME).write_bytes(b"this is no SQLite file \x00\xff" * 200)
    return data


def folder_that_cannot_be_made(tmp_path: Path) -> Path:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder's parent should be", encoding="utf-8")
    return blocker / "data"  # ENOTDIR, even for root


def full_disk(tmp_path: Path) -> Path:
    return tmp_path / "data"  # the process gets no room to write (see `_limits`)


FAULTS = {
    "damaged database": damaged_database,
    "folder cannot be made": folder_that_cannot_be_made,
    "full disk": full_disk,
}


def _limits(fault: str) -> Callable[[], None] | None:
    """For a full disk: every file write beyond 0 bytes fails with EFBIG, as on a full disk
    (SIGXFSZ ignored, as a service manager would not let it kill the bot either)."""
    if fault != "full disk":
        return None

    def no_room() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))

    return no_room


@pytest.mark.parametrize("fault", FAULTS)
def test_the_terminal_chat_answers_whatever_the_data_folder(tmp_path: Path, fault: str) -> None:
    data = FAULTS[fault](tmp_path)
    env = environment(tmp_path, KITA_BOT_DATA_DIR=str(data))
    env.pop("TELEGRAM_API_BASE_URL")
    result = subprocess.run(
        [*kita_bot(), "chat"],
        input=f"{QUESTION}\n",
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
        preexec_fn=_limits(fault),
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Kitaportal" in result.stdout  # the registration answer, in Ukrainian
    assert "садоч" in result.stdout
    assert "Traceback" not in result.stderr
    if fault == "damaged database":  # moved aside, never deleted
        assert any(p.name.startswith(f"{DB_NAME}.damaged-") for p in data.iterdir())


@pytest.mark.parametrize("fault", FAULTS)
def test_the_telegram_bot_starts_and_answers_whatever_the_data_folder(
    api: FakeBotApi, tmp_path: Path, fault: str
) -> None:
    data = FAULTS[fault](tmp_path)
    env = environment(
        tmp_path,
        KITA_BOT_DATA_DIR=str(data),
        TELEGRAM_BOT_TOKEN=TEST_TOKEN,
        TELEGRAM_API_BASE_URL=api.url,
    )
    log = tmp_path / "stderr.log"
    with log.open("wb") as stderr:
        bot = subprocess.Popen(
            [*kita_bot(), "run"],
            cwd=tmp_path,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            preexec_fn=_limits(fault),
        )
        try:
            assert api.wait_until(lambda: bool(api.calls_to("getUpdates")), timeout=30), (
                log.read_text(errors="replace")
            )
            api.send_text(OKSANA, QUESTION)
            assert api.wait_until(lambda: len(api.sent(OKSANA.id)) >= 1, timeout=30)
            assert "Kitaportal" in api.sent(OKSANA.id)[0].text
            bot.send_signal(signal.SIGTERM)
            assert bot.wait(timeout=15) == 0
        finally:
            if bot.poll() is None:
                bot.kill()
                bot.wait(timeout=5)
    assert "Traceback" not in log.read_text(errors="replace")


def test_a_full_disk_really_refuses_writes(tmp_path: Path) -> None:
    """The fault itself: under the limit, writing a file fails (so the tests above test it)."""
    script = "f = open('f', 'wb'); f.write(b'x' * 10); f.flush()"
    limits = _limits("full disk")
    result = subprocess.run(
        ["python3", "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        preexec_fn=limits,
        check=False,
        env={"PATH": os.environ.get("PATH", "")},
    )
    assert result.returncode != 0 and "File too large" in result.stderr
