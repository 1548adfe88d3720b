"""Copies of a small valid faq/ to break in tests, and the helpers to edit them like staff would."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "faq_min"
TOPIC = "topics/alpha.yaml"


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


def line_of(path: Path, needle: str) -> int:
    """The 1-based line where `needle` first occurs."""
    text = path.read_bytes().decode("utf-8", "replace")
    return text[: text.index(needle)].count("\n") + 1
