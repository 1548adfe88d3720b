"""Soak: the real ChatService under 20,000 messages while another process locks its database.

Run from the checkout:  .venv/bin/python benchmarks/soak.py [--messages 20000] [--rate 250]

The service is built as `kita-bot run` builds it (`build_service`: the real faq/, matcher,
catalogs and SQLite store in a temporary data folder), without Telegram: each message is one
`ChatService.handle` call in a pool of worker threads, as the Telegram edge makes them
(`asyncio.to_thread`). Messages are released at a steady rate from many users (2,000 by
default) with their own client languages: questions from benchmarks/eval/tune.yaml, button
presses (topics, sub-answers, More, 👍/👎, "none of these", the menu), language choices,
commands, small talk and 10,000-character messages; an admin asks /stats or /unanswered every
500 messages. In the middle of the run a second process holds an exclusive SQLite lock on the
bot's database for 10 s (as the sqlite3 shell in a transaction, a backup or a VACUUM would).

Reply latency is measured from the moment a message is released to the moment its outcome is
back (queueing in the pool included), per phase: before, during and after the lock. Printed:
p50, p99 and max, resident memory, the records written per phase, records dropped, how long the
backlog took after the lock. The run fails (exit 1) if anything crashed: an exception out of
the service, an error reply, an ERROR log line, an empty outcome, a question not counted, a
record dropped or left unwritten at the end.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypeAlias

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_storage import rss_mb  # noqa: E402
from bot import replies  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.evaluation import load_eval  # noqa: E402
from bot.events import (  # noqa: E402
    ButtonEvent,
    ChooseLanguage,
    Command,
    CommandEvent,
    Event,
    Feedback,
    Menu,
    NoneOfThese,
    Outcome,
    Rated,
    ShowLabel,
    ShowMore,
    TextEvent,
)
from bot.logs import configure_logging  # noqa: E402
from bot.models import LANGUAGES, Question  # noqa: E402
from bot.service import ChatService, build_service  # noqa: E402
from bot.store import DB_NAME  # noqa: E402
from tests.storage_faults import lock_held  # noqa: E402

Phase: TypeAlias = Literal["before", "locked", "after"]
PHASES: tuple[Phase, ...] = ("before", "locked", "after")

ADMIN = 4242
STAFF_EVERY = 500
"""Every this many messages, the admin asks for /stats or /unanswered (alternately)."""
CLIENT_LANGUAGES = ("uk", "uk", "ru", "de", "en", None)
SMALL_TALK = (
    "Hallo",
    "Danke!",
    "Vielen Dank, das hat mir sehr geholfen!",
    "Привіт",
    "Дякую!",
    "Дякую, все зрозуміло",
    "thanks",
    "ok",
    "hi",
    "👍",
)
COMMANDS: tuple[Command, ...] = ("start", "help", "topics", "contact", "hours", "privacy")
LONG_CHARS = 10_000
LONG_POOL = 100


@dataclass(frozen=True)
class Message:
    user: int
    event: Event
    client_lang: str | None
    kind: str


def plan(count: int, users: int, seed: int, texts: list[str], labels: list[str]) -> list[Message]:
    """`count` messages from `users` users, the same for the same seed."""
    rng = random.Random(seed)
    client = {user: rng.choice(CLIENT_LANGUAGES) for user in range(1, users + 1)}
    kinds = ("question", "button", "language", "smalltalk", "command", "long")
    weights = (55, 18, 7, 10, 5, 5)
    # 100 long messages reused: the benchmark holds 1 M characters of them, not 10 M.
    long_ones = [long_message(rng, texts) for _ in range(LONG_POOL)]
    vocabulary = sorted({word for text in texts for word in text.split()})
    messages: list[Message] = []
    for n in range(count):
        if n % STAFF_EVERY == STAFF_EVERY - 1:
            name: Command = "stats" if (n // STAFF_EVERY) % 2 == 0 else "unanswered"
            messages.append(Message(ADMIN, CommandEvent(name), "de", "staff"))
            continue
        user = rng.randrange(1, users + 1)
        kind = rng.choices(kinds, weights)[0]
        event: Event
        match kind:
            case "question":
                event = TextEvent(question(rng, texts, vocabulary))
            case "button":
                label = rng.choice(labels)
                event = ButtonEvent(
                    rng.choice(
                        (
                            ShowLabel(label),
                            ShowLabel(label),
                            ShowMore(label),
                            Feedback(label, helpful=rng.random() < 0.8),
                            NoneOfThese(),
                            Menu(),
                        )
                    )
                )
            case "language":
                lang = rng.choice(LANGUAGES)
                event = (
                    ButtonEvent(ChooseLanguage(lang))
                    if rng.random() < 0.7
                    else CommandEvent("language", lang)
                )
            case "smalltalk":
                event = TextEvent(rng.choice(SMALL_TALK))
            case "command":
                event = CommandEvent(rng.choice(COMMANDS))
            case _:
                event = TextEvent(rng.choice(long_ones))
        messages.append(Message(user, event, client[user], kind))
    return messages


def question(rng: random.Random, texts: list[str], vocabulary: list[str]) -> str:
    """A question from tune.yaml as written (a third), with a word left out, a typo and a
    number (a third: new to every cache), or a salad of its words (nobody's question: kept
    for staff as unanswered)."""
    roll = rng.random()
    if roll < 1 / 3:
        return rng.choice(texts)
    if roll < 2 / 3:
        words = rng.choice(texts).split()
        if len(words) > 2:
            del words[rng.randrange(len(words))]
        at = rng.randrange(len(words))
        word = words[at]
        if len(word) > 3:
            cut = rng.randrange(1, len(word) - 1)
            words[at] = word[:cut] + word[cut + 1 :]  # a letter left out
        return " ".join(words) + f" {rng.randrange(1, 10_000)}"
    return " ".join(rng.choices(vocabulary, k=rng.randrange(2, 9)))


def long_message(rng: random.Random, texts: list[str]) -> str:
    """10,000 characters: questions pasted over and over, or one unbroken token with digits
    and @ signs (what the scrubber must not choke on)."""
    if rng.random() < 0.5:
        words = " ".join(rng.choice(texts) for _ in range(80))
    else:
        words = "".join(rng.choice("ab1@.-_") for _ in range(LONG_CHARS))
    return (words * (LONG_CHARS // len(words) + 1))[:LONG_CHARS]


@dataclass(frozen=True)
class Result:
    """What one message got; the outcome itself is not kept (its replies would be the
    benchmark's memory, not the bot's)."""

    kind: str
    phase: Phase
    latency: float
    replies: tuple[str, ...] = ()
    """The kinds of the replies."""
    first_text: str = ""
    asked: int = 0
    rated: int = 0
    toast: bool = False
    error: str | None = None

    @property
    def empty(self) -> bool:
        return self.error is None and not (self.replies or self.toast)

    @classmethod
    def of(cls, kind: str, phase: Phase, latency: float, outcome: Outcome) -> Result:
        return cls(
            kind,
            phase,
            latency,
            tuple(reply.kind for reply in outcome.replies),
            outcome.replies[0].text if kind == "staff" and outcome.replies else "",
            sum(isinstance(record, Question) for record in outcome.records),
            sum(isinstance(record, Rated) for record in outcome.records),
            outcome.toast is not None,
        )


@dataclass
class Clock:
    """Which phase the run is in, set by the lock's thread."""

    phase: Phase = "before"
    marks: dict[Phase, float] = field(default_factory=dict)

    def enter(self, phase: Phase) -> None:
        self.phase = phase
        self.marks[phase] = time.perf_counter()


