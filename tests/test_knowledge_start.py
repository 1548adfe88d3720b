"""A broken file never stops the bot (issue 13, item 5): at start the last good copy serves, or,
with no copy, everything but the broken topics and referrals; only a broken file the bot cannot
do without, with no copy, stops the start, with the problems as lines.
"""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from bot.knowledge import KnowledgeError, LiveKnowledge, load_knowledge_resilient
from tests.faq_copies import TOPIC, copy_faq, line_of, replace_once, save

REFERRAL = "referrals/residence.yaml"
BETA = "topics/beta.yaml"
CLEAN_FILES = [
    "lexicon.yaml",
    "office.yaml",
    "places.yaml",
    "referrals/residence.yaml",
    "smalltalk.yaml",
    "topics/alpha.yaml",
    "topics/beta.yaml",
]


@pytest.fixture
def faq(tmp_path: Path) -> Path:
    return copy_faq(tmp_path)


@pytest.fixture
def snapshots(tmp_path: Path) -> Path:
    return tmp_path / "data" / "faq-snapshot"


def break_answer_key(path: Path) -> int:
    """Misspell the `answer:` key of the topic or referral at `path`; the line of the mistake."""
    replace_once(path, "\nanswer:\n", "\nanwser:\n")
    return line_of(path, "anwser:")


def answer_de(live: LiveKnowledge, topic_id: str = "beta") -> str:
    topic = live.kb.topic(topic_id)
    assert topic is not None
    return topic.answer["de"]


def test_a_broken_file_at_start_serves_the_last_good_copy(
    faq: Path, snapshots: Path, caplog: pytest.LogCaptureFixture
) -> None:
    LiveKnowledge(faq, snapshot_dir=snapshots)  # a clean start keeps a copy
    replace_once(faq / BETA, "Melden Sie freie Plätze", "Melden Sie bitte freie Plätze")
    line = break_answer_key(faq / TOPIC)
    with caplog.at_level(logging.WARNING, logger="bot.knowledge"):
        live = LiveKnowledge(faq, snapshot_dir=snapshots)
    assert live.source == "snapshot"
    assert live.kb.topic_ids == ("alpha", "beta")
    assert answer_de(live) == "Melden Sie freie Plätze dem Amt."  # the copy, as it was
    assert {p.path for p in live.problems} == {faq / TOPIC}
    where = f"{faq / TOPIC}:{line}:1: Unbekannter Schlüssel 'anwser'"
    assert any(str(p).startswith(where) for p in live.problems)
    logged = [r.getMessage() for r in caplog.records]
    for problem in live.problems:  # each said once, with path:line:column
        assert sum(str(problem) in message for message in logged) == 1
    assert any("answering from the last good copy" in message for message in logged)


def test_the_copy_is_private_and_replaced_whole(faq: Path, snapshots: Path) -> None:
    live = LiveKnowledge(faq, snapshot_dir=snapshots)
    first = (snapshots / "current").resolve()
    copied = sorted(p for p in first.rglob("*") if p.is_file())
    assert [p.relative_to(first).as_posix() for p in copied] == CLEAN_FILES
    assert all(p.read_bytes() == (faq / p.relative_to(first)).read_bytes() for p in copied)
    assert {stat.S_IMODE(p.stat().st_mode) for p in copied} == {0o600}
    folders = [snapshots, first, *(p for p in first.rglob("*") if p.is_dir())]
    assert {stat.S_IMODE(p.stat().st_mode) for p in folders} == {0o700}

    replace_once(faq / BETA, "Melden Sie freie Plätze", "Melden Sie bitte freie Plätze")
    assert live.reload() == []
    second = (snapshots / "current").resolve()
    assert second != first and not first.exists()
    assert sorted(p.name for p in snapshots.iterdir()) == sorted(["current", second.name])
    assert b"bitte" in (second / BETA).read_bytes()


