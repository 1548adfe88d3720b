"""The evaluation counts what a user would have seen, per label and per language form."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.evaluation import (
    EvalItem,
    cross_validate,
    default_eval_file,
    evaluate,
    folds_of,
    load_eval,
    objective,
    threshold_grid,
)
from bot.matching import Band, Match, Matcher, Weights
from tests.test_matching import hand_made_kb


class Scripted:
    """A matcher that answers from a table, so the counting can be checked by hand."""

    def __init__(self, answers: dict[str, Match]) -> None:
        self.answers = answers

    def match(self, text: str) -> Match:
        return self.answers[text]


def _answer(label: str) -> Match:
    return Match(label, 80.0, "de", True, Band.ANSWER)


def _suggest(*labels: str) -> Match:
    return Match(None, 40.0, "de", True, Band.SUGGEST, suggestions=labels)


NOTHING = Match(None, 0.0, "de", False, Band.NONE)

ITEMS = [
    EvalItem("a", "de", "measles"),
    EvalItem("b", "uk", "measles"),
    EvalItem("c", "en", "registration"),
    EvalItem("d", "uk-latn", "registration"),
    EvalItem("e", "de", "none"),
    EvalItem("f", "ru", "none"),
]
SCRIPT = Scripted(
    {
        "a": _answer("measles"),  # right
        "b": _answer("registration"),  # wrong answer
        "c": _suggest("registration", "measles"),  # did you mean, right one offered
        "d": _answer("registration"),  # right
        "e": _suggest("measles"),  # none, not answered: right
        "f": _answer("measles"),  # none answered: wrong
    }
)


def test_counts_per_label_language_and_overall() -> None:
    report = evaluate(SCRIPT, ITEMS)
    assert report.in_scope_accuracy == pytest.approx(2 / 4)
    assert report.wrong_answer_rate == pytest.approx(1 / 4)
    assert report.none_accuracy == pytest.approx(1 / 2)
    assert report.none_answered_rate == pytest.approx(1 / 2)
    assert report.suggest_rate == pytest.approx(2 / 6)
    assert report.suggest_hit_rate == 1.0
    stats = {s.label: s for s in report.labels}
    assert (stats["measles"].answered, stats["measles"].right) == (2, 1)
    assert stats["measles"].precision == pytest.approx(1 / 2)
    assert stats["measles"].recall == pytest.approx(1 / 2)
    assert stats["registration"].precision == pytest.approx(1 / 2)
    langs = {g.name: (g.total, g.right) for g in report.langs}
    assert langs == {"de": (2, 2), "uk": (1, 0), "en": (1, 0), "uk-latn": (1, 1), "ru": (1, 0)}
    assert [o.item.text for o in report.misses] == ["b", "c", "f"]


def test_the_table_lists_figures_and_misses() -> None:
    table = evaluate(SCRIPT, ITEMS).format()
    assert "in-scope answered right:  50.0%" in table
    assert "uk-latn" in table
    assert "expected measles, got registration" in table
    assert "got suggest[registration,measles]" in table


def test_wrong_answers_cost_more_than_right_ones_earn() -> None:
    outcomes = evaluate(SCRIPT, ITEMS).outcomes
    # In scope: two of four right, one of four wrong; off topic: one of two left unanswered.
    assert objective(outcomes) == 2 / 4 - 2 * 1 / 4 + 1 / 2
    assert objective(iter(outcomes)) == objective(outcomes)  # the tuning passes a generator


def test_load_eval_reads_items_and_rejects_broken_ones(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(
        '- {text: "Masern?", lang: de, label: measles}\n- {text: "hi", lang: en, label: none}\n',
        encoding="utf-8",
    )
    assert load_eval(good) == [EvalItem("Masern?", "de", "measles"), EvalItem("hi", "en", "none")]
    bad = tmp_path / "bad.yaml"
    bad.write_text("- {lang: de, label: measles}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="item 1"):
        load_eval(bad)


def test_default_eval_file_is_found_next_to_the_checkout(tmp_path: Path) -> None:
    found = default_eval_file(tmp_path)
    assert found is None or found.name == "dev.yaml"
    shared = tmp_path / "shared" / "eval"
    shared.mkdir(parents=True)
    (shared / "dev.yaml").write_text("[]", encoding="utf-8")
    checkout = tmp_path / "main"
    checkout.mkdir()
    repo_file = default_eval_file(checkout)
    assert repo_file is not None
    assert repo_file.name == "dev.yaml"


def test_folds_are_balanced_and_stratified() -> None:
    items = [EvalItem(str(n), "de" if n % 2 else "uk", "measles") for n in range(20)]
    fold = folds_of(items, 5)
    assert sorted(fold.count(f) for f in range(5)) == [4, 4, 4, 4, 4]


def test_cross_validation_judges_every_item_once_on_held_out_folds() -> None:
    items = [
        EvalItem("Ist die Masernimpfung Pflicht?", "de", "measles"),
        EvalItem("чи потрібне щеплення від кору", "uk", "measles"),
        EvalItem("measles vaccine needed?", "en", "measles"),
        EvalItem("Wie bekomme ich einen Kitaplatz?", "de", "registration"),
        EvalItem("як записати дитину", "uk", "registration"),
        EvalItem("how do I register my son", "en", "registration"),
        EvalItem("Wie wird das Wetter?", "de", "none"),
        EvalItem("tell me a joke", "en", "none"),
    ]
    report, chosen, overall = cross_validate(
        hand_made_kb(), items, k=2, weights=[Weights()], thresholds=threshold_grid()[:6]
    )
    assert len(report.outcomes) == len(items)
    assert [o.item for o in report.outcomes] == items
    assert len(chosen) == 2
    assert overall.weights == Weights()
    assert isinstance(Matcher.build(hand_made_kb(), overall.thresholds), Matcher)
