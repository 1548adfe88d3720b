"""A locked, full, damaged or vanished database never stops or slows an answer: records wait in
memory, one warning says why, and they are written when storage is back."""

from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from bot.store import DB_NAME, Question, Store, Tuning
from tests.storage_faults import lock_held, run_child, shared_folder

DAY = date(2026, 11, 30)
EARLY = date(2026, 1, 1)
QUICK = Tuning(busy_timeout=0.05, retry_first=0.02, retry_max=0.2, warn_after=0.3)
"""Short waits, so that each test takes a second, not a minute."""


def counted(store: Store) -> int:
    return sum(row.n for row in store.counters(EARLY))


def warnings(caplog: pytest.LogCaptureFixture, text: str) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.WARNING and text in r.getMessage()
    ]


def wait_until(condition: object, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return True
        time.sleep(0.02)
    return False


def test_a_locked_database_delays_no_answer_and_every_record_lands_after(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Another process's write lock used to stall every user 5 s per message; 7 of 8 counters lost.
    store = Store(tmp_path, tuning=QUICK)
    store.remember_language(1, "uk")
    assert store.flush()
    slowest = 0.0
    with lock_held(store.path):
        for n in range(200):
            started = time.perf_counter()
            store.record(Question(DAY, "de", None, "none", f"Frage {n}"))
            store.remember_language(n, "de")
            store.language_of(n)
            slowest = max(slowest, time.perf_counter() - started)
            time.sleep(0.005)  # a second or so of traffic while locked
        assert store.language_of(1) == "de"  # the newest choice, from memory
        assert not store.health.working
        assert store.health.waiting > 0
    assert slowest < 0.1  # microseconds in practice; the old store waited 5 s here
    assert store.flush()
    assert counted(store) == 200
    assert store.health.working and store.health.dropped == 0
    assert len(warnings(caplog, "storage unavailable")) == 1
    assert len(warnings(caplog, "storage works again")) == 1
    store.close()
    assert Store(tmp_path).language_of(199) == "de"


def test_a_short_lock_is_not_worth_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = Store(tmp_path, tuning=Tuning(busy_timeout=0.02, retry_first=0.02, warn_after=2.0))
    with lock_held(store.path):
        store.record(Question(DAY, "de", "rights", "answer"))
        time.sleep(0.3)  # a staff report reading, a backup copying
    assert store.flush()
    assert counted(store) == 1
    assert not warnings(caplog, "storage")
    store.close()


def test_a_full_queue_drops_the_oldest_records_and_says_so_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = Store(tmp_path, tuning=Tuning(**{**QUICK.__dict__, "queue_limit": 50}))
    with lock_held(store.path):
        for n in range(120):
            store.record(Question(DAY, "de", f"label-{n}", "answer"))
        assert store.health.dropped == 70
        assert store.health.waiting == 50
    assert store.flush()
    written = {row.label for row in store.counters(EARLY)}
    assert written >= {f"label-{n}" for n in range(70, 120)}  # the newest 50
    # The oldest, when in a transaction as the lock ends, are written after all.
    assert len(written) + store.health.dropped == 120
    assert len(warnings(caplog, "dropped")) == 1
    store.close()


def test_closing_is_bounded_while_the_database_is_locked(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = Store(tmp_path, tuning=QUICK)
    with lock_held(store.path):
        store.record(Question(DAY, "de", None, "none", "Frage"))
        started = time.monotonic()
        assert store.close(timeout=1.0) is False
        assert time.monotonic() - started < 1.5
    assert warnings(caplog, "1 records not written")


def test_a_database_locked_at_start_still_starts_and_loads_choices_later(tmp_path: Path) -> None:
    first = Store(tmp_path)
    first.remember_language(1, "uk")
    first.remember_language(2, "uk")
    first.close()
    with lock_held(tmp_path / DB_NAME):
        started = time.monotonic()
        store = Store(tmp_path, tuning=QUICK, start_timeout=3.0)
        assert time.monotonic() - started < 1.0  # the first attempt fails fast
        store.remember_language(2, "en")  # chosen while the file could not be read
        assert store.language_of(2) == "en"
    assert wait_until(lambda: store.language_of(1) == "uk")
    assert store.language_of(2) == "en"  # the newer choice wins over the file's
    store.close()
    assert Store(tmp_path).language_of(2) == "en"


def damage_random(path: Path) -> None:
    path.write_bytes(os.urandom(8192))


def damage_truncated(path: Path) -> None:
    size = path.stat().st_size
    with path.open("r+b") as handle:
        handle.truncate(size // 2)


@pytest.mark.parametrize("damage", [damage_random, damage_truncated])
def test_a_damaged_database_at_start_is_moved_aside_and_a_new_one_started(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, damage: object
) -> None:
    first = Store(tmp_path)
    for n in range(300):  # several pages, so that a truncated file misses some
        first.record(Question(DAY, "de", None, "none", f"Frage {n} " + "Kita " * 20))
    first.close()
    assert callable(damage)
    damage(tmp_path / DB_NAME)
    damaged = (tmp_path / DB_NAME).read_bytes()
    store = Store(tmp_path)  # used to end the start with a traceback
    [moved] = tmp_path.glob(f"{DB_NAME}.damaged-*")
    assert moved.read_bytes() == damaged  # kept for whoever wants to look, never deleted
    assert len(warnings(caplog, "moved aside")) == 1
    store.record(Question(DAY, "de", "rights", "answer"))
    assert counted(store) == 1
    store.close()


def test_damage_while_running_is_noticed_on_the_next_write(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Overwritten in place: SQLite's cache hid it and the next start failed.
    store = Store(tmp_path, tuning=QUICK)
    store.remember_language(7, "uk")
    store.record(Question(DAY, "de", "rights", "answer"))
    assert store.flush()
    with (tmp_path / DB_NAME).open("r+b") as handle:
        handle.write(os.urandom(4096))
    store.record(Question(DAY, "de", "measles", "answer"))
    assert store.flush()
    assert len(warnings(caplog, "moved aside")) == 1
    assert [row.label for row in store.counters(EARLY)] == ["measles"]
    store.close()
    assert Store(tmp_path).language_of(7) == "uk"  # written again into the new file


def test_a_data_folder_deleted_while_running_is_made_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Writes used to go into the deleted files, and a restart forgot every language choice.
    data = tmp_path / "data"
    store = Store(data, tuning=QUICK)
    store.remember_language(7, "uk")
    assert store.flush()
    subprocess.run(["rm", "-rf", "--", str(data)], check=True)
    store.record(Question(DAY, "de", "rights", "answer"))
    assert store.flush()
    assert len(warnings(caplog, "deleted or replaced")) == 1
    assert counted(store) == 1
    store.close()
    assert (data / DB_NAME).exists()
    assert Store(data).language_of(7) == "uk"


_WRITER_UNDER_TRUNCATION = """
import json, sys, time
from datetime import date
from pathlib import Path
from bot.store import Question, Store
store = Store(Path(sys.argv[1]))
for n in range(80):
    store.record(Question(date(2026, 11, 30), "de", None, "none", f"Frage {n}"))
    if n == 20:
        print("truncate now", flush=True)
        sys.stdin.readline()
    time.sleep(0.005)
print(json.dumps(sum(row.n for row in store.counters(date(2026, 1, 1)))))
"""


def test_truncating_the_files_next_to_the_database_cannot_kill_the_bot(tmp_path: Path) -> None:
    # Truncating kita-bot.sqlite3-shm killed the process with SIGBUS, without a log line.
    child = subprocess.Popen(
        [sys.executable, "-c", _WRITER_UNDER_TRUNCATION, str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdin is not None and child.stdout is not None
    assert child.stdout.readline().strip() == "truncate now"
    assert not (tmp_path / f"{DB_NAME}-shm").exists()  # nothing is mapped into memory
    for companion in tmp_path.glob(f"{DB_NAME}-*"):
        with companion.open("r+b") as handle:
            handle.truncate(0)
    child.stdin.write("\n")
    child.stdin.flush()
    output, _ = child.communicate(timeout=30)  # closes the pipes
    assert child.returncode == 0
    assert output.strip().splitlines()[-1] == "80"


_FULL_DISK = """
import json, resource, signal, sys
from datetime import date
from pathlib import Path
from bot.store import Question, Store, Tuning
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
store = Store(Path(sys.argv[1]), tuning=Tuning(retry_first=0.02, retry_max=0.2))
store.remember_language(7, "uk")
store.flush()
soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
resource.setrlimit(resource.RLIMIT_FSIZE, (store.path.stat().st_size, hard))  # the disk is full
for n in range(300):
    store.record(Question(date(2026, 11, 30), "de", None, "none", f"Frage {n} " + "Kita " * 90))
store.remember_language(8, "en")
full = {"flushed": store.flush(timeout=1), "health": store.health.__dict__,
        "language": store.language_of(8)}
resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))  # space again
flushed = store.flush(timeout=5)
print(json.dumps({"full": full, "flushed": flushed, "health": store.health.__dict__,
                  "counted": sum(r.n for r in store.counters(date(2026, 1, 1)))}))
"""


def test_a_full_disk_delays_records_and_they_land_when_space_returns(tmp_path: Path) -> None:
    # A full disk lost every counter of the full period, with a traceback per message.
    result = run_child(_FULL_DISK, str(tmp_path))
    assert result["full"]["flushed"] is False
    assert result["full"]["health"]["working"] is False
    assert result["full"]["health"]["waiting"] > 0
    assert result["full"]["language"] == "en"
    assert result["flushed"] is True
    assert result["health"]["working"] is True
    assert result["counted"] == 300


_UNWRITABLE = """
import json, sys, time
from datetime import date
from pathlib import Path
from bot.store import Question, Store, Tuning, berlin_today
berlin_today()  # the time zone is read now, while its files can be read
as_nobody()
started = time.monotonic()
store = Store(Path(sys.argv[1]), tuning=Tuning(retry_max=0.2))
store.remember_language(7, "uk")
store.record(Question(date(2026, 11, 30), "de", None, "none", "Frage"))
print(json.dumps({"seconds": time.monotonic() - started, "language": store.language_of(7),
                  "health": store.health.__dict__, "closed": store.close(timeout=1)}))
"""


@pytest.mark.parametrize("folder_exists", [False, True])
def test_an_unwritable_data_folder_starts_and_answers_from_memory(folder_exists: bool) -> None:
    # No start at all: PermissionError for the data folder or the key file.
    with shared_folder() as base:
        parent = base / "readonly"
        parent.mkdir()
        data = parent / "data"
        if folder_exists:
            data.mkdir()
        for folder in (data, parent) if folder_exists else (parent,):
            folder.chmod(0o555)
        result = run_child(_UNWRITABLE, str(data))
    assert result["seconds"] < 3
    assert result["language"] == "uk"
    assert result["health"]["working"] is False
    assert "Permission denied" in result["health"]["problem"]
    assert result["closed"] is False  # the question could not be written, and it says so


def test_an_unexpected_refusal_loses_one_record_not_the_queue(tmp_path: Path) -> None:
    store = Store(tmp_path, tuning=QUICK)
    with sqlite3.connect(store.path) as db:  # a table that refuses one label, as a bug might
        db.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON counters WHEN NEW.label = 'bad' "
            "BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )
    with lock_held(store.path):  # so that all three wait and are written in one batch
        for label in ("rights", "bad", "measles"):
            store.record(Question(DAY, "de", label, "answer"))
    assert store.flush()
    assert sorted(row.label for row in store.counters(EARLY)) == ["measles", "rights"]
    assert store.health.refused == 1
    store.close()


_READ_ONLY = """
import json, sys
from datetime import date
from pathlib import Path
from bot.store import Question, Store, Tuning, berlin_today
berlin_today()
as_nobody()
store = Store(Path(sys.argv[1]), tuning=Tuning(retry_max=0.2))
before = store.language_of(7)
store.remember_language(8, "en")
store.record(Question(date(2026, 11, 30), "de", None, "none", "Frage"))
print(json.dumps({"before": before, "chosen": store.language_of(8),
                  "flushed": store.flush(timeout=0.5), "health": store.health.__dict__}))
"""


def test_read_only_storage_keeps_the_choices_it_holds_and_takes_new_ones_in_memory() -> None:
    # A read-only disk: 0 of 4 language buttons answered.
    with shared_folder() as base:
        data = base / "data"
        first = Store(data)
        first.remember_language(7, "uk")
        first.close()
        for path in data.iterdir():
            path.chmod(0o644)  # readable, as on a read-only mount; nobody may not write
        data.chmod(0o555)
        result = run_child(_READ_ONLY, str(data))
    assert result["before"] == "uk"
    assert result["chosen"] == "en"
    assert result["flushed"] is False
    assert "readonly" in result["health"]["problem"]
