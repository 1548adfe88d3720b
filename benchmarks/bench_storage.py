"""What storage costs a message, before, during and after another process locks the database.

A steady load of what the service does per message (read the user's language; count the
question, a quarter of them kept as unanswered text; now and then a language choice or a vote)
runs for three phases; in the middle one another process holds an exclusive lock on the
database (as the sqlite3 shell in a transaction, a backup or a VACUUM would). Printed: the time
each message spent in storage calls (p50, p99, max), the records written in each phase, and the
process's resident memory.

    .venv/bin/python benchmarks/bench_storage.py [--phase 10] [--rate 200]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.store import Question, Store  # noqa: E402
from tests.storage_faults import lock_held  # noqa: E402

DAY = date(2026, 11, 30)
WORDS = ("kita", "platz", "anmeldung", "gutschein", "dresden", "kind", "eltern", "zoo", "frage")


def rss_mb() -> float:
    """Resident memory of this process, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def one_message(store: Store, rng: random.Random, n: int) -> float:
    """What the service does with storage for one message; the seconds it took."""
    user = rng.randrange(2000)
    text = " ".join(rng.choices(WORDS, k=8)) + f" {n}" if rng.random() < 0.25 else None
    started = time.perf_counter()
    store.language_of(user)
    store.record(
        Question(DAY, "de", None if text else "rights", "none" if text else "answer", text)
    )
    if n % 20 == 0:
        store.remember_language(user, rng.choice(("de", "uk", "en")))
    if n % 10 == 0:
        store.vote(user, DAY, "rights", rng.random() < 0.8)
    return time.perf_counter() - started


def run_phase(
    store: Store, rng: random.Random, seconds: float, rate: float, start: int
) -> list[float]:
    """Send messages at `rate` per second for `seconds`; their storage times."""
    times = []
    began = time.perf_counter()
    n = start
    while (elapsed := time.perf_counter() - began) < seconds:
        times.append(one_message(store, rng, n))
        n += 1
        time.sleep(max(0.0, (n - start) / rate - elapsed))
    return times


def quantile(times: list[float], q: float) -> float:
    return statistics.quantiles(times, n=1000)[int(q * 1000) - 1] if len(times) > 1 else times[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phase", type=float, default=10.0, help="seconds per phase (10)")
    parser.add_argument("--rate", type=float, default=200.0, help="messages per second (200)")
    args = parser.parse_args()
    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as folder:
        rss_start = rss_mb()
        store = Store(Path(folder))
        rows: list[tuple[str, list[float], int, float]] = []
        times = run_phase(store, rng, args.phase, args.rate, 0)
        store.flush()
        written = store.health.written
        rows.append(("before", times, written, rss_mb()))
        with lock_held(store.path):
            times = run_phase(store, rng, args.phase, args.rate, len(times))
            during = store.health
            rows.append(("locked", times, during.written - written, rss_mb()))
        released = time.perf_counter()
        store.flush(timeout=30)
        caught_up = time.perf_counter() - released
        written = during.written
        times = run_phase(store, rng, args.phase, args.rate, 10**6)
        store.close(timeout=10)
        rows.append(("after", times, store.health.written - written, rss_mb()))
        print(f"{args.rate:g} messages/s, {args.phase:g} s per phase; the lock held the middle one")
        print(
            f"{'phase':8} {'messages':>8} {'p50 µs':>8} {'p99 µs':>8} {'max ms':>8} "
            f"{'written':>8} {'RSS MB':>7}"
        )
        for name, phase_times, phase_written, rss in rows:
            print(
                f"{name:8} {len(phase_times):8d} {quantile(phase_times, 0.5) * 1e6:8.0f} "
                f"{quantile(phase_times, 0.99) * 1e6:8.0f} {max(phase_times) * 1e3:8.2f} "
                f"{phase_written:8d} {rss:7.1f}"
            )
        health = store.health
        print(f"waiting when the lock ended: {during.waiting}; written {caught_up:.2f} s after it")
        print(f"dropped {health.dropped}, refused {health.refused}, left {health.waiting}")
        print(f"RSS at start {rss_start:.1f} MB")


if __name__ == "__main__":
    main()