@pytest.mark.parametrize("name", [TOPIC, REFERRAL])
def test_with_no_copy_a_broken_topic_or_referral_is_left_out_loudly(
    faq: Path, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    broken = faq / name
    break_answer_key(broken)
    with caplog.at_level(logging.WARNING, logger="bot.knowledge"):
        live = LiveKnowledge(faq)
    assert live.source == "partial"
    assert {p.path for p in live.problems} == {broken}
    kb = live.kb
    served = [*kb.topic_ids, *(r.id for r in kb.referrals)]
    assert broken.stem not in served and len(served) == 2
    beta = kb.topic("beta")
    assert beta is not None and beta.related == (() if name == TOPIC else ("alpha",))
    [loud] = [r for r in caplog.records if "LEFT OUT" in r.getMessage()]
    assert loud.levelno == logging.WARNING and str(broken) in loud.getMessage()


@pytest.mark.parametrize("name", ["office.yaml", "smalltalk.yaml"])
def test_a_broken_file_the_bot_cannot_do_without_and_no_copy_stops_the_start(
    faq: Path, snapshots: Path, name: str
) -> None:
    save(faq / name, "greeting: [\n")
    with pytest.raises(KnowledgeError) as raised:
        load_knowledge_resilient(faq, snapshots)
    assert raised.value.problems
    assert {p.path for p in raised.value.problems} == {faq / name}


def test_the_command_line_answers_around_a_broken_topic_and_lists_a_broken_office(
    faq: Path, tmp_path: Path
) -> None:
    def ask() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot.cli", "ask", "Wir haben freie Plätze"],
            capture_output=True,
            text=True,
            check=False,
            env={
                **os.environ,
                "PYTHONIOENCODING": "utf-8",
                "KITA_BOT_FAQ_DIR": str(faq),
                "KITA_BOT_DATA_DIR": str(tmp_path / "data"),
            },
        )

    break_answer_key(faq / TOPIC)
    answered = ask()
    assert answered.returncode == 0, answered.stderr
    assert "Melden Sie freie Plätze dem Amt." in answered.stdout
    assert f"{faq / TOPIC} is broken and LEFT OUT" in answered.stderr

    save(faq / "office.yaml", "name: [\n")
    refused = ask()
    assert refused.returncode == 1
    assert "Traceback" not in refused.stderr
    assert f"{faq / 'office.yaml'}:2:1: Hier stimmt die Einrückung nicht" in refused.stderr


def test_once_the_broken_file_is_fixed_faq_serves_again_and_becomes_the_copy(
    faq: Path, snapshots: Path
) -> None:
    replace_once(faq / TOPIC, "\nanswer:\n", "\nanwser:\n")
    live = LiveKnowledge(faq, snapshot_dir=snapshots, settle=0.0)
    assert live.source == "partial" and not (snapshots / "current").exists()
    replace_once(faq / TOPIC, "\nanwser:\n", "\nanswer:\n")
    assert live.reload() == []
    assert (live.source, live.problems, live.kb.topic_ids) == ("faq", (), ("alpha", "beta"))
    beta = live.kb.topic("beta")
    assert beta is not None and beta.related == ("alpha",)
    assert (snapshots / "current" / TOPIC).read_bytes() == (faq / TOPIC).read_bytes()


def test_a_copy_that_does_not_load_falls_back_to_leaving_out(faq: Path, snapshots: Path) -> None:
    LiveKnowledge(faq, snapshot_dir=snapshots)
    save(snapshots / "current" / "office.yaml", "name: [\n")
    break_answer_key(faq / TOPIC)
    live = LiveKnowledge(faq, snapshot_dir=snapshots)
    assert live.source == "partial" and live.kb.topic_ids == ("beta",)


def test_a_copy_that_cannot_be_written_is_a_warning_not_a_failure(
    faq: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "data").write_text("a file where the data folder should be", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="bot.knowledge"):
        live = LiveKnowledge(faq, snapshot_dir=tmp_path / "data" / "faq-snapshot")
    assert live.source == "faq" and live.problems == ()
    [warning] = caplog.records
    assert warning.getMessage().startswith("could not keep the last good faq/ in ")


def test_load_knowledge_resilient_says_what_serves_and_why(faq: Path, tmp_path: Path) -> None:
    loaded = load_knowledge_resilient(faq)
    assert (loaded.source, loaded.problems, loaded.left_out) == ("faq", (), ())
    assert loaded.kb.topic_ids == ("alpha", "beta")
    break_answer_key(faq / BETA)
    loaded = load_knowledge_resilient(faq, tmp_path / "no-copy-yet")
    assert (loaded.source, loaded.left_out) == ("partial", (faq / BETA,))
    assert loaded.kb.topic_ids == ("alpha",) and loaded.problems
