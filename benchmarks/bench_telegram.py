"""Telegram bot throughput and reply latency through the fake Bot API, against a bare echo bot.

Run from the checkout:  .venv/bin/python benchmarks/bench_telegram.py [--users 200] [--messages 2000]

Both bots run the real python-telegram-bot Application with real long polling over HTTP on
127.0.0.1. Each simulated user sends their next message as soon as the previous answer has
arrived completely (a closed loop), so latency = question pushed -> last message of its answer
received by the fake server. The echo bot (one `reply_text` per message) is the floor: what
python-telegram-bot and the loopback HTTP cost without any of our work.

Telegram's own send limit (about 30 messages per second per bot) is switched off for both runs
(the production AIORateLimiter throttles to it); add --production to run our bot exactly as
deployed, where throughput is capped by that limit by design. The per-user flood limit is
raised, because one simulated user sends 10 messages back to back.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import multiprocessing
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TypeAlias

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from telegram import Update  # noqa: E402
from telegram.ext import (  # noqa: E402
    AIORateLimiter,
    ApplicationBuilder,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.config import Settings  # noqa: E402
from bot.events import TextEvent  # noqa: E402
from bot.markup import split  # noqa: E402
from bot.service import build_service  # noqa: E402
from bot.telegram_bot import build_application  # noqa: E402
from tests.fake_bot_api import TEST_TOKEN, FakeBotApi, User, polling  # noqa: E402

CLIENT_LANGUAGES = ("uk", "de", "en", "ru", None, "uk")

# Used when no evaluation file is around.
SAMPLE_QUERIES = (
    "Wie melde ich mein Kind für die Kita an?",
    "Braucht mein Sohn eine Masernimpfung?",
    "Wann hat das Amt geöffnet?",
    "Як записати дитину в садочок?",
    "де знайти психолога для дитини",
    "How do I register my daughter for daycare?",
    "Is the office open on Thursday?",
    "Как записать ребенка в детский сад?",
    "chy mozhu pratsiuvaty vykhovatelkoiu v Kita?",
    "Hallo",
)


def questions() -> list[str]:
    """The dev set's messages when available (realistic lengths and languages), else samples."""
    try:
        from bot.evaluation import default_eval_file, load_eval

        path = default_eval_file()
        if path is not None:
            return [item.text for item in load_eval(path)]
    except ImportError:
        pass
    return list(SAMPLE_QUERIES)


@dataclass
class _UserState:
    user: User
    plan: list[tuple[str, int]]
    """(text, how many messages its answer takes)."""
    index: int = 0
    received: int = 0
    sent_at: float = 0.0


@dataclass
class Driver:
    """Plays the users: pushes each user's next message when the previous answer is complete."""

    api: FakeBotApi
    users: dict[int, _UserState]
    pause: float = 0.0
    """Seconds a user reads an answer before sending the next message (0: at once)."""
    latencies: list[float] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)
    finished_at: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _active: int = 0

    def start(self) -> float:
        self._active = len(self.users)
        started = time.monotonic()
        for state in self.users.values():
            self._push(state)
        return started

    def _push(self, state: _UserState) -> None:
        state.sent_at = time.monotonic()
        self.api.send_text(state.user, state.plan[state.index][0])

    def on_call(self, call: Any) -> None:
        if call.method != "sendMessage" or not call.ok or call.chat_id not in self.users:
            return
        with self._lock:
            state = self.users[call.chat_id]
            state.received += 1
            if state.received < state.plan[state.index][1]:
                return
            self.latencies.append(call.at - state.sent_at)
            state.received = 0
            state.index += 1
            if state.index < len(state.plan):
                if self.pause:
                    threading.Timer(self.pause, self._push, (state,)).start()
                else:
                    self._push(state)
                return
            self._active -= 1
            if self._active == 0:
                self.finished_at = call.at
                self.done.set()


@dataclass(frozen=True)
class Result:
    name: str
    messages: int
    seconds: float
    p50: float
    p95: float
    p99: float

    @property
    def throughput(self) -> float:
        return self.messages / self.seconds

    def line(self) -> str:
        return (
            f"{self.name:<30} {self.messages:>5} msgs {self.seconds:>6.2f} s "
            f"{self.throughput:>7.1f} msg/s   p50 {self.p50 * 1000:>7.1f} ms   "
            f"p95 {self.p95 * 1000:>7.1f} ms   p99 {self.p99 * 1000:>7.1f} ms"
        )


Plan: TypeAlias = list[tuple[User, list[tuple[str, int]]]]
"""Per user: (text, how many messages its answer takes), in order."""


