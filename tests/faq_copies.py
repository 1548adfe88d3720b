"""Copies of a small valid faq/ to break in tests, and the helpers to edit them like staff would."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import yaml

from bot.knowledge import Problem, validate

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "faq_min"
TOPIC = "topics/alpha.yaml"
REFERRAL = "referrals/residence.yaml"


def copy_faq(parent: Path) -> Path:
    """A fresh copy of the small valid knowledge base, as `parent`/faq."""
    target = parent / "faq"
    shutil.copytree(FIXTURE, target)
    return target


def replace_once(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} must occur exactly once in {path.name}"
    save(path, text.replace(old, new))


def save(path: Path, text: str | bytes) -> None:
    """Write and move the modification time on, as an editor saving a minute later would."""
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 60 * 10**9))


def problems_in(faq: Path, name: str) -> list[Problem]:
    """The problems `validate` finds in the file called `name`."""
    return [p for p in validate(faq) if p.path.name == name]


def line_of(path: Path, needle: str) -> int:
    """The 1-based line where `needle` first occurs."""
    text = path.read_bytes().decode("utf-8", "replace")
    return text[: text.index(needle)].count("\n") + 1


class QuotingDumper(yaml.SafeDumper):
    """Writes every text in double quotes, as faq/README.md asks of staff."""


QuotingDumper.add_representer(
    str, lambda dumper, text: dumper.represent_scalar("tag:yaml.org,2002:str", text, style='"')
)
OWN_TEXTS = ("question_de", "title", "answer", "more", "phrasings", "keywords")


def own_copy(source: Path, new_id: str, **changes: Any) -> str:
    """The topic in `source` copied under `new_id`, every text rewritten, as faq/README.md says."""

    def own(value: Any) -> Any:
        if isinstance(value, str):
            return f"{value} ({new_id})"
        if isinstance(value, list):
            return [own(item) for item in value]
        return {key: own(item) for key, item in value.items()}

    def rewrite(topic: dict[str, Any]) -> dict[str, Any]:
        return {
            key: own(value)
            if key in OWN_TEXTS
            else [rewrite(sub) for sub in value]
            if key == "answers"
            else value
            for key, value in topic.items()
        }

    topic = rewrite(yaml.safe_load(source.read_text(encoding="utf-8"))) | {"id": new_id, **changes}
    return yaml.dump(topic, Dumper=QuotingDumper, allow_unicode=True, sort_keys=False)
