"""Usage figures for staff: what was asked, what was missed, which answers did not help."""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from rapidfuzz import fuzz

from bot.i18n import Translator
from bot.store import NO_LABEL, Store

DEFAULT_DAYS = 30
_SAME_QUESTION = 80.0
"""token_set_ratio at or above which two unanswered questions are grouped together."""

_UNANSWERED_BANDS = ("none", "suggest", "smalltalk")


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
    """Questions typed and buttons pressed, per topic (answered only), most frequent first."""
    unanswered_count: int
    """Typed questions that got a "did you mean" or no answer."""
    typed: int
    by_lang: tuple[tuple[str, int], ...]
    feedback: tuple[tuple[str, int, int], ...]
    """(topic, 👍, 👎)."""
    groups: tuple[QuestionGroup, ...]


def parse_days(args: str, default: int = DEFAULT_DAYS) -> int:
    """The number of days in an admin command's argument ("/stats 7"), else the default."""
    text = args.strip()
    return int(text) if text.isdigit() and 0 < int(text) <= 3660 else default


def group_questions(texts: list[tuple[str, str]]) -> list[QuestionGroup]:
    """Group similar (text, lang) questions, most frequent first; the first text is the example."""
    groups: list[tuple[str, list[str], Counter[str]]] = []
    for text, lang in texts:
        key = text.casefold()
        for example_key, members, langs in groups:
            if fuzz.token_set_ratio(key, example_key) >= _SAME_QUESTION:
                members.append(text)
                langs[lang] += 1
                break
        else:
            groups.append((key, [text], Counter({lang: 1})))
    result = [
        QuestionGroup(members[0], len(members), tuple(lang for lang, _ in langs.most_common()))
        for _, members, langs in groups
    ]
    return sorted(result, key=lambda group: -group.count)


def build_report(store: Store, today: date, days: int = DEFAULT_DAYS) -> Report:
    """Figures for the last `days` days up to and including `today`."""
    since = today - timedelta(days=days - 1)
    rows = store.counters(since)
    by_label: Counter[str] = Counter()
    by_lang: Counter[str] = Counter()
    typed = unanswered = 0
    for row in rows:
        if row.band not in ("button", "rejected"):
            typed += row.n
            by_lang[row.lang] += row.n
        if row.band in _UNANSWERED_BANDS and row.label == NO_LABEL:
            unanswered += row.n if row.band != "smalltalk" else 0
        if row.label != NO_LABEL:
            by_label[row.label] += row.n
    questions = [(row.text, row.lang) for row in store.unanswered(since)]
    return Report(
        since=since,
        days=days,
        total=sum(row.n for row in rows),
        by_label=tuple(by_label.most_common()),
        unanswered_count=unanswered,
        typed=typed,
        by_lang=tuple(by_lang.most_common()),
        feedback=tuple((row.topic, row.helpful, row.unhelpful) for row in store.feedback(since)),
        groups=tuple(group_questions(questions)),
    )


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
        *(f"  {label}: {n}" for label, n in report.by_label),
    ]
    if report.feedback:
        lines += ["", t.gettext("Feedback (👍 / 👎):")]
        lines += [f"  {topic}: {up} / {down}" for topic, up, down in report.feedback]
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


def to_csv(report: Report) -> str:
    """The report as CSV for a spreadsheet: one section per kind of figure."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "key", "count", "extra"])
    writer.writerow(["total", "questions_typed", report.typed, ""])
    writer.writerow(["total", "not_answered_or_unsure", report.unanswered_count, ""])
    writer.writerows(["label", label, n, ""] for label, n in report.by_label)
    writer.writerows(["language", lang, n, ""] for lang, n in report.by_lang)
    writer.writerows(["feedback", topic, up, down] for topic, up, down in report.feedback)
    writer.writerows(["unanswered", g.example, g.count, " ".join(g.langs)] for g in report.groups)
    return out.getvalue()
