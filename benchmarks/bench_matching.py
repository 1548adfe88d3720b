"""Matching speed and memory (and, with --quality, the figures on the labelled sets).

Run from the checkout:  .venv/bin/python benchmarks/bench_matching.py [--quality] [EVAL_FILE]
Targets (issue 11): match p99 < 2 ms, index build < 0.5 s on the project's 2-core machine.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.evaluation import default_eval_file, evaluate, load_eval  # noqa: E402
from bot.models import KnowledgeBase  # noqa: E402
from bot.understanding import Matcher  # noqa: E402

EVAL = ROOT / "benchmarks" / "eval"

REPEAT = 20

# Used when no evaluation file is around: typical messages in every language form.
SAMPLE_QUERIES = (
    "Wie melde ich mein Kind für die Kita an?",
    "Braucht mein Sohn eine Masernimpfung?",
    "Wann hat das Amt geöffnet?",
    "Як записати дитину в садочок?",
    "де знайти психолога для дитини",
    "How do I register my daughter for daycare?",
    "Is the office open on Thursday?",
    "Как записать ребенка в детский сад?",
    "chy mozhu pratsiuvaty vykhovatelkoiu v Kita?",
    "Hallo",
    "wie wird das Wetter morgen",
)


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _time_each(fn: Callable[[str], object], texts: Sequence[str]) -> list[float]:
    """Milliseconds per call."""
    out = []
    for text in texts:
        start = time.perf_counter_ns()
        fn(text)
        out.append((time.perf_counter_ns() - start) / 1e6)
    return out


def _long_message(chars: int) -> str:
    rng = random.Random(chars)
    words = [
        "Kita",
        "Platz",
        "Anmeldung",
        "садочок",
        "щеплення",
        "measles",
        "office",
        "hours",
        "Amt",
        "Dresden",
        "bitte",
    ]
    text = ""
    while len(text) < chars:
        text += rng.choice(words) + rng.choice((" ", ", ", ". ", "? "))
    return text[:chars]


def bench(kb: KnowledgeBase, texts: Sequence[str]) -> list[tuple[str, str]]:
    """(what, figure) rows."""
    rows: list[tuple[str, str]] = []
    start = time.perf_counter()
    matcher = Matcher.build(kb)
    rows.append(("index build, first (ms)", f"{(time.perf_counter() - start) * 1e3:.1f}"))
    builds = []
    for _ in range(5):
        start = time.perf_counter()
        Matcher.build(kb)
        builds.append((time.perf_counter() - start) * 1e3)
    rows.append(("index build, again (ms, median of 5)", f"{statistics.median(builds):.1f}"))
    rows.append(("index build, again (ms, max of 5)", f"{max(builds):.1f}"))
    tracemalloc.start()
    Matcher.build(kb)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rows.append(("index build, tracemalloc peak (MiB)", f"{peak / 2**20:.2f}"))

    fresh = Matcher.build(kb)
    cold = _time_each(fresh.match, texts)
    rows.append(
        (f"match, first pass, {len(texts)} queries: p50 (ms)", f"{_percentile(cold, 0.5):.3f}")
    )
    rows.append(("match, first pass: p99 (ms)", f"{_percentile(cold, 0.99):.3f}"))
    warm = _time_each(matcher.match, list(texts) * REPEAT)
    rows.append((f"match, {REPEAT}x repeated: p50 (ms)", f"{_percentile(warm, 0.5):.3f}"))
    rows.append((f"match, {REPEAT}x repeated: p99 (ms)", f"{_percentile(warm, 0.99):.3f}"))
    rows.append((f"match, {REPEAT}x repeated: max (ms)", f"{max(warm):.3f}"))
    for chars in (4096, 10_000):
        message = _long_message(chars)
        times = _time_each(matcher.match, [message] * 50)
        rows.append(
            (f"match, one {chars}-char message: mean / max (ms)",
             f"{statistics.mean(times):.3f} / {max(times):.3f}")
        )  # fmt: skip
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows.append(("process max RSS (MiB)", f"{rss:.1f}"))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("eval_file", nargs="?", type=Path)
    parser.add_argument(
        "--quality", action="store_true", help="also print the figures on the labelled sets"
    )
    args = parser.parse_args()
    from bot.knowledge import load_knowledge

    kb = load_knowledge(ROOT / "faq")
    path = args.eval_file or default_eval_file()
    items = load_eval(path) if path else []
    texts = [item.text for item in (*items, *load_eval(EVAL / "tune.yaml"))] or list(SAMPLE_QUERIES)
    rows = bench(kb, texts)
    width = max(len(what) for what, _ in rows)
    print(f"{'what':<{width}}  figure")
    for what, figure in rows:
        print(f"{what:<{width}}  {figure}")
    if args.quality:
        matcher = Matcher.build(kb)
        for name in ("tune.yaml", "frozen.yaml"):
            report = evaluate(matcher, load_eval(EVAL / name))
            # Never the misses of the frozen set: nobody tunes on them.
            print(f"\n=== {name}")
            print(report.format(misses=False))
        if items:
            print("\n===", path)
            print(evaluate(matcher, items).format(misses=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
