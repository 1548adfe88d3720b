"""`kita-bot`: run the Telegram bot, chat in the terminal, ask, validate, show, evaluate, report."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TextIO, TypeAlias, assert_never

from bot import __version__
from bot.config import ConfigError, Settings, load_settings
from bot.models import LANGUAGES, KnowledgeBase, Lang

if TYPE_CHECKING:
    from bot.i18n import Translator
    from bot.knowledge import Problem

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130
"""What a shell reports for Ctrl-C (128 + SIGINT)."""

Subcommand: TypeAlias = Literal["run", "chat", "ask", "validate", "show", "eval", "stats"]


def _lang(value: str) -> Lang:
    for lang in LANGUAGES:
        if value.lower() == lang:
            return lang
    raise argparse.ArgumentTypeError(f"choose one of {', '.join(LANGUAGES)}")


def _days(value: str) -> int:
    from bot.stats import DaysError, read_days

    try:
        return read_days(value)
    except DaysError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kita-bot",
        description=(
            "FAQ bot of the Dresden Amt für Kindertagesbetreuung for families from Ukraine. "
            "Without a command: the Telegram bot when TELEGRAM_BOT_TOKEN is set, else the terminal chat."
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    sub.add_parser(
        "run",
        help="run the Telegram bot (long polling, or webhook when configured)",
        description="Run the Telegram bot. Needs TELEGRAM_BOT_TOKEN; see the README for all settings.",
    )

    chat = sub.add_parser(
        "chat",
        help="chat with the bot in the terminal",
        description="Chat with the bot in the terminal (also reads questions piped on standard input).",
    )
    chat.add_argument(
        "--lang", type=_lang, help="answer language: de, uk or en (default: detected per message)"
    )

    ask = sub.add_parser(
        "ask",
        help="answer one question, or one per line from standard input",
        description="Answer TEXT, or each line of standard input when TEXT is missing.",
    )
    ask.add_argument(
        "--json",
        action="store_true",
        help='one JSON object per question: {"label", "score", "lang", "suggestions"}',
    )
    ask.add_argument("--lang", type=_lang, help="answer language: de, uk or en")
    ask.add_argument(
        "text", nargs="*", metavar="TEXT", help="the question (default: read standard input)"
    )

    validate = sub.add_parser(
        "validate",
        help="check the knowledge base files",
        description="Check faq/: exit 0 when valid, else print path:line:column: message and exit 1.",
    )
    validate.add_argument(
        "faq_dir", nargs="?", type=Path, metavar="FAQ_DIR", help="default: the bot's faq/ folder"
    )
    validate.add_argument(
        "--all",
        action="store_true",
        help="also each phrasing that, reworded, gets did-you-mean with its own topic first",
    )

    show = sub.add_parser(
        "show",
        help="show exactly what a user receives for a topic",
        description=(
            "Print the first message for a topic id, a sub-answer id (topic/sub), contact or "
            "office-hours, as a user would see it, with its buttons."
        ),
    )
    show.add_argument("topic", metavar="ID")
    show.add_argument("--lang", type=_lang, default="de", help="de, uk or en (default: de)")
    show.add_argument(
        "--html", action="store_true", help="print the Telegram HTML instead of plain text"
    )

    evaluate = sub.add_parser(
        "eval",
        help="measure the matcher on a labelled file",
        description="Precision and recall per label, accuracy per language, misses.",
    )
    evaluate.add_argument(
        "file",
        nargs="?",
        type=Path,
        metavar="FILE",
        help="labelled YAML (default: ../shared/eval/dev.yaml when present)",
    )
    evaluate.add_argument(
        "--summary",
        action="store_true",
        help="the figures only, without the misses (for a set nobody may tune on)",
    )

    stats = sub.add_parser(
        "stats",
        help="usage figures and unanswered questions for staff",
        description="Per-topic counts, no-match rate, languages, feedback and unanswered questions.",
    )
    stats.add_argument(
        "--days", type=_days, default=30, help="how many days back, 1 to 3660 (default: 30)"
    )
    stats.add_argument("--csv", action="store_true", help="CSV for a spreadsheet")
    stats.add_argument(
        "--lang", type=_lang, default="de", help="language of the report (default: de)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `kita-bot` command: one line and an exit code for every mistake."""
    try:
        return _main(argv)
    except KeyboardInterrupt:  # Ctrl-C: the person knows; a traceback would only alarm them
        return EXIT_INTERRUPTED


