"""Who writes: a Kita ("unsere Kita", "ich bin Erzieherin", "wir als Träger") or a family ("my
son"). Some topics are for one of them (faq/ `audience`), so who writes tips a close race between
"registration" (a parent) and "kita-admission" (a Kita). The cue words are faq/lexicon.yaml's."""

from __future__ import annotations

from typing import Final

from bot.models import Lexicon
from bot.understanding.text import fold_umlauts

_NEAR: Final = 3
_I_AM_NEAR: Final = 3
"""A role counts as the writer's within three words after "I am" ("I work as a childminder"),
not after a bare "as" ("something such as a childminder")."""


class Writer:
    """Reads who writes from the cue words of one lexicon."""

    def __init__(self, lexicon: Lexicon) -> None:
        self._cues = lexicon.writer
        stop = lexicon.stop_words
        self._stop = frozenset().union(*stop.values()) if stop else frozenset()

    def audiences(self, words: tuple[str, ...]) -> frozenset[str]:
        """Who seems to write: "kitas" (staff, providers), "families" (parents), both or neither."""
        cues = self._cues
        flat = [fold_umlauts(w) for w in words]
        found: set[str] = set()
        if self.own_roles(words):
            found.add("kitas")
        for i, word in enumerate(flat):
            ahead = flat[i + 1 : i + 1 + _NEAR]
            if word in cues.staff or (word in cues.we and self._runs_a_setting(flat[i + 1 :])):
                found.add("kitas")
            if word in cues.child_alone or (
                word in cues.my and any(w in cues.child for w in ahead[:2])
            ):
                found.add("families")
        return frozenset(found)

    def own_roles(self, words: tuple[str, ...]) -> frozenset[str]:
        """The role words the writer says of themselves: "Tagesmutter" in "ich bin Tagesmutter"."""
        cues = self._cues
        flat = [fold_umlauts(w) for w in words]
        return frozenset(
            words[i]
            for i, word in enumerate(flat)
            if word in cues.role and any(w in cues.i_am for w in flat[max(i - _I_AM_NEAR, 0) : i])
        )

    def _runs_a_setting(self, after: list[str]) -> bool:
        """'we run a bilingual kindergarten', 'unsere kleine Kita': a setting among the next
        content words, with no verb of needing or seeking before it."""
        content = [w for w in after if w not in self._stop][:_NEAR]
        for word in content:
            if word in self._cues.need:
                return False
            if word in self._cues.setting:
                return True
        return False
