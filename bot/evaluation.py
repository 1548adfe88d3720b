"""How well the matcher understands a labelled set of messages (`kita-bot eval`).

An in-scope item is right when it is answered (band ANSWER) with its label; a `none` item is right
when it is not answered with a topic or service ("did you mean", a referral, small talk and
"no answer" are all fine there). Items may say why they are `none` (`reason`); the report then
also counts how often the bot gave that reason (the right referral, "another town").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Protocol

import yaml

from bot.understanding import Band, Match

NONE_LABEL: Final = "none"
LANG_FORMS: Final = ("de", "uk", "en", "ru", "uk-latn")


class Understands(Protocol):
    def match(self, text: str) -> Match: ...


class EvalFileError(Exception):
    """An evaluation file that cannot be read; the message says which and why."""


@dataclass(frozen=True)
class EvalItem:
    text: str
    lang: str
    """de | uk | uk-latn | en | ru: how the message is written."""
    label: str
    """A topic id, "contact", "office-hours" or "none"."""
    reason: str | None = None
    """For `none`: referral:<id>, elsewhere, smalltalk or unknown, when the file says."""


@dataclass(frozen=True)
class Outcome:
    item: EvalItem
    match: Match

    @property
    def answered(self) -> str | None:
        """The label the user would have been answered with, if any."""
        return self.match.label if self.match.band is Band.ANSWER else None

    @property
    def in_scope(self) -> bool:
        return self.item.label != NONE_LABEL

    @property
    def correct(self) -> bool:
        if not self.in_scope:
            return self.answered is None
        return self.answered == self.item.label

    @property
    def offered(self) -> bool:
        """The right topic was answered or offered as "did you mean"."""
        return self.correct or (
            self.match.band is Band.SUGGEST and self.item.label in self.match.suggestions
        )

    @property
    def wrong(self) -> bool:
        """Answered with a topic that is not the one asked for (worse than no answer)."""
        return self.answered is not None and not self.correct


@dataclass(frozen=True)
class LabelStats:
    label: str
    support: int
    answered: int
    """How often this label was answered (rightly or not)."""
    right: int

    @property
    def precision(self) -> float:
        return self.right / self.answered if self.answered else 1.0

    @property
    def recall(self) -> float:
        return self.right / self.support if self.support else 1.0


@dataclass(frozen=True)
class GroupStats:
    name: str
    total: int
    right: int

    @property
    def accuracy(self) -> float:
        return self.right / self.total if self.total else 1.0


@dataclass(frozen=True)
class EvalReport:
    outcomes: tuple[Outcome, ...]

    @property
    def in_scope(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if o.in_scope)

    @property
    def out_of_scope(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if not o.in_scope)

    @property
    def in_scope_accuracy(self) -> float:
        """Share of in-scope messages answered with the right label."""
        return _share(o.correct for o in self.in_scope)

    @property
    def offered_rate(self) -> float:
        """Share of in-scope messages whose label was answered or offered in "did you mean"."""
        return _share(o.offered for o in self.in_scope)

    @property
    def wrong_answer_rate(self) -> float:
        """Share of in-scope messages answered with a wrong label."""
        return _share(o.wrong for o in self.in_scope)

    @property
    def suggest_right_rate(self) -> float:
        """Share of in-scope messages that got "did you mean" holding their label."""
        return _share(o.offered and not o.correct for o in self.in_scope)

    @property
    def none_accuracy(self) -> float:
        """Share of `none` messages not answered with a topic or service."""
        return _share(o.correct for o in self.out_of_scope)

    @property
    def precision(self) -> float:
        """Share of outright answers (topics, services) that are right."""
        answered = [o for o in self.outcomes if o.answered is not None]
        return _share(o.correct for o in answered)

    @property
    def suggest_rate(self) -> float:
        return _share(o.match.band is Band.SUGGEST for o in self.outcomes)

    @property
    def reasons(self) -> tuple[GroupStats, ...]:
        """Per reason a `none` item gives: how often the bot gave that same reason."""
        given = Counter(o.item.reason for o in self.out_of_scope if o.item.reason)
        right = Counter(
            o.item.reason
            for o in self.out_of_scope
            if o.item.reason and _said_reason(o.match) == o.item.reason
        )
        return tuple(GroupStats(r, given[r], right[r]) for r in sorted(given))

    @property
    def labels(self) -> tuple[LabelStats, ...]:
        support = Counter(o.item.label for o in self.in_scope)
        answered = Counter(o.answered for o in self.outcomes if o.answered is not None)
        right = Counter(o.answered for o in self.outcomes if o.answered and o.correct)
        names = sorted(set(support) | set(answered), key=lambda x: (x not in support, x))
        return tuple(LabelStats(n, support[n], answered[n], right[n]) for n in names)

    @property
    def langs(self) -> tuple[GroupStats, ...]:
        forms = [f for f in LANG_FORMS if any(o.item.lang == f for o in self.outcomes)]
        forms += sorted({o.item.lang for o in self.outcomes} - set(forms))
        return tuple(
            GroupStats(
                form,
                sum(o.item.lang == form for o in self.outcomes),
                sum(o.item.lang == form and o.correct for o in self.outcomes),
            )
            for form in forms
        )

    @property
    def accuracy(self) -> float:
        return _share(o.correct for o in self.outcomes)

    @property
    def misses(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if not o.correct)

    def format(self, *, misses: bool = True) -> str:
        """A readable table: the figures, per label, per language form, then the misses."""
        lines = [
            f"items: {len(self.outcomes)} ({len(self.in_scope)} in scope, "
            f"{len(self.out_of_scope)} none)",
            f"in-scope answered right:          {_pct(self.in_scope_accuracy)}",
            f"in-scope right in answer or DYM:  {_pct(self.offered_rate)}"
            f"   (did-you-mean with the right topic: {_pct(self.suggest_right_rate)})",
            f"in-scope answered wrong:          {_pct(self.wrong_answer_rate)}",
            f"none not answered with a topic:   {_pct(self.none_accuracy)}",
            f"answers that are right:           {_pct(self.precision)}",
            f"did-you-mean rate (all items):    {_pct(self.suggest_rate)}",
            f"overall:                          {_pct(self.accuracy)}",
            "",
            f"{'label':<20} {'n':>4} {'answered':>9} {'precision':>10} {'recall':>8}",
        ]
        for s in self.labels:
            lines.append(
                f"{s.label:<20} {s.support:>4} {s.answered:>9} "
                f"{_pct(s.precision):>10} {_pct(s.recall):>8}"
            )
        lines += ["", f"{'language':<20} {'n':>4} {'right':>9} {'accuracy':>10}"]
        for g in self.langs:
            lines.append(f"{g.name:<20} {g.total:>4} {g.right:>9} {_pct(g.accuracy):>10}")
        if self.reasons:
            lines += ["", f"{'none, because':<24} {'n':>4} {'said so':>9}"]
            for g in self.reasons:
                lines.append(f"{g.name:<24} {g.total:>4} {g.right:>9} {_pct(g.accuracy):>8}")
        if misses:
            lines += ["", f"misses: {len(self.misses)}"]
            for o in self.misses:
                lines.append(
                    f"  [{o.item.lang}] expected {o.item.label}, got {_got(o.match)}: {o.item.text}"
                )
        return "\n".join(lines)


def _said_reason(found: Match) -> str | None:
    if found.band is Band.SMALLTALK:
        return "smalltalk"
    if found.reason in ("out-of-scope", "unknown") or found.band is Band.SUGGEST:
        return "unknown"
    return found.reason


def _got(found: Match) -> str:
    if found.band is Band.ANSWER:
        return (
            f"{found.label}"
            + (f" ({found.answer})" if found.answer else "")
            + f" {found.score:.0f}"
        )
    if found.band is Band.SUGGEST:
        return f"did-you-mean[{','.join(found.suggestions)}] {found.score:.0f}"
    return f"{found.band.value}:{found.reason}"


def load_eval(path: Path) -> list[EvalItem]:
    """Read a YAML list of {text, lang, label[, reason]} items."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise EvalFileError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise EvalFileError(f"{path}: not a YAML file ({type(exc).__name__})") from None
    if not isinstance(data, list):
        raise EvalFileError(f"{path}: expected a list of {{text, lang, label}} items")
    items: list[EvalItem] = []
    for index, entry in enumerate(data, start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("text"), str):
            raise EvalFileError(f"{path}: item {index} needs a text")
        label = entry.get("label")
        if not isinstance(label, str) or not label:
            raise EvalFileError(f"{path}: item {index} needs a label")
        reason = entry.get("reason")
        items.append(
            EvalItem(
                entry["text"],
                str(entry.get("lang", "?")),
                label,
                reason if isinstance(reason, str) else None,
            )
        )
    return items


def evaluate(matcher: Understands, items: Sequence[EvalItem]) -> EvalReport:
    """Match every item and count what a user would have seen."""
    return EvalReport(tuple(Outcome(item, matcher.match(item.text)) for item in items))


def default_eval_file(cwd: Path | None = None) -> Path | None:
    """../shared/eval/dev.yaml next to the checkout (seen from bot/ or from the working dir)."""
    repo = Path(__file__).resolve().parent.parent
    here = (cwd or Path.cwd()).resolve()
    for base in (repo, here, here.parent):
        candidate = base.parent / "shared" / "eval" / "dev.yaml"
        if candidate.is_file():
            return candidate
    return None


def _share(flags: Iterable[bool]) -> float:
    values = list(flags)
    return sum(values) / len(values) if values else 1.0


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"
