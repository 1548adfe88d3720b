"""What is wrong with a file's text and YAML, said in German with what to do.

Bytes that are not UTF-8, tabs and control characters are found before YAML sees the text;
anchors, aliases and tags are refused from the parser's events, before anything is composed;
PyYAML's and libyaml's syntax errors (worded differently, in English) become one German message
at the place to change.
"""

from __future__ import annotations

import re
from typing import Any, Final, TypeAlias

import yaml

Position: TypeAlias = tuple[int, int]
"""Line and column, both counted from 1."""

MAX_PROBLEMS_PER_SCAN: Final = 10
"""A binary file pasted in should give a few lines, not thousands."""

# C0/C1 controls and DEL, which no editor shows, and the Unicode line separators, which YAML
# counts as line breaks (every line number after them would be off).
_CONTROL: Final = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff]")
_TAB_MESSAGE: Final = (
    "Tabulatorzeichen sind nicht erlaubt. Ersetzen Sie es durch Leerzeichen "
    "(eingerückt wird mit Leerzeichen)."
)


class Refused(Exception):
    """A YAML feature we do not accept, found while parsing (before anything is composed)."""

    def __init__(self, position: Position, message: str) -> None:
        super().__init__(message)
        self.position = position
        self.message = message


def decode(data: bytes) -> str:
    """The text of a file's bytes, with Unix line ends; Refused where a byte is not UTF-8."""
    data = data.removeprefix(b"\xef\xbb\xbf")  # a UTF-8 BOM is fine
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
        bad = data[exc.start]
        guess = bytes([bad]).decode("cp1252", "replace")
        maybe = f" (vermutlich '{guess}' in der Windows-Kodierung)" if guess.isprintable() else ""
        raise Refused(
            (line, column),
            f"Die Datei ist nicht als UTF-8 gespeichert: das Byte 0x{bad:02X}{maybe} ist hier "
            "kein gültiges Zeichen. Speichern Sie die Datei im Editor mit der Kodierung 'UTF-8'.",
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def unwanted_characters(text: str) -> list[tuple[Position, str]]:
    """Tabs and control characters, at most MAX_PROBLEMS_PER_SCAN and a line for the rest."""
    spots: list[tuple[Position, str]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if "\t" in line:
            spots.append(((number, line.index("\t") + 1), _TAB_MESSAGE))
        spots.extend(
            ((number, match.start() + 1), _control_message(match.group()))
            for match in _CONTROL.finditer(line)
        )
    if len(spots) > MAX_PROBLEMS_PER_SCAN:
        more = len(spots) - MAX_PROBLEMS_PER_SCAN
        spots[MAX_PROBLEMS_PER_SCAN:] = [
            (spots[MAX_PROBLEMS_PER_SCAN][0], f"Und {more} weitere solche Stellen.")
        ]
    return spots


def _control_message(char: str) -> str:
    """The message for the invisible control character `char`."""
    return (
        f"Unsichtbares Steuerzeichen U+{ord(char):04X} ist nicht erlaubt. "
        "Löschen Sie es (es entsteht oft beim Kopieren aus Word oder PDF)."
    )


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
