"""Figures for staff: quick to make however many questions were kept, in words staff read (topic
titles), honest about languages, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
import random
import time
from datetime import date

import pytest

from bot import stats
from bot.i18n import Catalogs
from bot.store import CounterRow, FeedbackRow, Figures, Question, Store, UnansweredRow

DAY = date(2026, 11, 25)
TITLES = {"rights": "Rechte von Eltern", "measles": "Masernschutz"}


def figures(
    counters: tuple[CounterRow, ...] = (),
    feedback: tuple[FeedbackRow, ...] = (),
    unanswered: tuple[str, ...] = (),
) -> Figures:
    rows = tuple(UnansweredRow(DAY.isoformat(), "de", "none", text) for text in unanswered)
    return Figures(counters, feedback, rows, len(rows))


def report_of(store: Store, *, groups: bool = True) -> stats.Report:
    """The last 30 days' report from `store`, as /stats makes it."""
    return stats.make_report(store.figures(stats.since_for(DAY, 30)), DAY, 30, groups=groups)


def random_questions(n: int, seed: int = 5) -> list[tuple[str, str]]:
    """Distinct six-word questions from a large vocabulary, as an attacker would send."""
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyzäöüß"
    vocabulary = ["".join(rng.choices(letters, k=rng.randint(3, 10))) for _ in range(4000)]
    return [(" ".join(rng.choices(vocabulary, k=6)), "de") for _ in range(n)]


def test_ten_thousand_kept_questions_are_grouped_in_well_under_two_seconds() -> None:
    # Pairwise comparison: 58 s for 10,000, on the event loop, and anyone can add rows.
    questions = random_questions(10_000)
    started = time.perf_counter()
    groups = stats.group_questions(questions)
    assert time.perf_counter() - started < 2.0  # about 0.3 s here
    assert sum(group.count for group in groups) == 10_000


def test_many_questions_sharing_common_words_are_grouped_quickly() -> None:
    rng = random.Random(3)
    common = ["gibt", "es", "einen", "kita", "platz", "in", "dresden", "für", "mein", "kind"]
    rare = [f"wort{n}" for n in range(3000)]
    questions = [
        (" ".join([*rng.sample(common, 6), rng.choice(rare)]), "uk") for _ in range(10_000)
    ]
    started = time.perf_counter()
    groups = stats.group_questions(questions)
    assert time.perf_counter() - started < 2.0
    assert sum(group.count for group in groups) == 10_000


def test_similar_questions_are_one_group_and_different_ones_are_not() -> None:
    groups = stats.group_questions(
        [
            ("Gibt es Schwimmkurse für Kinder?", "de"),
            ("gibt es schwimmkurse fuer kinder", "de"),
            ("Gibt es Schwimkurse für Kinder", "uk"),  # a typo
            ("Kinder Schwimmkurse gibt es?", "en"),  # other order
            ("Wo ist der Zoo?", "de"),
            ("Як оформити Kita-Gutschein?", "uk"),
            ("як оформити kita-gutschein", "uk"),
        ]
    )
    assert [(group.example, group.count) for group in groups] == [
        ("Gibt es Schwimmkurse für Kinder?", 4),
        ("Як оформити Kita-Gutschein?", 2),
        ("Wo ist der Zoo?", 1),
    ]
    assert groups[0].langs == ("de", "uk", "en")


def test_the_summary_shows_titles_not_ids(catalogs: Catalogs) -> None:
    report = stats.make_report(
        figures(
            counters=(
                CounterRow(DAY.isoformat(), "de", "rights", "answer", 3),
                CounterRow(DAY.isoformat(), "de", "gone-topic", "answer", 1),
            ),
            feedback=(FeedbackRow("measles", 2, 1),),
        ),
        DAY,
        7,
        title=TITLES.get,
    )
    text = stats.format_summary(report, catalogs["de"])
    assert "Rechte von Eltern: 3" in text
    assert "Masernschutz: 2 / 1" in text
    assert "gone-topic: 1" in text  # a topic deleted since: its id, rather than nothing
    assert "rights" not in text and "measles" not in text


def test_a_language_only_guessed_is_counted_as_unsure(store: Store) -> None:
    store.record(Question(DAY, "en", None, "none", "ok", lang_confident=False))
    store.record(Question(DAY, "en", None, "none", "hm", lang_confident=False))
    store.record(Question(DAY, "uk", "rights", "answer", lang_confident=True))
    report = report_of(store)
    assert report.by_lang == (("uk", 1), ("?", 2))  # unsure last: how many, not which


def test_stats_for_staff_skip_grouping_when_asked(store: Store) -> None:
    store.record(Question(DAY, "de", None, "none", "Wo ist der Zoo?"))
    assert report_of(store, groups=False).groups == ()
    assert report_of(store).groups[0].example == "Wo ist der Zoo?"


@pytest.mark.parametrize("args", ["abc", "0", "-5", "3661", "7 Tage", "²", "٣", "9" * 5000])
def test_a_bad_number_of_days_is_refused_not_replaced_by_thirty(args: str) -> None:
    with pytest.raises(stats.DaysError, match="from 1 to 3660"):
        stats.read_days(args)


@pytest.mark.parametrize(("args", "days"), [("", 30), ("  ", 30), ("7", 7), (" 365 ", 365)])
def test_a_good_number_of_days(args: str, days: int) -> None:
    assert stats.read_days(args) == days


FORMULAS = [
    '=HYPERLINK("https://evil.example/x";"Mehr Infos")',
    "=cmd|' /C calc'!A",
    "+SUM(A:A)",
    "-2+3",
    "@SUM(A1)",
    "\tTab vorn",
    "\rWagenrücklauf vorn",
]


def test_no_csv_cell_is_read_as_a_formula() -> None:
    # Staff open the CSV in a spreadsheet: a kept question became a link or a DDE prompt.
    report = stats.make_report(figures(unanswered=tuple(FORMULAS)), DAY, 30)
    cells = [cell for row in csv.reader(io.StringIO(stats.to_csv(report))) for cell in row]
    kept = [cell for cell in cells if cell.lstrip("'") in FORMULAS]
    assert sorted(kept) == sorted(f"'{formula}" for formula in FORMULAS)
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_the_csv_keeps_ids_as_keys_and_adds_titles() -> None:
    counters = (CounterRow(DAY.isoformat(), "de", "rights", "answer", 3),)
    report = stats.make_report(figures(counters=counters), DAY, 30, title=TITLES.get)
    assert "label,rights,3,Rechte von Eltern" in stats.to_csv(report)
