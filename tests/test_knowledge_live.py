"""The knowledge base while the bot runs: an edit goes live once it is whole and valid, a file
that hangs costs a timeout, and what is built from the knowledge base is swapped in whole.

Findings F2, F18, F19 and F20 of ../shared/research/reliability-findings.md.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.knowledge import KnowledgeError, LiveKnowledge, reading, validate
from bot.models import KnowledgeBase
from tests.faq_copies import TOPIC, copy_faq, own_copy, replace_once, save

BETA = "topics/beta.yaml"
OLD, NEW = "Melden Sie freie Plätze", "Melden Sie bitte freie Plätze"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float = 3.0) -> None:
        self.now += seconds


@pytest.fixture
def faq(tmp_path: Path) -> Path:
    return copy_faq(tmp_path)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def live(faq: Path, clock: FakeClock) -> LiveKnowledge:
    return LiveKnowledge(faq, min_interval=2.0, settle=0.0, clock=clock)


def answer_de(kb: KnowledgeBase, topic_id: str = "beta") -> str:
    topic = kb.topic(topic_id)
    assert topic is not None
    return topic.answer["de"]


def tick(live: LiveKnowledge, clock: FakeClock) -> bool:
    """One check of the running bot's reload loop, a reload interval after the last."""
    clock.advance()
    return live.refresh()


def test_an_edit_goes_live_once_it_reads_the_same_at_two_checks(
    faq: Path, live: LiveKnowledge, clock: FakeClock
) -> None:
    replace_once(faq / BETA, OLD, NEW)
    assert live.refresh() is False  # checked at most every two seconds
    assert tick(live, clock) is False  # seen once: it may still be being written
    assert answer_de(live.current) == "Melden Sie freie Plätze dem Amt."
    assert tick(live, clock) is True
    assert answer_de(live.current) == "Melden Sie bitte freie Plätze dem Amt."
    assert live.version == 2
    assert tick(live, clock) is False  # nothing changed since
    assert live.version == 2


def test_an_edit_that_keeps_size_and_mtime_is_seen(
    faq: Path, live: LiveKnowledge, clock: FakeClock
) -> None:
    path = faq / BETA
    before = path.stat()
    path.write_text(path.read_text(encoding="utf-8").replace("freie", "leere"), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # as cp -p or rsync -t do (F18)
    assert path.stat().st_size == before.st_size
    tick(live, clock)
    assert tick(live, clock) is True
    assert answer_de(live.current) == "Melden Sie leere Plätze dem Amt."


def test_a_half_written_file_with_a_valid_beginning_never_goes_live(
    faq: Path, live: LiveKnowledge, clock: FakeClock
) -> None:
    path = faq / BETA
    whole = path.read_text(encoding="utf-8").replace(OLD, NEW) + '  ru: ["приём"]\n'
    half = whole[: whole.index("  ru:")]  # stops before the optional Russian keywords
    save(path, half)
    assert [p for p in validate(faq) if p.severity == "error"] == []
    assert tick(live, clock) is False  # F19: this used to serve the half file
    save(path, whole)
    assert tick(live, clock) is False
    assert answer_de(live.current) == "Melden Sie freie Plätze dem Amt."
    assert tick(live, clock) is True
    beta = live.current.topic("beta")
    assert beta is not None and beta.vocabulary.keywords["ru"] == ("приём",)
    assert answer_de(live.current) == "Melden Sie bitte freie Plätze dem Amt."


def test_a_broken_edit_keeps_the_last_good_answers_until_it_is_fixed(
    faq: Path, live: LiveKnowledge, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    good = live.current
    path = faq / BETA
    replace_once(path, 'audience: "kitas"', 'audience: "kitas"\naudience: "both"')
    tick(live, clock)
    with caplog.at_level(logging.WARNING, logger="bot.knowledge"):
        assert tick(live, clock) is False
    assert live.current is good
    assert [p.path for p in live.problems] == [path]
    assert "steht doppelt" in live.problems[0].message
    assert [r.getMessage().count("\n") for r in caplog.records] == [0]  # one line per problem
    assert str(path) in caplog.records[0].getMessage()

    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="bot.knowledge"):
        assert tick(live, clock) is False
    assert not caplog.records  # still broken, not reported again

    replace_once(path, '\naudience: "both"', "")
    replace_once(path, OLD, "Melden Sie alle freien Plätze")
    tick(live, clock)
    assert tick(live, clock) is True
    assert answer_de(live.current) == "Melden Sie alle freien Plätze dem Amt."
    assert live.problems == ()
    assert live.version == 2


def test_added_and_removed_files_count_as_changes(
    faq: Path, live: LiveKnowledge, clock: FakeClock
) -> None:
    save(faq / "topics" / "gamma.yaml", own_copy(faq / BETA, "gamma"))
    tick(live, clock)
    assert tick(live, clock) is True
    assert "gamma" in live.current.topic_ids
    (faq / "topics" / "gamma.yaml").unlink()
    tick(live, clock)
    assert tick(live, clock) is True
    assert live.current.topic_ids == ("alpha", "beta")
    assert live.version == 3


def test_reload_on_demand_returns_the_problems(faq: Path, live: LiveKnowledge) -> None:
    assert live.reload() == []
    assert live.version == 2
    replace_once(faq / "office.yaml", '"Europe/Berlin"', '"Europe/Dresden"')
    problems = live.reload()
    assert [p.path.name for p in problems] == ["office.yaml"]
    assert live.version == 2
    assert live.current.office.hours.timezone == "Europe/Berlin"


def test_reload_while_a_file_is_being_written_says_so_and_waits(faq: Path) -> None:
    live = LiveKnowledge(faq, settle=0.5)
    path = faq / BETA
    replace_once(path, OLD, NEW)
    writer = threading.Timer(0.1, lambda: replace_once(path, NEW, "Melden Sie uns freie Plätze"))
    writer.start()
    [problem] = live.reload()
    writer.join()
    assert problem.path == path and "ändert sich gerade noch" in problem.message
    assert answer_de(live.current) == "Melden Sie freie Plätze dem Amt."
    assert live.reload() == []  # it has settled
    assert answer_de(live.current) == "Melden Sie uns freie Plätze dem Amt."


def readers() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "faq-reader"]


