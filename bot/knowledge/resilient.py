"""Starting with a broken faq/: serve the last good copy, else everything but the broken entries.

Staff learn of a mistake from the problems (logged and shown to admins); families never learn of
it from a bot that does not start. Only a broken file the bot cannot do without (office.yaml,
smalltalk.yaml), with no snapshot to fall back on, still stops the start.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeAlias

from bot.knowledge import snapshot
from bot.knowledge.folder import Files, KnowledgeError, check, errors, is_entry, read_files
from bot.knowledge.yamlfile import Problem
from bot.models import KnowledgeBase

log = logging.getLogger(__name__)

Source: TypeAlias = Literal["faq", "snapshot", "partial"]
"""Where the served knowledge base comes from: faq/ as it is, the last good copy, or faq/ without
its broken topic and referral files."""


@dataclass(frozen=True)
class Loaded:
    """The knowledge base to serve, where it comes from, and what is wrong in faq/."""

    kb: KnowledgeBase
    source: Source
    problems: tuple[Problem, ...] = ()
    """The errors in faq/; empty when `source` is "faq"."""
    left_out: tuple[Path, ...] = ()
    """The broken files left out when `source` is "partial"."""


def load_knowledge_resilient(faq_dir: Path, snapshot_dir: Path | None = None) -> Loaded:
    """The best knowledge base to serve at start; KnowledgeError only when there is none."""
    return serve(read_files(faq_dir), snapshot_dir)


def serve(
    files: Files, snapshot_dir: Path | None, read: Callable[[Path], Files] = read_files
) -> Loaded:
    """The best knowledge base from `files` (one read of faq/), the snapshot, or the valid files."""
    kb, problems = check(files)
    if kb is not None:
        return Loaded(kb, "faq")
    found = errors(problems)
    kept = snapshot.folder(snapshot_dir) if snapshot_dir is not None else None
    if kept is not None:
        last_good, snapshot_problems = check(read(kept))
        if last_good is not None:
            log.warning(
                "faq/ has %d errors: answering from the last good copy in %s until they are fixed",
                len(found),
                snapshot_dir,
            )
            return Loaded(last_good, "snapshot", found)
        log.warning(
            "the last good copy in %s does not load either (%s); leaving out broken files instead",
            snapshot_dir,
            "; ".join(str(p) for p in errors(snapshot_problems)[:3]),
        )
    kb, left_out = _without_broken_entries(files)
    if kb is None:
        raise KnowledgeError(found)
    for path in left_out:
        log.warning("%s is broken and LEFT OUT: the bot answers without it until it is fixed", path)
    return Loaded(kb, "partial", found, left_out)


def _without_broken_entries(files: Files) -> tuple[KnowledgeBase | None, tuple[Path, ...]]:
    """The knowledge base without the topic and referral files that have errors, and those files.

    Leaving one out can break another (a `related:` naming it), so this repeats until nothing
    more is left out; each round leaves out at least one more file, so it ends.
    """
    left_out: set[Path] = set()
    while True:
        kb, problems = check(files.without(left_out))
        if kb is not None:
            return kb, tuple(sorted(left_out))
        broken = {p.path for p in errors(problems) if is_entry(files.root, p.path)} - left_out
        if not broken:
            return None, ()
        left_out |= broken
