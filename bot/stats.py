"""Usage figures for staff: what was asked, what was missed, which answers did not help.

`make_report` is pure: figures read from the store in, a report out. Reading the figures blocks
(the store answers after the records queued before), so the service calls `Store.figures` and
`make_report` off the event loop; grouping 10,000 kept questions takes well under a second.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Final

from rapidfuzz import fuzz, process

from bot.i18n import Translator
from bot.store import NO_LABEL, UNSURE_LANG, Figures

DEFAULT_DAYS: Final = 30
MAX_DAYS: Final = 3660

TitleOf = Callable[[str], str | None]
"""A label's title in the staff's language; None when the label is unknown (it shows as is)."""

_UNANSWERED_BANDS = ("none", "suggest", "smalltalk")
_NOT_TYPED = ("button", "rejected")


class DaysError(ValueError):
    """Not a number of days; the message says what is allowed."""


@dataclass(frozen=True)
class QuestionGroup:
    example: str
    count: int
    langs: tuple[str, ...]


@dataclass(frozen=True)
class Report:
    since: date
    days: int
    total: int
    by_label: tuple[tuple[str, int], ...]
    """Questions typed and buttons pressed, per label (answered only), most frequent first."""
    unanswered_count: int
    """Typed questions that got a "did you mean" or no answer."""
    typed: int
    by_lang: tuple[tuple[str, int], ...]
    """Typed questions per detected language; UNSURE_LANG ("?") when the matcher only guessed."""
    feedback: tuple[tuple[str, int, int], ...]
    """(label, 👍, 👎)."""
    groups: tuple[QuestionGroup, ...]
    titles: Mapping[str, str] = field(default_factory=dict)
    """The title of each label in the report that has one."""

    def title(self, label: str) -> str:
        """What staff read for a label: its title, else the label itself."""
        return self.titles.get(label, label)


def read_days(text: str, default: int = DEFAULT_DAYS) -> int:
    """The days in "/stats 7" (the default when empty); DaysError for anything but 1 to 3660."""
    text = text.strip()
    if not text:
        return default
    # ASCII digits only: "²" and "٣" pass str.isdigit() and then fail int().
    if not _DAYS.fullmatch(text) or not 0 < int(text) <= MAX_DAYS:
        raise DaysError(f"the number of days must be a whole number from 1 to {MAX_DAYS}")
    return int(text)


_DAYS = re.compile(r"[0-9]{1,4}")


# --- grouping similar questions ---

_SAME_QUESTION = 80.0
"""token_set_ratio at or above which two kept questions are one group."""
_CANDIDATES = 8
"""Groups a question is compared with, at most: this bound keeps grouping linear."""
_PER_STEM = 32
"""Groups looked at per stem, the largest first."""
_RARE_STEMS = 4
"""A question finds its candidates through its rarest word stems, this many."""
_STEM = 5
_WORD = re.compile(r"\w+")
_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ё": "е", "’": "'", "ʼ": "'"})


class _Group:
    def __init__(self, key: str, example: str, stems: frozenset[str]) -> None:
        self.key = key
        self.example = example
        self.stems = stems
        self.langs: Counter[str] = Counter()

    @property
    def count(self) -> int:
        return self.langs.total()

    def result(self) -> QuestionGroup:
        return QuestionGroup(
            self.example, self.count, tuple(lang for lang, _ in self.langs.most_common())
        )


def group_questions(texts: Sequence[tuple[str, str]]) -> list[QuestionGroup]:
    """Group similar (text, lang) questions, most frequent first; the first text is the example."""
    # Comparing every question with every group was quadratic: 58 s for 10,000. Now questions
    # with the same words (folded, in any order) are one group at once, through a dict; then
    # each distinct question, most frequent first, is compared with at most 8 groups that share
    # two of its four rarest word stems (5 letters), and joins the best at token_set_ratio >= 80
    # or starts a group. So two questions without two common stems stay apart, even when
    # fuzzily alike: the price of a bound per question.
    exact: dict[str, _Group] = {}
    for text, lang in texts:
        words = [w for w in _WORD.findall(_fold(text)) if len(w) > 1]
        key = " ".join(sorted(set(words))) or text.casefold()
        group = exact.get(key)
        if group is None:
            group = exact[key] = _Group(key, text, frozenset(w[:_STEM] for w in words))
        group.langs[lang] += 1
    distinct = sorted(exact.values(), key=lambda g: -g.count)
    frequency = Counter(stem for group in distinct for stem in group.stems)
    by_stem: defaultdict[str, list[_Group]] = defaultdict(list)
    leaders: list[_Group] = []
    for group in distinct:
        rare = sorted(group.stems, key=lambda s: (frequency[s], s))[:_RARE_STEMS]
        shared: dict[_Group, int] = {}
        for stem in rare:
            for leader in by_stem[stem][:_PER_STEM]:  # the largest groups come first
                shared[leader] = shared.get(leader, 0) + 1
        # Questions alike enough share at least two of the rarest stems (or the only one).
        needed = min(2, len(rare))
        choices = [leader for leader, n in shared.items() if n >= needed][:_CANDIDATES]
        best = choices and process.extractOne(
            group.key,
            [leader.key for leader in choices],
            scorer=fuzz.token_set_ratio,
            score_cutoff=_SAME_QUESTION,
        )
        if best:
            choices[best[2]].langs.update(group.langs)
            continue
        leaders.append(group)
        for stem in group.stems:
            by_stem[stem].append(group)
    return sorted((leader.result() for leader in leaders), key=lambda g: -g.count)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().translate(_FOLD)


# --- the report ---


def make_report(
    figures: Figures,
    today: date,
    days: int = DEFAULT_DAYS,
    *,
    title: TitleOf | None = None,
    groups: bool = True,
) -> Report:
    """The report on `figures` for the `days` days up to `today`; grouping only with `groups`."""
    by_label: Counter[str] = Counter()
    by_lang: Counter[str] = Counter()
    typed = unanswered = 0
    for row in figures.counters:
        if row.band not in _NOT_TYPED:
            typed += row.n
            by_lang[row.lang] += row.n
        if row.band in _UNANSWERED_BANDS and row.label == NO_LABEL and row.band != "smalltalk":
            unanswered += row.n
        if row.label != NO_LABEL:
            by_label[row.label] += row.n
    feedback = tuple((row.topic, row.helpful, row.unhelpful) for row in figures.feedback)
    labels = {*by_label, *(topic for topic, _, _ in feedback)}
    titles = {label: name for label in labels if title and (name := title(label))}
    return Report(
        since=since_for(today, days),
        days=days,
        total=sum(row.n for row in figures.counters),
        by_label=tuple(by_label.most_common()),
        unanswered_count=unanswered,
        typed=typed,
        # Unsure guesses last: they say how many, not which language.
        by_lang=tuple(sorted(by_lang.most_common(), key=lambda item: item[0] == UNSURE_LANG)),
        feedback=feedback,
        groups=tuple(
            group_questions([(row.text, row.lang) for row in figures.unanswered]) if groups else ()
        ),
        titles=titles,
    )


def since_for(today: date, days: int) -> date:
    """The first day of a period of `days` days that ends with `today`."""
    return today - timedelta(days=days - 1)


# --- for staff ---


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f} %" if whole else "–"


def format_summary(report: Report, t: Translator) -> str:
    """The /stats text for staff, in their language."""
    lines = [
        t.ngettext("Usage in the last {n} day", "Usage in the last {n} days", report.days),
        t.gettext("Questions typed: {count}", count=report.typed),
        t.gettext(
            "Not answered or unsure: {count} ({percent})",
            count=report.unanswered_count,
            percent=_percent(report.unanswered_count, report.typed),
        ),
        t.gettext(
            "Languages: {list}", list=", ".join(f"{lang} {n}" for lang, n in report.by_lang) or "–"
        ),
        "",
        t.gettext("Topics (questions and buttons):"),
        *(f"  {report.title(label)}: {n}" for label, n in report.by_label),
    ]
    if report.feedback:
        lines += ["", t.gettext("Feedback (👍 / 👎):")]
        lines += [f"  {report.title(label)}: {up} / {down}" for label, up, down in report.feedback]
    return "\n".join(lines)


def format_unanswered(report: Report, t: Translator, limit: int = 20) -> str:
    """The /unanswered text: similar questions grouped, most frequent first."""
    if not report.groups:
        return t.gettext("No unanswered questions in this period.")
    lines = [
        t.ngettext(
            "Unanswered questions, last {n} day:",
            "Unanswered questions, last {n} days:",
            report.days,
        )
    ]
    for group in report.groups[:limit]:
        times = t.ngettext("{n} time", "{n} times", group.count)
        lines.append(f"• {group.example} ({times}; {', '.join(group.langs)})")
    return "\n".join(lines)


_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a cell as a formula (OWASP's list for CSV injection)."""


def _cell(value: str | int) -> str | int:
    # A leading quote makes the cell text; staff see the question as it was kept.
    return f"'{value}" if isinstance(value, str) and value.startswith(_FORMULA_START) else value


def to_csv(report: Report) -> str:
    """The report as CSV for a spreadsheet: one section per kind of figure, no cell a formula."""
    rows: list[list[str | int]] = [
        ["section", "key", "count", "extra"],
        ["total", "questions_typed", report.typed, ""],
        ["total", "not_answered_or_unsure", report.unanswered_count, ""],
    ]
    rows += [["label", label, n, report.titles.get(label, "")] for label, n in report.by_label]
    rows += [["language", lang, n, ""] for lang, n in report.by_lang]
    rows += [["feedback", label, up, down] for label, up, down in report.feedback]
    rows += [["unanswered", g.example, g.count, " ".join(g.langs)] for g in report.groups]
    out = io.StringIO()
    csv.writer(out).writerows([_cell(value) for value in row] for row in rows)
    return out.getvalue()
