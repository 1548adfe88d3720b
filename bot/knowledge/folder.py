"""The whole of `faq/`: which files are read against which spec, every check, one KnowledgeBase."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from bot.knowledge import checks
from bot.knowledge.build import knowledge_base
from bot.knowledge.schema import OFFICE, REFERRAL, SMALLTALK, TOPIC
from bot.knowledge.yamlfile import Problem, Record, YamlFile, read
from bot.models import KnowledgeBase


class KnowledgeError(Exception):
    """The knowledge base cannot be loaded; `.problems` lists the errors."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def validate(faq_dir: Path) -> list[Problem]:
    """Every error and warning in every file of `faq_dir`, sorted by file and line."""
    return _collect(faq_dir)[1]


def load_knowledge(faq_dir: Path) -> KnowledgeBase:
    """The knowledge base in `faq_dir`; raises KnowledgeError listing the errors."""
    kb, problems = _collect(faq_dir)
    if kb is None:
        raise KnowledgeError(p for p in problems if p.severity == "error")
    return kb


def _collect(faq_dir: Path) -> tuple[KnowledgeBase | None, list[Problem]]:
    """Read and check everything; the knowledge base only when there is no error."""
    problems: list[Problem] = []
    if not faq_dir.is_dir():
        problems.append(Problem(faq_dir, 1, 1, f"Der Ordner {faq_dir} fehlt."))
        return None, problems
    topics_dir, referrals_dir = faq_dir / "topics", faq_dir / "referrals"
    topics = _read_folder(topics_dir, TOPIC, "Themen", problems)
    if not topics_dir.is_dir():
        problems.append(Problem(topics_dir, 1, 1, "Der Ordner 'topics' fehlt."))
    elif not topics:
        problems.append(
            Problem(topics_dir, 1, 1, "Im Ordner 'topics' liegt kein Thema (keine .yaml-Datei).")
        )
    referrals = _read_folder(referrals_dir, REFERRAL, "Weiterleitungen", problems)
    office = read(faq_dir / "office.yaml", OFFICE, problems)
    smalltalk = read(faq_dir / "smalltalk.yaml", SMALLTALK, problems)
    checks.check_all(topics, referrals, office, smalltalk)
    problems.sort(key=lambda p: (p.path, p.line, p.column, p.message))
    if any(p.severity == "error" for p in problems):
        return None, problems
    return knowledge_base(topics, referrals, office, smalltalk), problems


def _read_folder(folder: Path, spec: Record, what: str, problems: list[Problem]) -> list[YamlFile]:
    """Every .yaml file in `folder` (none when there is no such folder); others are mentioned."""
    if not folder.is_dir():
        return []
    paths = sorted(p for p in folder.iterdir() if not p.name.startswith(".") and p.is_file())
    problems.extend(
        Problem(
            path,
            1,
            1,
            f"Diese Datei wird nicht gelesen: nur Dateien mit der Endung .yaml sind {what}. "
            "Benennen Sie sie um oder verschieben Sie sie.",
            "warning",
        )
        for path in paths
        if path.suffix != ".yaml"
    )
    return [read(path, spec, problems) for path in paths if path.suffix == ".yaml"]
