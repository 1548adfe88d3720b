"""Reply latency while faq/ is edited every second, against no edits: does a reload stall replies?

Run from the checkout:  .venv/bin/python benchmarks/bench_reload.py [--users 20] [--messages 4000]

The real bot (python-telegram-bot Application, long polling over HTTP on 127.0.0.1) answers a
closed-loop load played by the fake Bot API in another process, as in bench_telegram.py. It runs
on a copy of faq/ and checks it every half second, as KITA_BOT_RELOAD_SECONDS would. Three runs
on the same load:

- no edits: the reload task only finds nothing changed;
- an edit every second, the new brain built in the reload thread and swapped in (the design);
- an edit every second, the matcher built by the next message on the event loop (as before
  issue 15), to show what the first buys.

An edit saves a topic file with another comment, so the files are read again and a new brain is
built each time: the count of rebuilds is printed with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_telegram import Result, make_plan, measure, questions, unthrottled  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.conversation import Brain, Conversation  # noqa: E402
from bot.events import TextEvent  # noqa: E402
from bot.i18n import Catalogs  # noqa: E402
from bot.knowledge import LiveKnowledge, Problem, Source  # noqa: E402
from bot.markup import split  # noqa: E402
from bot.service import ChatService, build_service  # noqa: E402
from bot.store import Store  # noqa: E402
from bot.telegram_bot import build_application  # noqa: E402
from tests.fake_bot_api import TEST_TOKEN  # noqa: E402

CHECK_SECONDS = 0.5
"""How often the bot looks at faq/ (KITA_BOT_RELOAD_SECONDS)."""
EDIT_SECONDS = 1.0


class BuiltByTheNextMessage:
    """The brain as it was before issue 15: faq/ is reloaded in the reload thread, and the first
    message after a reload builds the matcher while every other message waits for it."""

    def __init__(self, knowledge: LiveKnowledge) -> None:
        self._knowledge = knowledge
        self._brain = Brain.of(knowledge.current)
        self._lock = threading.Lock()

    @property
    def current(self) -> Brain:
        with self._lock:
            if self._knowledge.current is not self._brain.kb:
                self._brain = Brain.of(self._knowledge.current)
            return self._brain

    @property
    def problems(self) -> tuple[Problem, ...]:
        return self._knowledge.problems

    @property
    def source(self) -> Source:
        return self._knowledge.source

    def refresh(self) -> bool:
        return self._knowledge.refresh()

    def reload(self) -> list[Problem]:
        return self._knowledge.reload()


class Rebuilds(logging.Handler):
    """Counts successful reloads of faq/ from the knowledge loader's log."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("knowledge base reloaded"):
            self.count += 1


@contextmanager
def editing(faq: Path, every: float | None) -> Iterator[None]:
    """Save a topic file with a changed comment every `every` seconds, as an editor would (the
    content changes, so the knowledge base is read and the brain built again)."""
    stop = threading.Event()
    target = sorted((faq / "topics").glob("*.yaml"))[0]
    original = target.read_text(encoding="utf-8")

    def edit() -> None:
        saves = 0
        while every is not None and not stop.wait(every):
            saves += 1
            draft = target.with_suffix(".tmp")
            draft.write_text(f"{original}# edit {saves}\n", encoding="utf-8")
            draft.replace(target)

    thread = threading.Thread(target=edit, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        target.write_text(original, encoding="utf-8")


def run(users: int, messages: int, pause: float, timeout: float) -> None:
    """The three runs on one load; print each one's figures and the number of rebuilds."""
    rebuilds = Rebuilds()
    logging.getLogger("bot.knowledge").addHandler(rebuilds)
    logging.getLogger("bot.knowledge").setLevel(logging.INFO)
    texts = questions()
    with tempfile.TemporaryDirectory() as scratch:
        faq = Path(scratch) / "faq"
        shutil.copytree(ROOT / "faq", faq)
        settings = Settings(
            token=TEST_TOKEN,
            api_base_url="http://127.0.0.1:9",  # replaced per run
            faq_dir=faq,
            data_dir=Path(scratch) / "data",
            flood_messages=1_000_000,
            reload_seconds=CHECK_SECONDS,
        )
        preview = build_service(settings, with_store=False)

        def parts(text: str, code: str | None) -> int:
            outcome = preview.handle(0, TextEvent(text), client_lang=code, private=True)
            return sum(len(split(reply.text)) for reply in outcome.replies)

        plan = make_plan(texts, users, messages, parts)

        def bot(brains: Callable[[Path], Any]) -> Callable[[str], Any]:
            def build(url: str) -> Any:
                configured = dataclasses.replace(settings, api_base_url=url)
                service = ChatService(
                    brains(faq),
                    Conversation(Catalogs.load(settings.locales_dir)),
                    store=Store(configured.data_dir),
                )
                return build_application(configured, service, rate_limiter=unthrottled())

            return build

        def off_the_loop(faq: Path) -> LiveKnowledge[Brain]:
            return LiveKnowledge(faq, Brain.of, min_interval=CHECK_SECONDS)

        def by_a_message(faq: Path) -> BuiltByTheNextMessage:
            return BuiltByTheNextMessage(LiveKnowledge(faq, min_interval=CHECK_SECONDS))

        runs: list[tuple[str, float | None, Callable[[Path], Any]]] = [
            ("no edits", None, off_the_loop),
            ("edits, built off the loop", EDIT_SECONDS, off_the_loop),
            ("edits, built by a message", EDIT_SECONDS, by_a_message),
        ]
        results: list[tuple[Result, int]] = []
        for name, every, brains in runs:
            before = rebuilds.count
            with editing(faq, every):
                result = asyncio.run(measure(name, bot(brains), plan, timeout, pause))
            results.append((result, rebuilds.count - before))
            print(f"{result.line()}   rebuilds {rebuilds.count - before:>3}", flush=True)
    quiet, *edited = results
    for result, _ in edited:
        print(
            f"{result.name + ' / no edits':<52} p50 x{result.p50 / quiet[0].p50:.2f}, "
            f"p99 x{result.p99 / quiet[0].p99:.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument(
        "--pause", type=float, default=0.2, help="seconds a user reads an answer (default 0.2)"
    )
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args()
    print(
        f"{args.messages} messages from {args.users} users, each sending the next one "
        f"{args.pause} s after an answer; fake Bot API in another process; faq/ checked every "
        f"{CHECK_SECONDS} s"
    )
    run(args.users, args.messages, args.pause, args.timeout)


if __name__ == "__main__":
    main()
