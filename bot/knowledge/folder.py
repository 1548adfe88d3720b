"""The whole of `faq/`: which files are read against which spec, every check, one KnowledgeBase.

Reading and checking are two steps: `read_files` takes one copy of every file's bytes, `check`
parses and validates exactly those bytes. What is hashed, checked, served and kept as a snapshot
is therefore always the same content, however the files change in between.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Final

from bot.knowledge import checks
from bot.knowledge.build import knowledge_base
from bot.knowledge.reading import Unreadable, read_inside
from bot.knowledge.schema import LEXICON, OFFICE, PLACES, REFERRAL, SMALLTALK, TOPIC
from bot.knowledge.yamlfile import Problem, Record, YamlFile, internal_error, parse
from bot.models import KnowledgeBase

TOPICS: Final = "topics"
REFERRALS: Final = "referrals"
ENTRY_FOLDERS: Final = {TOPICS: "Themen", REFERRALS: "Weiterleitungen"}
"""Folders of one file per entry; the bot can do without any one entry."""
SINGLE_FILES: Final = ("office.yaml", "smalltalk.yaml")
"""Files the bot cannot do without."""
VOCABULARY_FILES: Final = ("lexicon.yaml", "places.yaml")
"""The matcher's words and the towns: without them the bot answers, but understands worse."""


class KnowledgeError(Exception):
    """The knowledge base cannot be loaded; `.problems` lists the errors."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class Files:
    """One read of a faq/ folder: the bytes of each file, and why other files were not read."""

    root: Path
    contents: Mapping[Path, bytes]
    problems: tuple[Problem, ...] = ()
    complete: bool = True
    """False when reading stopped early (a file did not answer): then nothing is checked."""
    left_out: frozenset[Path] = frozenset()
    """Broken files set aside (see `without`): not served, but other files may still name them."""

    @cached_property
    def digest(self) -> str:
        """A hash of every file's name and bytes and of every reading problem."""
        hashed = hashlib.sha256()
        for path in sorted(self.contents):
            data = self.contents[path]
            hashed.update(f"{path.relative_to(self.root).as_posix()}\0{len(data)}\0".encode())
            hashed.update(data)
        for problem in self.problems:
            hashed.update(f"{problem}\n".encode())
        return hashed.hexdigest()

    def without(self, paths: Collection[Path]) -> Files:
        """These files with `paths` set aside: not read, but still there for others to name."""
        return Files(
            self.root,
            {path: data for path, data in self.contents.items() if path not in paths},
            tuple(p for p in self.problems if p.path not in paths),
            self.complete,
            self.left_out | set(paths),
        )


def is_entry(root: Path, path: Path) -> bool:
    """A topic or referral file of the faq/ folder `root`: one the bot can do without."""
    return path.suffix == ".yaml" and any(path.parent == root / name for name in ENTRY_FOLDERS)


def validate(faq_dir: Path) -> list[Problem]:
    """Every error and warning in every file of `faq_dir`, sorted by file and line."""
    return check(read_files(faq_dir))[1]


def load_knowledge(faq_dir: Path) -> KnowledgeBase:
    """The knowledge base in `faq_dir`; raises KnowledgeError listing the errors."""
    kb, problems = check(read_files(faq_dir))
    if kb is None:
        raise KnowledgeError(errors(problems))
    return kb


def errors(problems: Iterable[Problem]) -> tuple[Problem, ...]:
    """The problems that keep files from being used."""
    return tuple(p for p in problems if p.severity == "error")


def _nothing(path: Path) -> None:
    """Notes nothing (see `read_files`)."""


def read_files(faq_dir: Path, note: Callable[[Path], None] = _nothing) -> Files:
    """The bytes of every file the bot reads in `faq_dir`; `note(path)` is called before each."""
    note(faq_dir)
    if not faq_dir.is_dir():
        return Files(faq_dir, {}, (Problem(faq_dir, 1, 1, f"Der Ordner {faq_dir} fehlt."),))
    problems: list[Problem] = []
    paths = [path for name in ENTRY_FOLDERS for path in _listed(faq_dir, name, note, problems)]
    paths += [faq_dir / name for name in SINGLE_FILES]
    for name in VOCABULARY_FILES:
        path = faq_dir / name
        if path.exists() or path.is_symlink():
            paths.append(path)
        else:
            problems.append(
                Problem(
                    path,
                    1,
                    1,
                    f"Die Datei {name} fehlt. Der Bot antwortet, versteht Fragen aber schlechter. "
                    "Stellen Sie die Datei aus der letzten Fassung wieder her.",
                    "warning",
                )
            )
    contents: dict[Path, bytes] = {}
    for path in paths:
        note(path)
        try:
            contents[path] = read_inside(faq_dir, path)
        except Unreadable as exc:
            problems.append(Problem(path, 1, 1, exc.message))
    return Files(faq_dir, contents, tuple(problems))


