"""What the first version of a recent message got, so that an edit can be answered again.

A user who fixes a typo after "I did not understand" edits the message instead of sending a new
one. Only message ids and one bit per message are kept (never texts), for the last few messages
of the most recently active chats: memory stays bounded however many users write.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Final

NO_ANSWER: Final = frozenset({"suggest", "fallback", "unsupported", "slow-down", "error"})
"""Reply kinds that leave the question open: a did-you-mean, the no-answer reply, "please type
words", the flood notice, an apology."""


class Answers:
    """Per chat, the latest message ids and whether each got an answer."""

    def __init__(self, per_chat: int = 8, chats: int = 4096) -> None:
        """Enough for a typo fixed right away: at most some 33,000 ids, a few MB."""
        self.per_chat = per_chat
        self.chats = chats
        self._chats: OrderedDict[int, OrderedDict[int, bool]] = OrderedDict()

    def __len__(self) -> int:
        """How many messages are remembered in all."""
        return sum(len(messages) for messages in self._chats.values())

    def note(self, chat_id: int, message_id: int, *, answered: bool) -> None:
        """Remember what message `message_id` in `chat_id` got; the oldest is forgotten."""
        messages = self._chats.setdefault(chat_id, OrderedDict())
        self._chats.move_to_end(chat_id)
        messages[message_id] = answered
        messages.move_to_end(message_id)
        if len(messages) > self.per_chat:
            messages.popitem(last=False)
        if len(self._chats) > self.chats:
            self._chats.popitem(last=False)

    def unanswered(self, chat_id: int, message_id: int) -> bool:
        """True when we know that this message got no answer (False when we do not know it)."""
        messages = self._chats.get(chat_id)
        return messages is not None and messages.get(message_id) is False