def test_a_read_that_hangs_costs_a_timeout_not_the_bot(faq: Path, clock: FakeClock) -> None:
    live = LiveKnowledge(faq, read_timeout=0.2, settle=0.0, clock=clock)
    good = live.current
    replace_once(faq / BETA, OLD, NEW)
    release = threading.Event()
    read = reading._read_up_to

    def blocked(descriptor: int, count: int) -> bytes:
        """A read that waits, as on a hung network mount. No real file blocks a read opened
        with O_NONBLOCK, so this is the one stand-in: the read of an open descriptor."""
        release.wait(30)
        return read(descriptor, count)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reading, "_read_up_to", blocked)
        started = time.monotonic()
        assert tick(live, clock) is False
        assert time.monotonic() - started < 2  # F2: this blocked for good
        [problem] = live.problems
        assert problem.path == faq / TOPIC and (problem.line, problem.column) == (1, 1)
        assert problem.message.startswith("Die Datei antwortet nicht (seit mehr als 0.2 Sekunden).")
        assert live.current is good
        [stuck] = readers()
        assert stuck.daemon  # it can never hold up the end of the process

        started = time.monotonic()
        assert tick(live, clock) is False  # no second thread waits on the same file
        assert "antwortet nicht" in live.reload()[0].message  # an admin's /reload, at once
        assert time.monotonic() - started < 1
        assert readers() == [stuck]
        release.set()
        stuck.join(5)
    tick(live, clock)
    assert tick(live, clock) is True  # the mount answers again: the edit goes live
    assert answer_de(live.current) == "Melden Sie bitte freie Plätze dem Amt."
    assert live.problems == ()


@dataclass(frozen=True)
class Brain:
    """Stands for what the service builds from a knowledge base (its matcher)."""

    kb: KnowledgeBase
    built_in: str


def build_counting(builds: list[KnowledgeBase]) -> Callable[[KnowledgeBase], Brain]:
    def build(kb: KnowledgeBase) -> Brain:
        builds.append(kb)
        return Brain(kb, threading.current_thread().name)

    return build


def in_thread(name: str, work: Callable[[], bool]) -> bool:
    results: list[bool] = []
    thread = threading.Thread(target=lambda: results.append(work()), name=name)
    thread.start()
    thread.join(10)
    return results[0]


def test_the_build_runs_in_the_refreshing_thread_and_current_never_builds(
    faq: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    builds: list[KnowledgeBase] = []
    live = LiveKnowledge(faq, build_counting(builds), settle=0.0, clock=clock)
    assert live.current.kb is live.kb and len(builds) == 1
    for _ in range(5):
        assert live.current.kb is builds[0]
    assert len(builds) == 1  # F20: serving never builds
    replace_once(faq / BETA, OLD, NEW)
    clock.advance()
    assert in_thread("edge", live.refresh) is False
    clock.advance()
    with caplog.at_level(logging.DEBUG, logger="bot.knowledge"):
        assert in_thread("edge", live.refresh) is True
    assert len(builds) == 2 and live.current.built_in == "edge"
    assert answer_de(live.current.kb) == "Melden Sie bitte freie Plätze dem Amt."
    [swapped] = caplog.records  # one line for the swap
    assert swapped.getMessage() == "knowledge base reloaded: version 2, 2 topics"


def test_a_build_that_fails_keeps_the_old_value_and_is_said_like_a_file_error(
    faq: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    def build(kb: KnowledgeBase) -> KnowledgeBase:
        if "gamma" in kb.topic_ids:
            raise RuntimeError("a matcher bug")
        return kb

    live = LiveKnowledge(faq, build, settle=0.0, clock=clock)
    good = live.current
    save(faq / "topics" / "gamma.yaml", own_copy(faq / BETA, "gamma"))
    tick(live, clock)
    with caplog.at_level(logging.WARNING, logger="bot.knowledge"):
        assert tick(live, clock) is False
        assert tick(live, clock) is False  # nothing new: nothing more in the log
    assert live.current is good
    [problem] = live.problems
    assert (problem.path, problem.line, problem.column) == (faq, 1, 1)
    assert problem.message.startswith("Interner Fehler beim Aufbauen (RuntimeError).")
    [traceback, warning] = caplog.records
    assert traceback.exc_info is not None and warning.getMessage().endswith(problem.message)


def test_a_build_that_fails_at_start_is_a_knowledge_error(faq: Path) -> None:
    def build(kb: KnowledgeBase) -> KnowledgeBase:
        raise RuntimeError("a matcher bug")

    with pytest.raises(KnowledgeError) as raised:
        LiveKnowledge(faq, build)
    assert "Interner Fehler beim Aufbauen (RuntimeError)" in raised.value.problems[0].message
