"""What the bot keeps: the least it can, nothing that names a person, nothing older than allowed."""

from __future__ import annotations

import sqlite3
import stat
from datetime import date, timedelta
from pathlib import Path

from bot import stats
from bot.i18n import Catalogs
from bot.store import SECRET_NAME, Store


def database_dump(path: Path) -> str:
    with sqlite3.connect(path) as db:
        return "\n".join(db.iterdump())


def test_language_choice_is_kept_under_a_keyed_hash(store: Store) -> None:
    store.remember_language(123456789, "uk")
    assert store.language_of(123456789) == "uk"
    assert store.language_of(987654321) is None
    assert "123456789" not in database_dump(store.path)
    secret = store.path.parent / SECRET_NAME
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600


def test_language_choice_survives_a_restart(tmp_path: Path) -> None:
    first = Store(tmp_path)
    first.remember_language(42, "en")
    first.close()
    again = Store(tmp_path)
    assert again.language_of(42) == "en"
    again.close()


def test_forgetting_a_user_deletes_their_choice(store: Store) -> None:
    store.remember_language(7, "de")
    store.forget_user(7)
    assert store.language_of(7) is None


def test_unanswered_questions_are_deleted_after_the_retention_period(tmp_path: Path) -> None:
    db = Store(tmp_path, retention_days=30)
    today = date(2026, 11, 25)
    db.record_question(today - timedelta(days=40), "de", None, "none", "alte Frage")
    db.record_question(today - timedelta(days=10), "de", None, "none", "neue Frage")
    db.purge(today)
    texts = [row.text for row in db.unanswered(today - timedelta(days=365))]
    assert texts == ["neue Frage"]
    db.close()


def test_deleted_questions_cannot_be_read_from_the_database_files(tmp_path: Path) -> None:
    db = Store(tmp_path, retention_days=30)
    today = date(2026, 11, 25)
    for n in range(40):  # enough rows that the deleted ones share pages with the kept one
        db.record_question(today - timedelta(days=40), "de", None, "none", f"Olena Petrenko {n}")
    # The day's first question purges what is past the retention period.
    db.record_question(today, "de", None, "none", "neue Frage")
    files = b"".join(path.read_bytes() for path in tmp_path.glob("kita-bot.sqlite3*"))
    assert b"Petrenko" not in files
    assert b"neue Frage" in files
    db.close()


def test_answered_questions_leave_only_a_counter(store: Store) -> None:
    store.record_question(date(2026, 11, 25), "uk", "measles", "answer", None)
    assert "measles" in database_dump(store.path)
    assert store.unanswered(date(2026, 1, 1)) == []


def test_stats_group_similar_unanswered_questions(store: Store) -> None:
    day = date(2026, 11, 25)
    for text in (
        "Gibt es Schwimmkurse für Kinder?",
        "gibt es schwimmkurse fuer kinder",
        "Wo ist der Zoo?",
    ):
        store.record_question(day, "de", None, "none", text)
    store.record_question(day, "uk", "rights", "answer", None)
    store.record_feedback(day, "rights", helpful=False)
    report = stats.build_report(store, day, 30)
    assert report.typed == 4
    assert report.unanswered_count == 3
    assert report.groups[0].count == 2
    text = stats.format_summary(report, Catalogs.load()["en"])
    assert "Questions typed: 4" in text
    assert "rights: 0 / 1" in text
    unanswered = stats.format_unanswered(report, Catalogs.load()["en"])
    assert "schwimmkurse fuer kinder (2 times; de)" in unanswered.casefold()
    assert "unanswered,Wo ist der Zoo?,1,de" in stats.to_csv(report)