@contextmanager
def sampling(clock: Clock, every: float = 0.2) -> Iterator[dict[Phase, list[float]]]:
    """RSS sampled every `every` seconds, per phase."""
    samples: dict[Phase, list[float]] = {phase: [] for phase in PHASES}
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(every):
            samples[clock.phase].append(rss_mb())

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield samples
    finally:
        stop.set()
        thread.join()


class Errors(logging.Handler):
    """Counts ERROR records (a crash behind the service's back would log one)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage().splitlines()[0])


def run(
    service: ChatService,
    messages: list[Message],
    *,
    rate: float,
    workers: int,
    lock_at: float,
    lock_seconds: float,
    database: Path,
    clock: Clock,
) -> tuple[list[Result], dict[str, object]]:
    """Release `messages` at `rate` per second into `workers` threads; lock the database from
    `lock_at` seconds on for `lock_seconds`. The results, and what the lock's thread saw."""
    results: list[Result] = []
    results_lock = threading.Lock()
    seen: dict[str, object] = {}
    locked_done = threading.Event()

    def hold_lock() -> None:
        time.sleep(lock_at)
        with lock_held(database):
            clock.enter("locked")
            before = service.storage_health  # nothing is written from here on
            seen["written before"] = before.written if before else 0
            time.sleep(lock_seconds)
            during = service.storage_health
            seen["waiting at release"] = during.waiting if during else 0
            seen["written during"] = (during.written if during else 0) - int(
                seen["written before"]  # type: ignore[call-overload]
            )
        clock.enter("after")
        released = time.perf_counter()
        while (health := service.storage_health) is not None and health.waiting:
            time.sleep(0.01)
        seen["backlog written after"] = time.perf_counter() - released
        locked_done.set()

    def handle(message: Message, released: float, phase: Phase) -> None:
        try:
            outcome = service.handle(
                message.user, message.event, client_lang=message.client_lang, private=True
            )
        except Exception as exc:  # a crash: counted and reported, the run goes on
            result = Result(message.kind, phase, time.perf_counter() - released, error=repr(exc))
        else:
            result = Result.of(message.kind, phase, time.perf_counter() - released, outcome)
        with results_lock:
            results.append(result)

    locker = threading.Thread(target=hold_lock, daemon=True)
    started = time.perf_counter()
    clock.enter("before")
    locker.start()
    futures: list[Future[None]] = []
    with ThreadPoolExecutor(workers, thread_name_prefix="update") as pool:
        for n, message in enumerate(messages):
            due = started + n / rate
            if (wait := due - time.perf_counter()) > 0:
                time.sleep(wait)
            futures.append(pool.submit(handle, message, time.perf_counter(), clock.phase))
    for future in futures:
        future.result()
    seen["seconds"] = time.perf_counter() - started
    locked_done.wait(timeout=60)
    locker.join(timeout=60)
    return results, seen