def make_plan(
    texts: Sequence[str], users: int, messages: int, parts: Callable[[str, str | None], int]
) -> Plan:
    per_user = max(messages // users, 1)
    plan: Plan = []
    counter = 0
    for n in range(users):
        code = CLIENT_LANGUAGES[n % len(CLIENT_LANGUAGES)]
        items = []
        for _ in range(per_user):
            text = texts[counter % len(texts)]
            counter += 1
            items.append((text, parts(text, code)))
        plan.append((User(10_000 + n, f"User{n}", code), items))
    return plan


def serve_fake(conn: Connection, timeout: float, pause: float = 0.0) -> None:
    """In a separate process, so that the fake server and the users do not share the bot's GIL."""
    with FakeBotApi() as api:
        conn.send(api.url)
        plan: Plan = conn.recv()
        driver = Driver(api, {user.id: _UserState(user, items) for user, items in plan}, pause)
        api.on_call = driver.on_call
        started = driver.start()
        finished = driver.done.wait(timeout)
        conn.send((finished, driver.latencies, driver.finished_at - started))
        conn.recv()  # the bot has stopped polling: now the server may go


async def measure(
    name: str, build: Callable[[str], Any], plan: Plan, timeout: float, pause: float = 0.0
) -> Result:
    """Run the bot built by `build(api_url)` against a fake server process playing `plan`,
    each user pausing `pause` seconds between an answer and their next message."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    process = context.Process(target=serve_fake, args=(theirs, timeout, pause), daemon=True)
    process.start()
    try:
        url = await asyncio.to_thread(ours.recv)
        async with polling(build(url)):
            ours.send(plan)
            finished, latencies, seconds = await asyncio.to_thread(ours.recv)
        ours.send("stop")
        await asyncio.to_thread(process.join, 10)
    finally:
        if process.is_alive():
            process.kill()
    if not finished:
        raise SystemExit(f"{name}: only {len(latencies)} answers within {timeout} s")
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return Result(name, len(latencies), seconds, cuts[49], cuts[94], cuts[98])


def unthrottled() -> AIORateLimiter:
    """The production limiter's retry logic without Telegram's per-second cap."""
    return AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=2)


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.message and update.message.text:
        await update.message.reply_text(update.message.text)


def echo_bot(url: str) -> Any:
    """The floor: python-telegram-bot with one handler that sends the text back."""
    application = (
        ApplicationBuilder()
        .token(TEST_TOKEN)
        .base_url(f"{url}/bot")
        .rate_limiter(unthrottled())
        .concurrent_updates(64)
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    return application


def run(texts: Sequence[str], users: int, messages: int, timeout: float, production: bool) -> None:
    """Echo floor and our bot on the same load; print both and the ratio."""
    with tempfile.TemporaryDirectory() as data:
        settings = Settings(
            token=TEST_TOKEN,
            api_base_url="http://127.0.0.1:9",  # replaced per run
            faq_dir=ROOT / "faq",
            data_dir=Path(data),
            flood_messages=1_000_000,
        )
        preview = build_service(settings, with_store=False)

        def parts(text: str, code: str | None) -> int:
            outcome = preview.handle(0, TextEvent(text), client_lang=code, private=True)
            return sum(len(split(reply.text)) for reply in outcome.replies)

        def kita_bot(url: str) -> Any:
            configured = dataclasses.replace(settings, api_base_url=url)
            limiter = None if production else unthrottled()
            return build_application(configured, build_service(configured), rate_limiter=limiter)

        echo_plan = make_plan(texts, users, messages, lambda text, code: 1)
        floor = asyncio.run(measure("echo bot (floor)", echo_bot, echo_plan, timeout))
        print(floor.line())
        name = "kita bot, production limiter" if production else "kita bot"
        plan = make_plan(texts, users, messages, parts)
        ours = asyncio.run(measure(name, kita_bot, plan, timeout))
        print(ours.line())
        print(
            f"{'ratio kita / echo':<30} p50 latency x{ours.p50 / floor.p50:.2f}, "
            f"p95 x{ours.p95 / floor.p95:.2f}, p99 x{ours.p99 / floor.p99:.2f}, "
            f"throughput x{ours.throughput / floor.throughput:.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument(
        "--production",
        action="store_true",
        help="our bot with the production rate limiter (about 30 messages/s, as Telegram allows)",
    )
    args = parser.parse_args()
    texts = questions()
    print(
        f"{args.messages} messages from {args.users} users ({len(texts)} distinct texts), "
        "closed loop, fake Bot API in another process on 127.0.0.1"
    )
    run(texts, args.users, args.messages, args.timeout, args.production)
    print(f"\nunloaded: one user, {min(args.messages, 200)} messages one after another")
    run(texts, 1, min(args.messages, 200), args.timeout, args.production)


if __name__ == "__main__":
    main()
