"""A per-user flood limit: so many answers per sliding window, one notice, then silence.

Pure and in memory: the caller passes the clock, and nothing is stored on disk. Only answered
messages fill the window, so a user who keeps flooding is answered again as soon as the oldest
answer leaves the window; each burst over the limit gets one "slow down" notice.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from enum import Enum
from typing import Generic, TypeVar

Key = TypeVar("Key")


class Verdict(Enum):
    ALLOW = "allow"
    """Answer the message."""
    NOTIFY = "notify"
    """Over the limit for the first time in this burst: send the "slow down" notice."""
    DROP = "drop"
    """Over the limit and already told: stay silent."""


@dataclass
class _Window:
    answered: deque[float] = field(default_factory=deque)
    notified: bool = False


class FloodLimiter(Generic[Key]):
    """At most `messages` answers per `seconds` for each key (a Telegram user id)."""

    SWEEP_EVERY = 1024
    """Forget idle keys after this many checks, so memory follows the active users only."""

    def __init__(self, messages: int, seconds: float) -> None:
        if messages < 1 or seconds <= 0:
            raise ValueError("a flood limit needs at least one message per positive period")
        self.messages = messages
        self.seconds = seconds
        self._windows: dict[Key, _Window] = {}
        self._checks = 0

    def __len__(self) -> int:
        """How many users are currently remembered."""
        return len(self._windows)

    def check(self, key: Key, now: float) -> Verdict:
        """Decide what to do with one message from `key` at monotonic time `now`."""
        self._checks += 1
        if self._checks % self.SWEEP_EVERY == 0:
            self._sweep(now)
        window = self._windows.setdefault(key, _Window())
        self._expire(window, now)
        if len(window.answered) < self.messages:
            window.answered.append(now)
            window.notified = False
            return Verdict.ALLOW
        if not window.notified:
            window.notified = True
            return Verdict.NOTIFY
        return Verdict.DROP

    def _expire(self, window: _Window, now: float) -> None:
        horizon = now - self.seconds
        while window.answered and window.answered[0] <= horizon:
            window.answered.popleft()

    def _sweep(self, now: float) -> None:
        for key, window in list(self._windows.items()):
            self._expire(window, now)
            if not window.answered:
                del self._windows[key]
