"""What the bot keeps: the least it can, nothing that names a person, nothing older than allowed."""

from __future__ import annotations

import sqlite3
import stat
import time
from datetime import date, timedelta
from pathlib import Path

from bot import stats
from bot.i18n import Catalogs
from bot.store import SECRET_NAME, Question, Store, Tuning

DAY = date(2026, 11, 25)
EARLY = date(2026, 1, 1)


def database_dump(path: Path) -> str:
    with sqlite3.connect(path) as db:
        return "\n".join(db.iterdump())


def test_language_choice_is_kept_under_a_keyed_hash(store: Store) -> None:
    store.remember_language(123456789, "uk")
    assert store.language_of(123456789) == "uk"
    assert store.language_of(987654321) is None
    assert store.flush()
    assert store.user_key(123456789) in database_dump(store.path)
    assert "123456789" not in database_dump(store.path)
    secret = store.path.parent / SECRET_NAME
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600


def test_language_choice_survives_a_restart(tmp_path: Path) -> None:
    first = Store(tmp_path)
    first.remember_language(42, "en")
    assert first.close()
    again = Store(tmp_path)
    assert again.language_of(42) == "en"
    again.close()


def test_forgetting_a_user_deletes_their_choice(tmp_path: Path) -> None:
    first = Store(tmp_path)
    first.remember_language(7, "de")
    first.forget_user(7)
    assert first.language_of(7) is None
    first.close()
    assert Store(tmp_path).language_of(7) is None


def test_recording_returns_at_once_and_a_report_sees_every_record_before_it(store: Store) -> None:
    started = time.perf_counter()
    for n in range(500):
        store.record(Question(DAY, "de", None, "none", f"Frage Nummer {n} zum Schwimmen"))
    assert time.perf_counter() - started < 0.5  # a few microseconds each; SQLite is not touched
    figures = store.figures(EARLY)  # queued after the records, so it sees all of them
    assert sum(row.n for row in figures.counters) == 500
    assert figures.unanswered_kept == 500
    assert figures.unanswered[0].text == "Frage Nummer # zum Schwimmen"


def test_answered_questions_leave_only_a_counter(store: Store) -> None:
    store.record(Question(DAY, "uk", "measles", "answer", None))
    assert store.unanswered(EARLY) == []
    assert "measles" in database_dump(store.path)


def test_a_language_detected_without_confidence_is_counted_as_unsure(store: Store) -> None:
    store.record(Question(DAY, "en", None, "none", "ok ok", lang_confident=False))
    store.record(Question(DAY, "uk", "rights", "answer", lang_confident=True))
    assert {(row.lang, row.label) for row in store.counters(EARLY)} == {
        ("?", "none"),
        ("uk", "rights"),
    }
    assert [row.lang for row in store.unanswered(EARLY)] == ["?"]


def test_unanswered_questions_are_deleted_after_the_retention_period_on_a_timer(
    tmp_path: Path,
) -> None:
    # The purge used to run only when a question arrived: with only /start and /help for
    # weeks, questions stayed for 40 days and more.
    today = [date(2026, 11, 1)]
    db = Store(tmp_path, retention_days=30, today=lambda: today[0], tuning=Tuning(purge_check=0.02))
    for n in range(40):  # enough rows that the deleted ones share pages with the kept one
        db.record(Question(today[0], "de", None, "none", f"Olena Petrenko {n}"))
    db.record(Question(today[0] + timedelta(days=10), "de", None, "none", "neue Frage"))
    assert len(db.unanswered(EARLY)) == 41
    today[0] += timedelta(days=31)  # no question, no command: only the clock moves
    deadline = time.monotonic() + 5
    while len(db.unanswered(EARLY)) > 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert [row.text for row in db.unanswered(EARLY)] == ["neue Frage"]
    files = b"".join(path.read_bytes() for path in tmp_path.glob("kita-bot.sqlite3*"))
    assert b"Petrenko" not in files
    assert b"neue Frage" in files
    db.close()


def test_purge_on_demand_counts_what_it_deleted(store: Store) -> None:
    store.record(Question(DAY - timedelta(days=40), "de", None, "none", "alte Frage"))
    store.record(Question(DAY - timedelta(days=10), "de", None, "none", "neue Frage"))
    assert store.purge(DAY) == 1
    assert [row.text for row in store.unanswered(EARLY)] == ["neue Frage"]


def test_one_vote_per_user_and_answer(store: Store) -> None:
    # 29 presses of the same 👍 in a minute counted 29 times.
    for _ in range(29):
        store.vote(555000111, DAY, "rights", helpful=True)
    store.vote(555000222, DAY, "rights", helpful=True)
    assert [(r.topic, r.helpful, r.unhelpful) for r in store.feedback(EARLY)] == [("rights", 2, 0)]
    store.vote(555000111, DAY + timedelta(days=1), "rights", helpful=False)  # changed their mind
    store.vote(555000111, DAY, "measles", helpful=True)  # another answer: a vote of its own
    assert [(r.topic, r.helpful, r.unhelpful) for r in store.feedback(EARLY)] == [
        ("measles", 1, 0),
        ("rights", 1, 1),
    ]
    dump = database_dump(store.path)
    assert "555000111" not in dump
    assert store.user_key(555000111) not in dump  # a vote cannot be joined with the language


def test_votes_older_than_the_retention_period_become_plain_counts(store: Store) -> None:
    store.vote(1, DAY - timedelta(days=40), "rights", helpful=True)
    store.vote(2, DAY - timedelta(days=40), "rights", helpful=True)
    store.vote(3, DAY, "rights", helpful=False)
    store.purge(DAY)
    with sqlite3.connect(store.path) as db:
        assert db.execute("SELECT count(*) FROM votes").fetchone() == (1,)
    assert [(r.topic, r.helpful, r.unhelpful) for r in store.feedback(EARLY)] == [("rights", 2, 1)]


def test_stats_group_similar_unanswered_questions(store: Store, catalogs: Catalogs) -> None:
    for text in (
        "Gibt es Schwimmkurse für Kinder?",
        "gibt es schwimmkurse fuer kinder",
        "Wo ist der Zoo?",
    ):
        store.record(Question(DAY, "de", None, "none", text))
    store.record(Question(DAY, "uk", "rights", "answer", None))
    store.vote(7, DAY, "rights", helpful=False)
    report = stats.make_report(store.figures(stats.since_for(DAY, 30)), DAY, 30)
    assert report.typed == 4
    assert report.unanswered_count == 3
    assert report.groups[0].count == 2
    text = stats.format_summary(report, catalogs["en"])
    assert "Questions typed: 4" in text
    assert "rights: 0 / 1" in text
    unanswered = stats.format_unanswered(report, catalogs["en"])
    assert "schwimmkurse fuer kinder (2 times; de)" in unanswered.casefold()  # the newest
    assert "unanswered,Wo ist der Zoo?,1,de" in stats.to_csv(report)
