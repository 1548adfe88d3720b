"""Strict YAML with positions and German help: one file in, plain values and problems out.

People edit these files by hand, so the parser trusts nothing: it decodes strict UTF-8, refuses
anchors, aliases and tags before anything is composed, and walks the composed nodes against a small
`Spec`, so that every value and every complaint keeps its line and column. It knows nothing of what
the files mean: the caller's specs bring their own checks and their own words. The bytes come from
`reading`, which decides which files may be read at all.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, ClassVar, Final, Literal, TypeAlias

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.knowledge.syntax import (
    Position,
    Refused,
    decode,
    explain,
    mark_position,
    refuse_references_and_tags,
    unwanted_characters,
)

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # PyYAML without libyaml: the same nodes and positions, ten times slower
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

log = logging.getLogger(__name__)

MAX_SHOWN_CHARS: Final = 40
"""A value quoted back in a message is cut here: enough to find it, never a whole pasted text."""

Severity: TypeAlias = Literal["error", "warning"]
Key: TypeAlias = tuple[str | int, ...]
"""Where a value sits in its document: mapping keys and list indexes, from the top."""

_STR: Final = "tag:yaml.org,2002:str"
_NULL: Final = "tag:yaml.org,2002:null"
_TIMESTAMP: Final = "tag:yaml.org,2002:timestamp"
_BOOL: Final = "tag:yaml.org,2002:bool"
_NUMBERS: Final = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
_ISO_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
_INVISIBLE: Final = re.compile("[\u200b-\u200f\u00ad\u202a-\u202e\u2066-\u2069\ufeff]")


@dataclass(frozen=True)
class Problem:
    """One thing wrong in one file; `str()` gives `path:line:column: message`.

    An error keeps the files from being used. A warning changes nothing; it is said with
    "Warnung: " in front, so that whoever reads the list can tell which is which.
    """

    path: Path
    line: int
    column: int
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        label = "Warnung: " if self.severity == "warning" else ""
        return f"{self.path}:{self.line}:{self.column}: {label}{self.message}"


def internal_error(path: Path, doing: str, exc: Exception) -> Problem:
    """A bug of ours met while `doing` something with `path`, logged once with its traceback."""
    # Said to staff at the file, so that it never passes for a mistake of theirs or goes unnamed.
    log.error("internal error while %s %s", doing, path, exc_info=exc)
    return Problem(
        path,
        1,
        1,
        f"Interner Fehler beim {doing} ({type(exc).__name__}). Das ist ein Fehler im Bot, nicht "
        "in Ihrer Datei: bitte melden Sie diese Meldung den Administratoren.",
    )


# --- what a document should look like -------------------------------------------------------------


@dataclass(frozen=True)
class Complaint:
    """What is wrong with one value: an error drops the value, a warning keeps it."""

    message: str
    severity: Severity = "error"


Check: TypeAlias = Callable[[str], Complaint | None]


@dataclass(frozen=True)
class Text:
    """A non-empty text; `check` may complain about its content."""

    check: Check | None = None
    expected: ClassVar[str] = "ein Text in Anführungszeichen"


@dataclass(frozen=True)
class Parsed:
    """A text that `parse` turns into a value, or into a Complaint (and then there is no value)."""

    parse: Callable[[str], object]
    expected: ClassVar[str] = "ein Text in Anführungszeichen"


@dataclass(frozen=True)
class Whole:
    """A whole number written without quotes (`order: 5`)."""

    expected: ClassVar[str] = "eine Zahl"


@dataclass(frozen=True)
class Day:
    """A date YYYY-MM-DD, quoted or not."""

    expected: ClassVar[str] = 'ein Datum, z. B. "2026-11-25"'


@dataclass(frozen=True)
class ListOf:
    """A list of `item`s; an empty one only when `may_be_empty`."""

    item: Spec
    may_be_empty: bool = False
    expected: ClassVar[str] = 'eine Liste (Zeilen mit \'- \' oder ["...", "..."])'


@dataclass(frozen=True)
class Record:
    """A mapping with fixed keys; the schema says how its keys are talked about."""

    required: Mapping[str, Spec]
    optional: Mapping[str, Spec]
    unknown: Callable[[str, tuple[str, ...]], str]
    """The message for a key the schema does not know, given that key and the allowed ones."""
    missing: Callable[[str], str]
    """The message for a required key that is not there."""
    expected: str = "eingerückte Einträge mit Schlüssel und Doppelpunkt"


Spec: TypeAlias = Text | Parsed | Whole | Day | ListOf | Record


# --- reading one file: bytes, text, nodes ---------------------------------------------------------


class YamlFile:
    """One file: its text, its values, where each of its keys was written, its problems."""

    def __init__(self, path: Path, problems: list[Problem]) -> None:
        self.path = path
        self.text = ""
        self.values: dict[str, Any] = {}
        """What the walk found valid; keys with invalid values are left out, invalid list items
        are None (so that later checks can still point at item N)."""
        self.problems = problems
        self.marks: dict[Key, Position] = {}

    def report(
        self, at: Position, message: str, severity: Severity = "error", key: Key = ()
    ) -> None:
        """Add a problem at `at`, its message led by the path of `key` ("answer › uk: ...")."""
        where = " › ".join(f"Eintrag {part + 1}" if isinstance(part, int) else part for part in key)
        text = f"{where}: {message}" if where else message
        self.problems.append(Problem(self.path, at[0], at[1], text, severity))

    def at(self, key: Key) -> Position:
        """Where `key` was written (or the nearest enclosing key)."""
        while key not in self.marks and key:
            key = key[:-1]
        return self.marks.get(key, (1, 1))

    def _compose(self, data: bytes) -> Node | None:
        """The composed YAML document, or None after reporting why it cannot be read."""
        try:
            text = decode(data)
        except Refused as exc:
            self.report(exc.position, exc.message)
            return None
        spots = unwanted_characters(text)
        for at, message in spots:
            self.report(at, message)
        if spots:
            return None
        self.text = text
        try:
            refuse_references_and_tags(text, _Loader)
            node = yaml.compose(text, Loader=_Loader)
        except Refused as exc:
            self.report(exc.position, exc.message)
            return None
        except yaml.MarkedYAMLError as exc:
            self.report(*explain(text, exc))
            return None
        except yaml.YAMLError as exc:
            self.report((1, 1), f"YAML kann die Datei nicht lesen ({exc}).")
            return None
        except RecursionError:
            self.report((1, 1), "Die Datei ist zu tief verschachtelt. Prüfen Sie die Einrückung.")
            return None
        if node is None:
            self.report((1, 1), "Die Datei ist leer.")
        return node


def parse(path: Path, data: bytes, spec: Record, problems: list[Problem]) -> YamlFile:
    """The bytes of the file at `path` walked against `spec`, its problems added to `problems`."""
    file = YamlFile(path, problems)
    try:
        root = file._compose(data)
        values = _Walker(file).document(root, spec) if root is not None else None
    except Exception as exc:  # whatever it is, it is said at this file and the others still count
        problems.append(internal_error(path, "Lesen", exc))
        return YamlFile(path, problems)
    if isinstance(values, dict):
        file.values = values
    return file


def _position_in(text: str, index: int) -> Position:
    line_start = text.rfind("\n", 0, index) + 1
    return text.count("\n", 0, index) + 1, index - line_start + 1


# --- walking the nodes against the spec -----------------------------------------------------------


def _shown(value: str) -> str:
    """`value` as quoted back in a message: cut after MAX_SHOWN_CHARS characters."""
    return value if len(value) <= MAX_SHOWN_CHARS else f"{value[:MAX_SHOWN_CHARS]}…"


def _found(node: Node) -> str:
    if isinstance(node, SequenceNode):
        return "eine Liste"
    if isinstance(node, MappingNode):
        return "eine Gruppe von Einträgen"
    if node.tag == _NULL and node.value == "":
        return "nichts"
    return f"der einzelne Wert {_shown(node.value)!r}"


def _plain(node: ScalarNode) -> bool:
    """Written without quotes (PyYAML says None, libyaml says "")."""
    return not node.style


def _implicit_value(node: ScalarNode) -> str:
    """What YAML turns an unquoted value into, said in words."""
    if node.tag == _NULL:
        return "leerer Wert (kein Text)"
    if node.tag == _TIMESTAMP:
        return "Datum"
    if node.tag not in (_BOOL, *_NUMBERS):
        return "kein Text"
    if len(node.value) > MAX_SHOWN_CHARS:
        # Only short numbers are worked out: Python refuses to print an integer of more than 4,300
        # digits, and a sexagesimal 1:59:59:... of thousands of parts takes seconds to build.
        return "Zahl"
    try:
        value = yaml.constructor.SafeConstructor().construct_object(node)
    except (yaml.YAMLError, ValueError):
        return "kein Text"
    if isinstance(value, bool):
        return f"Wahrheitswert {'wahr' if value else 'falsch'}"
    return f"Zahl {value}"


def _duplicate_keys(root: Node) -> Iterator[tuple[ScalarNode, ScalarNode]]:
    """Pairs (first, repeated) of equal keys in any mapping, at any depth."""
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, MappingNode):
            seen: dict[str, ScalarNode] = {}
            for key, value in node.value:
                if isinstance(key, ScalarNode):
                    if key.value in seen:
                        yield seen[key.value], key
                    else:
                        seen[key.value] = key
                stack.append(value)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)


class _Walker:
    """Checks a node tree against a Spec and returns plain values (None where invalid)."""

    def __init__(self, file: YamlFile) -> None:
        self.file = file

    def document(self, root: Node, spec: Spec) -> Any:
        for first, again in _duplicate_keys(root):
            self.file.report(
                mark_position(again.start_mark),
                f"Der Schlüssel '{_shown(again.value)}' steht doppelt: zuerst in Zeile "
                f"{first.start_mark.line + 1}, noch einmal in Zeile {again.start_mark.line + 1}. "
                "Löschen Sie einen der beiden oder führen Sie sie zusammen.",
            )
        return self.walk(root, spec, ())

    def walk(self, node: Node, spec: Spec, key: Key) -> Any:
        # A key's own line was noted by its mapping; list items are noted where they start.
        self.file.marks.setdefault(key, mark_position(node.start_mark))
        if isinstance(spec, Text | Parsed):
            return self._text(node, spec, key)
        if isinstance(spec, Whole):
            return self._whole(node, key)
        if isinstance(spec, Day):
            return self._day(node, key)
        if isinstance(spec, ListOf):
            return self._list(node, spec, key)
        return self._record(node, spec, key)

    def _wrong_kind(self, node: Node, spec: Spec, key: Key) -> None:
        self.file.report(
            mark_position(node.start_mark),
            f"Hier steht {_found(node)}; erwartet: {spec.expected}.",
            key=key,
        )

    def _record(self, node: Node, spec: Record, key: Key) -> dict[str, Any] | None:
        if not isinstance(node, MappingNode):
            self._wrong_kind(node, spec, key)
            return None
        allowed = {**spec.required, **spec.optional}
        values: dict[str, Any] = {}
        seen: set[str] = set()
        for key_node, value_node in node.value:
            where = mark_position(key_node.start_mark)
            if not isinstance(key_node, ScalarNode):
                self.file.report(where, "Ein Schlüssel muss ein einfaches Wort sein.", key=key)
                continue
            name = key_node.value
            if name in seen:
                continue  # reported as a duplicate key
            seen.add(name)
            if name not in allowed:
                self.file.report(where, spec.unknown(_shown(name), tuple(allowed)), key=key)
                continue
            self.file.marks[(*key, name)] = where
            value = self.walk(value_node, allowed[name], (*key, name))
            if value is not None:
                values[name] = value
        for name in spec.required:
            if name not in seen:
                self.file.report(self.file.marks[key], spec.missing(name), key=key)
        return values

    def _list(self, node: Node, spec: ListOf, key: Key) -> list[Any] | None:
        if not isinstance(node, SequenceNode):
            self._wrong_kind(node, spec, key)
            return None
        if not node.value and not spec.may_be_empty:
            self.file.report(
                mark_position(node.start_mark),
                "Die Liste ist leer. Tragen Sie mindestens einen Eintrag ein.",
                key=key,
            )
        # Invalid items stay as None so that later checks can still point at item N.
        return [self.walk(item, spec.item, (*key, i)) for i, item in enumerate(node.value)]

    def _text(self, node: Node, spec: Text | Parsed, key: Key) -> object:
        if not isinstance(node, ScalarNode) or _found(node) == "nichts":
            self._wrong_kind(node, spec, key)
            return None
        here = mark_position(node.start_mark)
        if _plain(node) and node.tag != _STR:
            self.file.report(
                here,
                f"Der Wert {_shown(node.value)} wird von YAML als {_implicit_value(node)} "
                f'gelesen. Setzen Sie den Wert in Anführungszeichen: "{_shown(node.value)}".',
                key=key,
            )
            return None
        text = self._without_invisible(node, key)
        if not text:
            self.file.report(
                here, "Der Text ist leer. Tragen Sie ihn ein oder löschen Sie den Eintrag.", key=key
            )
            return None
        if isinstance(spec, Parsed):
            value = spec.parse(text)
            if isinstance(value, Complaint):
                self.file.report(here, value.message, value.severity, key=key)
                return None
            return value
        complaint = spec.check(text) if spec.check is not None else None
        if complaint is not None:
            self.file.report(here, complaint.message, complaint.severity, key=key)
            return text if complaint.severity == "warning" else None
        return text

    def _without_invisible(self, node: ScalarNode, key: Key) -> str:
        value = str(node.value)
        if not _INVISIBLE.search(value):
            return value.strip()
        start, end = node.start_mark.index, node.end_mark.index
        spots = [m.start() for m in _INVISIBLE.finditer(self.file.text, start, end)]
        for index in spots or [start]:
            char = self.file.text[index] if spots else _INVISIBLE.findall(value)[0]
            self.file.report(
                _position_in(self.file.text, index),
                f"Unsichtbares Zeichen U+{ord(char):04X} im Text. Der Bot entfernt es; löschen Sie es "
                "am besten (es entsteht oft beim Kopieren aus Word, PDF oder Webseiten).",
                "warning",
                key=key,
            )
        return _INVISIBLE.sub("", value).strip()

    def _whole(self, node: Node, key: Key) -> int | None:
        if isinstance(node, ScalarNode) and _plain(node) and re.fullmatch(r"\d{1,6}", node.value):
            return int(node.value)
        self.file.report(
            mark_position(node.start_mark),
            "Hier wird eine ganze Zahl ohne Anführungszeichen erwartet, z. B. 5.",
            key=key,
        )
        return None

    def _day(self, node: Node, key: Key) -> date | None:
        value = node.value if isinstance(node, ScalarNode) else None
        plain_ok = isinstance(node, ScalarNode) and (
            not _plain(node) or node.tag in (_STR, _TIMESTAMP)
        )
        if not isinstance(value, str) or not plain_ok or not _ISO_DATE.fullmatch(value):
            self.file.report(
                mark_position(node.start_mark),
                'Hier wird ein Datum erwartet: Jahr-Monat-Tag, z. B. "2026-11-25".',
                key=key,
            )
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.file.report(
                mark_position(node.start_mark),
                f"Das Datum {value} gibt es nicht. Form: Jahr-Monat-Tag.",
                key=key,
            )
            return None