def quantile(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=1000, method="inclusive")[round(q * 1000) - 1]


def counted_in(database: Path) -> tuple[int, int]:
    """Questions counted and votes kept in the database file, read directly."""
    with sqlite3.connect(database) as db:
        questions = db.execute("SELECT COALESCE(SUM(n), 0) FROM counters").fetchone()[0]
        votes = db.execute("SELECT COUNT(*) FROM votes").fetchone()[0]
    return int(questions), int(votes)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000, help="messages in all (20000)")
    parser.add_argument("--users", type=int, default=2_000, help="distinct users (2000)")
    parser.add_argument("--rate", type=float, default=250.0, help="messages per second (250)")
    parser.add_argument("--workers", type=int, default=16, help="worker threads (16)")
    parser.add_argument("--lock", type=float, default=10.0, help="seconds the lock is held (10)")
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()

    configure_logging("WARNING", None)
    errors = Errors()
    logging.getLogger().addHandler(errors)
    texts = [item.text for item in load_eval(ROOT / "benchmarks" / "eval" / "tune.yaml")]
    with tempfile.TemporaryDirectory(prefix="kita-soak-") as folder:
        settings = load_settings({"KITA_BOT_DATA_DIR": folder, "KITA_BOT_ADMINS": str(ADMIN)})
        rss_start = rss_mb()
        service = build_service(settings)
        kb = service.brain.kb
        labels = [*kb.topic_ids, *(sub.id for topic in kb.topics for sub in topic.answers)]
        messages = plan(args.messages, args.users, args.seed, texts, labels)
        run_seconds = len(messages) / args.rate
        lock_at = max(0.0, (run_seconds - args.lock) / 2)  # the lock in the middle of the run
        clock = Clock()
        rss_built = rss_mb()
        with sampling(clock) as rss:
            results, seen = run(
                service,
                messages,
                rate=args.rate,
                workers=args.workers,
                lock_at=lock_at,
                lock_seconds=args.lock,
                database=settings.data_dir / DB_NAME,
                clock=clock,
            )
        health_end = service.storage_health
        closed = service.close(timeout=10)
        health = service.storage_health
        assert health is not None and health_end is not None
        questions, votes = counted_in(settings.data_dir / DB_NAME)
        rss_end = rss_mb()

    unavailable = replies.statistics_unavailable(service.translator(ADMIN, client_lang="de"))
    asked = sum(x.asked for x in results)
    # One vote per user and answer is kept: a second press replaces the first.
    voters = {
        (m.user, m.event.action.label)
        for m in messages
        if isinstance(m.event, ButtonEvent) and isinstance(m.event.action, Feedback)
    }
    rated = sum(x.rated for x in results)
    kinds = Counter(kind for x in results for kind in x.replies)
    crashed = [x.error for x in results if x.error]
    empty = sum(x.empty for x in results)
    staff = [x for x in results if x.kind == "staff"]
    staff_unavailable = sum(1 for x in staff if x.first_text == unavailable)

    print(
        f"{len(results):,} messages from {args.users:,} users at {args.rate:g}/s in "
        f"{seen['seconds']:.1f} s, {args.workers} worker threads on {os.cpu_count()} cores "
        f"(load {os.getloadavg()[0]:.1f}); another process held an exclusive lock on the "
        f"database for {args.lock:g} s from {lock_at:.1f} s on"
    )
    print(
        f"{'phase':8} {'messages':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} "
        f"{'written':>8} {'RSS MB':>7}"
    )
    written_before = int(seen["written before"])  # type: ignore[call-overload]
    written_during = int(seen["written during"])  # type: ignore[call-overload]
    written = {
        "before": written_before,
        "locked": written_during,
        "after": health.written - written_before - written_during,
    }
    for phase in PHASES:
        latencies = [x.latency for x in results if x.phase == phase and x.kind != "staff"]
        peak = max(rss[phase], default=float("nan"))
        print(
            f"{phase:8} {len(latencies):8,} {quantile(latencies, 0.5) * 1e3:8.1f} "
            f"{quantile(latencies, 0.99) * 1e3:8.1f} {max(latencies, default=0) * 1e3:8.1f} "
            f"{written[phase]:8,} {peak:7.1f}"
        )
    print(
        f"RSS MB: {rss_start:.1f} at start, {rss_built:.1f} with the brain built, "
        f"{rss_end:.1f} at the end (the column: the peak in each phase)"
    )
    print(
        f"records waiting when the lock ended {seen['waiting at release']}, written "
        f"{seen['backlog written after']:.2f} s after it; written {health.written:,} in all, "
        f"dropped {health.dropped}, refused {health.refused}, left {health.waiting}"
    )
    staff_latencies = [x.latency for x in staff]
    print(
        f"staff reports: {len(staff)} (/stats and /unanswered), max {max(staff_latencies) * 1e3:.0f} "
        f"ms; {staff_unavailable} said the statistics are unavailable (asked while locked)"
    )
    print(f"replies by kind: {dict(kinds.most_common())}", flush=True)

    problems = []
    if crashed:
        problems.append(f"{len(crashed)} exceptions out of the service: {Counter(crashed)}")
    if kinds["error"]:
        problems.append(f"{kinds['error']} error replies")
    if errors.lines:
        problems.append(f"{len(errors.lines)} ERROR log lines: {errors.lines[:3]}")
    if empty:
        problems.append(f"{empty} outcomes with neither a reply nor a toast")
    if len(results) != len(messages):
        problems.append(f"{len(messages) - len(results)} messages never came back")
    if questions != asked:
        problems.append(f"{asked} questions counted by the brain, {questions} in the database")
    if votes != len(voters):
        problems.append(f"{len(voters)} distinct votes given, {votes} kept ({rated} presses)")
    if not closed or health.dropped or health.waiting or health.refused:
        problems.append("records dropped, refused or left unwritten")
    for problem in problems:
        print(f"FAILED: {problem}")
    if not problems:
        print(
            f"nothing crashed: no exception, no error reply, no ERROR line; all {asked:,} "
            f"questions and {votes:,} votes in the database"
        )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