def _listed(
    faq_dir: Path, name: str, note: Callable[[Path], None], problems: list[Problem]
) -> list[Path]:
    """The .yaml files in the folder `name` (optional but for topics); others are mentioned."""
    folder = faq_dir / name
    note(folder)
    try:
        with os.scandir(folder) as entries:
            found = sorted(
                folder / entry.name
                for entry in entries
                if not entry.name.startswith(".") and not entry.is_dir()
            )
    except FileNotFoundError:
        if name == TOPICS:
            problems.append(Problem(folder, 1, 1, "Der Ordner 'topics' fehlt."))
        return []
    except OSError as exc:
        problems.append(
            Problem(folder, 1, 1, f"Der Ordner kann nicht gelesen werden ({exc.strerror}).")
        )
        return []
    problems.extend(
        Problem(
            path,
            1,
            1,
            f"Diese Datei wird nicht gelesen: nur Dateien mit der Endung .yaml sind "
            f"{ENTRY_FOLDERS[name]}. Benennen Sie sie um oder verschieben Sie sie.",
            "warning",
        )
        for path in found
        if path.suffix != ".yaml"
    )
    return [path for path in found if path.suffix == ".yaml"]


def check(files: Files) -> tuple[KnowledgeBase | None, list[Problem]]:
    """Parse and check exactly `files`; the knowledge base only when there is no error."""
    problems = list(files.problems)
    if not files.complete:
        return None, problems
    root = files.root
    kb = None
    try:
        topics = _parse_entries(files, TOPICS, TOPIC, problems)
        if not topics and not any(_about_topics(root, p.path) for p in problems):
            problems.append(
                Problem(
                    root / TOPICS, 1, 1, "Im Ordner 'topics' liegt kein Thema (keine .yaml-Datei)."
                )
            )
        referrals = _parse_entries(files, REFERRALS, REFERRAL, problems)
        office, smalltalk = (
            _parse_single(files, name, spec, problems)
            for name, spec in zip(SINGLE_FILES, (OFFICE, SMALLTALK), strict=True)
        )
        lexicon, places = (
            _parse_single(files, name, spec, problems) if root / name in files.contents else None
            for name, spec in zip(VOCABULARY_FILES, (LEXICON, PLACES), strict=True)
        )
        left_out = {p.stem for p in files.left_out if p.parent == root / TOPICS}
        checks.check_all(topics, referrals, office, smalltalk, left_out)
        if lexicon is not None:
            checks.check_lexicon(lexicon)
        if not errors(problems):
            kb = knowledge_base(topics, referrals, office, smalltalk, lexicon, places)
    except Exception as exc:  # a bug of ours: said at the folder, never a traceback to staff
        problems.append(internal_error(root, "Prüfen", exc))
        kb = None
    problems.sort(key=lambda p: (p.path, p.line, p.column, p.message))
    return kb, problems


def _about_topics(root: Path, path: Path) -> bool:
    """The topics folder itself, or a topic file in it (said to be missing or unreadable)."""
    return path == root / TOPICS or (path.parent == root / TOPICS and path.suffix == ".yaml")


def _parse_entries(
    files: Files, folder: str, spec: Record, problems: list[Problem]
) -> list[YamlFile]:
    """Every file read from `folder` (topics or referrals), parsed against `spec`."""
    return [
        parse(path, data, spec, problems)
        for path, data in sorted(files.contents.items())
        if path.parent == files.root / folder
    ]


def _parse_single(files: Files, name: str, spec: Record, problems: list[Problem]) -> YamlFile:
    """The file `name` parsed against `spec`; empty when it could not be read."""
    path = files.root / name
    data = files.contents.get(path)
    # A file that could not be read was reported by `read_files`; it is checked as empty.
    return parse(path, data, spec, problems) if data is not None else YamlFile(path, problems)
