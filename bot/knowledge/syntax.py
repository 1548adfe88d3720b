"""What is wrong with a file's YAML, said in German with what to do.

Anchors, aliases and tags are refused from the parser's events, before anything is composed;
PyYAML's and libyaml's syntax errors (worded differently, in English) become one German message
at the place to change.
"""

from __future__ import annotations

import re
from typing import Any, Final, TypeAlias

import yaml

Position: TypeAlias = tuple[int, int]
"""Line and column, both counted from 1."""


class Refused(Exception):
    """A YAML feature we do not accept, found while parsing (before anything is composed)."""

    def __init__(self, position: Position, message: str) -> None:
        super().__init__(message)
        self.position = position
        self.message = message


def mark_position(mark: Any) -> Position:
    """Where a PyYAML mark points (the start of the file when there is no mark)."""
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


def refuse_references_and_tags(text: str, loader: Any) -> None:
    """Raise Refused at the first anchor, alias or explicit tag, before any node is composed.

    Looking at parser events builds nothing, so a "billion laughs" file costs a few events.
    """
    for event in yaml.parse(text, Loader=loader):
        if not isinstance(event, yaml.NodeEvent):
            continue
        where = mark_position(event.start_mark)
        if isinstance(event, yaml.AliasEvent):
            raise Refused(
                where,
                f"Verweise mit * (hier '*{event.anchor}') sind nicht erlaubt. "
                "Schreiben Sie den Inhalt an jeder Stelle vollständig aus.",
            )
        if event.anchor is not None:
            raise Refused(
                where,
                f"Anker mit & (hier '&{event.anchor}') sind nicht erlaubt. Löschen Sie "
                f"'&{event.anchor}' und schreiben Sie den Inhalt an jeder Stelle vollständig aus.",
            )
        tag = getattr(event, "tag", None)
        if tag is not None:
            shown = tag.replace("tag:yaml.org,2002:", "!!")
            raise Refused(
                where,
                f"Das YAML-Tag '{shown}' ist nicht erlaubt. Löschen Sie es; "
                "Werte sind Texte in Anführungszeichen.",
            )


def _syntax_message(text: str, exc: yaml.MarkedYAMLError) -> tuple[Position, str]:
    """The common PyYAML/libyaml complaints, said in German with what to do."""
    problem, context = exc.problem or "", exc.context or ""
    where = mark_position(exc.problem_mark or exc.context_mark)
    started = mark_position(exc.context_mark or exc.problem_mark)
    if "mapping values are not allowed" in problem:
        return where, (
            "Ein Doppelpunkt an dieser Stelle ist nicht erlaubt. Steht ein Doppelpunkt im Text? "
            'Dann setzen Sie den ganzen Text in Anführungszeichen: "...".'
        )
    if "could not find expected ':'" in problem:
        return started, (
            "In dieser Zeile fehlt der Doppelpunkt nach dem Schlüssel (z. B. 'title:'), oder ein "
            "Text ohne Anführungszeichen geht über mehrere Zeilen. Setzen Sie ihn in Anführungszeichen."
        )
    if "end of stream" in problem and "quoted" in context:
        return (
            started,
            "Dieses Anführungszeichen wird nie geschlossen. Ergänzen Sie das schließende Anführungszeichen.",
        )
    if "unknown escape character" in problem:
        return where, (
            "Ein umgekehrter Schrägstrich (\\) in doppelten Anführungszeichen muss doppelt "
            "geschrieben werden (\\\\). Oder setzen Sie den Text in einfache Anführungszeichen ('...')."
        )
    if "cannot start any token" in problem:
        mark = exc.problem_mark
        char = text[mark.index] if mark is not None and mark.index < len(text) else "?"
        return (
            where,
            f"Ein Wert darf nicht mit {char} beginnen. Setzen Sie ihn in Anführungszeichen.",
        )
    if "expected ',' or" in problem:
        return where, (
            f"Die Liste, die in Zeile {started[0]} mit einer Klammer beginnt, ist hier nicht richtig "
            "fortgesetzt: Einträge mit Komma trennen, jeden Text ganz in Anführungszeichen setzen "
            "und die Klammer am Ende schließen."
        )
    if "nesting depth" in problem:
        return (
            where,
            "Hier sind zu viele Klammern ineinander verschachtelt. Prüfen Sie die Klammern.",
        )
    if "another document" in problem:
        return (
            where,
            "Die Datei enthält eine Zeile '---' und damit ein zweites Dokument. Löschen Sie diese Zeile.",
        )
    if "expected <block end>" in problem or "did not find expected" in problem:
        return where, (
            "Hier stimmt die Einrückung nicht, oder nach einem Text in Anführungszeichen steht noch "
            "weiterer Text. Rücken Sie alle Einträge einer Ebene gleich weit ein (nur Leerzeichen) "
            "und prüfen Sie die Anführungszeichen, auch in der Zeile davor."
        )
    return where, (
        f"YAML kann die Datei hier nicht lesen ({problem or context}). "
        "Prüfen Sie Einrückung, Doppelpunkte und Anführungszeichen."
    )


_OPENING_QUOTE: Final = re.compile(r'^\s*(?:[\w-]+:\s*|-\s+)\[?"')


def _unclosed_quote(text: str, exc: yaml.MarkedYAMLError) -> tuple[Position, str] | None:
    """The value line above a syntax error that opens a quote and never closes it, if any.

    A double-quoted text may span lines, so YAML notices a missing closing quote only where the
    next quote is, often lines later; people need the line where it is missing.
    """
    mark = exc.problem_mark or exc.context_mark
    lines = text.split("\n")[: (mark.line + 1) if mark else 0]
    for number in range(len(lines), 0, -1):
        line = lines[number - 1]
        if _OPENING_QUOTE.match(line) and line.replace('\\"', "").count('"') % 2 == 1:
            return (number, line.index('"') + 1), (
                "Hier wird ein Anführungszeichen geöffnet, aber in dieser Zeile nicht geschlossen. "
                'Ergänzen Sie das schließende Anführungszeichen " am Ende des Textes.'
            )
    return None


def explain(text: str, exc: yaml.MarkedYAMLError) -> tuple[Position, str]:
    """Where to fix a syntax error in `text`, and how."""
    return _unclosed_quote(text, exc) or _syntax_message(text, exc)