def _main(argv: Sequence[str] | None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"kita-bot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    from bot.logs import configure_logging

    quiet = args.command in (None, "chat", "ask", "show", "eval", "stats", "validate") and not (
        args.command is None and settings.token
    )
    configure_logging("WARNING" if quiet else settings.log_level, settings.token)

    from bot.knowledge import KnowledgeError
    from bot.store import StoreError

    try:
        return _dispatch(args, settings)
    except StoreError as exc:  # a damaged or unreadable key file: the line says what to do
        print(f"kita-bot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KnowledgeError as exc:
        print("kita-bot: the knowledge base has errors; fix them and try again:", file=sys.stderr)
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return EXIT_PROBLEMS
    except ConfigError as exc:
        print(f"kita-bot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_OK


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    command: Subcommand | None = args.command
    match command:
        case None if settings.token:
            return _run(settings)
        case None:
            print(
                "No TELEGRAM_BOT_TOKEN set: starting the terminal chat. "
                "To connect Telegram, see 'Connecting to Telegram' in the README.",
                file=sys.stderr,
            )
            return _chat(settings, None)
        case "run":
            return _run(settings)
        case "chat":
            return _chat(settings, args.lang)
        case "ask":
            return _ask(settings, args.text, args.lang, args.json, sys.stdin, sys.stdout)
        case "validate":
            return _validate(args.faq_dir or settings.faq_dir, every=args.all)
        case "show":
            return _show(settings, args.topic, args.lang, args.html)
        case "eval":
            return _eval(settings, args.file, misses=not args.summary)
        case "stats":
            return _stats(settings, args.days, args.csv, args.lang)
        case _:
            assert_never(command)


def _run(settings: Settings) -> int:
    from bot.telegram_bot import run_bot

    return run_bot(settings)


def _chat(settings: Settings, lang: Lang | None) -> int:
    from bot.console import TERMINAL_USER, run_chat
    from bot.service import SessionLanguages, build_service

    # The person at the terminal runs the bot: staff commands work, and a language chosen here
    # lasts for this session only.
    service = build_service(
        settings, languages=SessionLanguages(), admins=frozenset({TERMINAL_USER})
    )
    try:
        return run_chat(
            service,
            sys.stdin,
            sys.stdout,
            lang=lang,
            client_lang=settings.terminal_lang,
            interactive=sys.stdin.isatty(),
        )
    finally:
        service.close()  # the session's counts written before the process ends


def _ask(
    settings: Settings,
    words: list[str],
    lang: Lang | None,
    as_json: bool,
    source: TextIO,
    out: TextIO,
) -> int:
    from bot.console import TERMINAL_USER
    from bot.events import TextEvent
    from bot.markup import to_text
    from bot.service import build_service

    service = build_service(settings, with_store=False)
    if lang is not None:
        service.remember_language(TERMINAL_USER, lang)
    questions = [" ".join(words)] if words else (line.strip() for line in source)
    for question in questions:
        if as_json:
            # Every input line gets its output line, a blank one too, so tools can zip them.
            found = service.brain.matcher.match(question)
            record = {
                "label": found.label,
                "score": round(found.score, 1),
                "lang": found.lang,
                "suggestions": list(found.suggestions),
                "answer": found.answer,
                "reason": found.reason,
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        elif question:
            outcome = service.handle(
                TERMINAL_USER,
                TextEvent(question),
                client_lang=settings.terminal_lang,
                private=True,
            )
            for reply in outcome.replies:
                out.write(to_text(reply.text) + "\n\n")
        out.flush()
    return EXIT_OK


def _validate(faq_dir: Path, *, every: bool = False) -> int:
    from bot.knowledge import load_knowledge, validate

    problems = validate(faq_dir)
    errors = [p for p in problems if p.severity == "error"]
    close = 0
    if not errors:
        phrasings, close = _phrasing_warnings(load_knowledge(faq_dir), every=every)
        problems += phrasings
    for problem in problems:
        print(problem)
    if errors:
        print(f"{len(errors)} Fehler in {faq_dir} — bitte korrigieren.", file=sys.stderr)
        return EXIT_PROBLEMS
    print(
        f"OK: {faq_dir} ist gültig" + (f" ({len(problems)} Warnungen)." if problems else "."),
        file=sys.stderr,
    )
    if close:
        print(
            f"{close} weitere Formulierungen führen, etwas anders geschrieben, zu „Meinten Sie …?“ "
            "mit dem richtigen Thema zuerst; `kita-bot validate --all` zeigt sie.",
            file=sys.stderr,
        )
    return EXIT_OK


def _phrasing_warnings(kb: KnowledgeBase, *, every: bool) -> tuple[list[Problem], int]:
    """A warning at each phrasing the bot understands only word for word, naming what wins;
    those that, reworded, still lead to their own topic first are only counted unless `every`."""
    from bot.knowledge import Problem
    from bot.understanding import Matcher
    from bot.understanding.selfcheck import misread_phrasings

    warnings = []
    close = 0
    for misread in misread_phrasings(kb, Matcher.build(kb)):
        if misread.suggested and misread.got == misread.meant and not every:
            close += 1
            continue
        path, line, column = misread.written_at or (Path("faq"), 1, 1)
        meant, got = _named(misread.meant), _named(misread.got)
        if misread.suggested:
            what = (
                f"führt, etwas anders geschrieben, nur zu „Meinten Sie …?“ (zuerst: {got}) "
                f"statt zu {meant}. Ergänzen Sie Formulierungen in diesen Worten oder ein "
                "Stichwort, das nur dieses Thema nennt."
            )
        elif misread.got is not None:
            what = (
                f"passt besser zu {got} als zu {meant}: Nur wortgleich geschrieben bekommt sie "
                f"{meant}. Schreiben Sie sie eindeutiger oder verschieben Sie sie zu {got}."
            )
        else:
            what = (
                f"wird, etwas anders geschrieben, nicht als {meant} verstanden. Ergänzen Sie "
                "Formulierungen in diesen Worten oder ein Stichwort, das nur dieses Thema nennt."
            )
        message = f"Die Formulierung '{misread.text}' {what}"
        warnings.append(Problem(path, line, column, message, "warning"))
    return warnings, close


def _named(label: str | None) -> str:
    if label is None:
        return "nichts"
    if label.startswith("referral:"):
        return f"'{label.removeprefix('referral:')}' (Weiterleitung)"
    return f"'{label}'"


def _show(settings: Settings, label: str, lang: Lang, as_html: bool) -> int:
    from bot.markup import to_text
    from bot.service import build_service

    service = build_service(settings, with_store=False)
    reply = service.show(label, lang)
    if reply is None:
        kb = service.brain.kb
        ids = ", ".join(
            (
                *kb.labels,
                *(sub.id for topic in kb.topics for sub in topic.answers),
                *(f"referral:{referral.id}" for referral in kb.referrals),
            )
        )
        print(f"kita-bot: unknown topic {label!r}; known: {ids}", file=sys.stderr)
        return EXIT_USAGE
    print(reply.text if as_html else to_text(reply.text))
    for row in reply.buttons:
        print("   ".join(f"[{b.label}]" + (f" {b.data}" if b.url else "") for b in row))
    return EXIT_OK


def _eval(settings: Settings, file: Path | None, *, misses: bool = True) -> int:
    from bot.evaluation import EvalFileError, default_eval_file, evaluate, load_eval
    from bot.service import build_service

    path = file or default_eval_file()
    if path is None:
        print(
            "kita-bot: no evaluation file given and ../shared/eval/dev.yaml not found",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        items = load_eval(path)  # before building the matcher, which takes a while
    except EvalFileError as exc:
        print(f"kita-bot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    service = build_service(settings, with_store=False)
    report = evaluate(service.brain.matcher, items)
    print(report.format(misses=misses))
    return EXIT_OK


def _stats(settings: Settings, days: int, as_csv: bool, lang: Lang) -> int:
    from bot import stats
    from bot.i18n import Catalogs
    from bot.store import DB_NAME, StorageUnavailable, Store, berlin_today

    if not (settings.data_dir / DB_NAME).is_file():
        # A report must not create the data folder or the key: that is the running bot's job.
        print(
            f"kita-bot: no statistics yet: no database in {settings.data_dir.resolve()} "
            "(the bot creates it when it gets its first question).",
            file=sys.stderr,
        )
        return EXIT_OK
    today = berlin_today()
    store = Store(settings.data_dir, settings.retention_days)
    try:
        figures = store.figures(stats.since_for(today, days))
    except StorageUnavailable as exc:  # e.g. the database locked by a backup for a while
        print(f"kita-bot: the statistics cannot be read now: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    finally:
        store.close()
    t = Catalogs.load(settings.locales_dir)[lang]
    report = stats.make_report(figures, today, days, title=_titles(settings, t))
    if as_csv:
        sys.stdout.write(stats.to_csv(report))
        return EXIT_OK
    print(stats.format_summary(report, t))
    print()
    print(stats.format_unanswered(report, t))
    return EXIT_OK


def _titles(settings: Settings, t: Translator) -> Callable[[str], str | None] | None:
    """The labels' titles from faq/ in the report's language; None (ids) when faq/ has errors."""
    from bot.knowledge import KnowledgeError, load_knowledge
    from bot.service import label_titles

    try:
        kb = load_knowledge(settings.faq_dir)
    except KnowledgeError:
        return None
    return label_titles(t, kb)


if __name__ == "__main__":
    logging.captureWarnings(True)
    sys.exit(main())
