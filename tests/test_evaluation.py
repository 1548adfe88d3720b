"""The evaluation counts what a user would have seen, per label and per language form."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.evaluation import EvalFileError, EvalItem, default_eval_file, evaluate, load_eval
from bot.understanding import Band, Match


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
    EvalItem("e", "de", "none", "unknown"),
    EvalItem("f", "ru", "none", "referral:school"),
    EvalItem("g", "uk", "none", "referral:school"),
]
SCRIPT = Scripted(
    {
        "a": _answer("measles"),  # right
        "b": _answer("registration"),  # wrong answer
        "c": _suggest("registration", "measles"),  # did you mean, right one offered
        "d": _answer("registration"),  # right
        "e": _suggest("measles"),  # none, not answered: right
        "f": _answer("measles"),  # none answered: wrong
        "g": Match(None, 0.0, "uk", True, Band.REFERRAL, reason="referral:school"),  # right
    }
)


def test_counts_what_users_would_have_seen() -> None:
    report = evaluate(SCRIPT, ITEMS)
    assert report.in_scope_accuracy == pytest.approx(2 / 4)
    assert report.offered_rate == pytest.approx(3 / 4)  # "c" got did-you-mean with its topic
    assert report.suggest_right_rate == pytest.approx(1 / 4)
    assert report.wrong_answer_rate == pytest.approx(1 / 4)
    assert report.none_accuracy == pytest.approx(2 / 3)
    assert report.precision == pytest.approx(2 / 4)  # of four outright answers, two are right
    assert report.suggest_rate == pytest.approx(2 / 7)
    stats = {s.label: s for s in report.labels}
    assert (stats["measles"].answered, stats["measles"].right) == (2, 1)
    assert stats["measles"].recall == pytest.approx(1 / 2)
    langs = {g.name: (g.total, g.right) for g in report.langs}
    assert langs == {"de": (2, 2), "uk": (2, 1), "en": (1, 0), "uk-latn": (1, 1), "ru": (1, 0)}
    assert [o.item.text for o in report.misses] == ["b", "c", "f"]
    reasons = {g.name: (g.total, g.right) for g in report.reasons}
    assert reasons == {"referral:school": (2, 1), "unknown": (1, 1)}


def test_the_table_lists_figures_and_misses_unless_asked_not_to() -> None:
    table = evaluate(SCRIPT, ITEMS).format()
    assert "in-scope answered right:          50.0%" in table
    assert "uk-latn" in table
    assert "expected measles, got registration" in table
    assert "got did-you-mean[registration,measles]" in table
    summary = evaluate(SCRIPT, ITEMS).format(misses=False)
    assert "in-scope answered right:          50.0%" in summary
    assert "expected" not in summary


def test_load_eval_reads_items_and_rejects_broken_ones(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(
        '- {text: "Masern?", lang: de, label: measles}\n- {text: "hi", lang: en, label: none}\n',
        encoding="utf-8",
    )
    assert load_eval(good) == [EvalItem("Masern?", "de", "measles"), EvalItem("hi", "en", "none")]
    bad = tmp_path / "bad.yaml"
    bad.write_text("- {lang: de, label: measles}\n", encoding="utf-8")
    with pytest.raises(EvalFileError, match="item 1"):
        load_eval(bad)
    with pytest.raises(EvalFileError, match="cannot read"):
        load_eval(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("- {text: [unclosed\n", encoding="utf-8")
    with pytest.raises(EvalFileError, match="not a YAML file"):
        load_eval(broken)


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
