"""The terminal chat: the same conversation as on Telegram, as plain text.

Topics keep their menu number everywhere (type 3 for the third topic); other buttons of the last
reply get letters (type a). Works interactively and with piped standard input.
"""

from __future__ import annotations

import logging
import shutil
import string
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TextIO

from bot import replies
from bot.conversation import Conversation
from bot.events import (
    COMMANDS,
    Button,
    ButtonEvent,
    CommandEvent,
    Event,
    Reply,
    ShowLabel,
    TextEvent,
    Who,
    parse,
)
from bot.i18n import resolve_language
from bot.markup import to_text
from bot.models import Lang

log = logging.getLogger(__name__)

QUIT = ("/quit", "/exit", "/q")


def wrap(text: str, width: int) -> str:
    """Wrap each line to `width`, with bullets hanging; links and long words stay whole."""
    out = []
    for line in text.splitlines():
        indent = "  " if line.startswith(("• ", "[")) else ""
        # Breaking inside a URL (at its hyphens or anywhere) would leave a link nobody can open.
        filled = textwrap.fill(
            line,
            width,
            subsequent_indent=indent,
            break_long_words=False,
            break_on_hyphens=False,
        )
        out.append(filled if line.strip() else "")
    return "\n".join(out)


@dataclass
class ChatState:
    chosen_lang: Lang | None
    client_lang: str | None
    letters: dict[str, Button] = field(default_factory=dict)


class Chat:
    """One terminal session on a Conversation."""

    def __init__(
        self, conversation: Conversation, out: TextIO, *, lang: Lang | None, client_lang: str | None
    ) -> None:
        self.conversation = conversation
        self.out = out
        self.state = ChatState(lang, client_lang)
        self.width = min(shutil.get_terminal_size((88, 24)).columns, 100) - 2

    @property
    def who(self) -> Who:
        # The person at the terminal runs the bot, so staff commands (/stats, /reload) work here.
        return Who(self.state.chosen_lang, self.state.client_lang, is_admin=True)

    def topic_numbers(self) -> dict[str, int]:
        """Topic id -> its number in the menu (1-based)."""
        return {topic.id: n for n, topic in enumerate(self.conversation.brain.kb.topics, start=1)}

    def event_for(self, line: str) -> Event:
        """Turn a typed line into an event: a command, a topic number, a button letter or text."""
        if line.startswith("/"):
            name, _, args = line[1:].partition(" ")
            name = name.split("@")[0].lower()
            known = next((command for command in COMMANDS if command == name), None)
            return CommandEvent(known, args)
        if line.isdigit():
            topics = self.conversation.brain.kb.topics
            if 1 <= int(line) <= len(topics):
                return ButtonEvent(ShowLabel(topics[int(line) - 1].id))
        if line.lower() in self.state.letters:
            return ButtonEvent(parse(self.state.letters[line.lower()].data))
        return TextEvent(line)

    def send(self, line: str) -> None:
        """Handle one typed line and print the replies."""
        try:
            self.conversation.refresh_knowledge()
            outcome = self.conversation.handle(self.event_for(line), self.who)
        except Exception:  # one failing question must not end the session
            log.exception("could not handle a message")
            outcome = self.conversation.failure(self.who)
        self.state.chosen_lang = outcome.chosen_lang
        if outcome.toast:
            self.print(f"✓ {outcome.toast}")
        self.state.letters = {}
        for reply in outcome.replies:
            self.show(reply)

    def show(self, reply: Reply) -> None:
        """Print a reply: text with numbered topics, then the remaining buttons with letters."""
        numbers = self.topic_numbers()
        on_buttons = {parse(b.data) for row in reply.buttons for b in row if not b.url}
        # Listed topics are told apart by their place in the menu's lists, not by their title:
        # two topics may carry the same title, and each must keep its own number.
        families, kitas = replies.menu_groups(self.conversation.brain.kb)
        pending = [topic for topic in (*families, *kitas) if ShowLabel(topic.id) in on_buttons]
        shown: set[str] = set()
        lines = []
        for line in to_text(reply.text).splitlines():
            title = line[2:] if line.startswith("• ") else None
            topic = next((t for t in pending if title and t.title[reply.lang] == title), None)
            if topic is None:
                lines.append(line)
                continue
            pending.remove(topic)  # the first of equal titles is this line's; the next, the next
            lines.append(f"[{numbers[topic.id]}] {title}")
            shown.add(topic.id)
        lines += self._buttons(reply.buttons, numbers, shown)
        self.print("\n".join(lines))

    def _buttons(
        self, keyboard: Iterable[Iterable[Button]], numbers: dict[str, int], shown: set[str]
    ) -> list[str]:
        out = []
        letters = iter(string.ascii_lowercase)
        for row in keyboard:
            cells = []
            for button in row:
                action = None if button.url else parse(button.data)
                topic_id = action.label if isinstance(action, ShowLabel) else None
                if topic_id in shown:
                    continue
                if button.url:
                    cells.append(f"🔗 {button.label}: {button.data}")
                elif topic_id in numbers:
                    cells.append(f"[{numbers[topic_id]}] {button.label}")
                else:
                    letter = next(letters)
                    self.state.letters[letter] = button
                    cells.append(f"[{letter}] {button.label}")
            if cells:
                out.append("   ".join(cells))
        return ["", *out] if out else []

    def print(self, text: str) -> None:
        self.out.write(wrap(text, self.width) + "\n\n")
        self.out.flush()


def run_chat(
    conversation: Conversation,
    source: TextIO,
    out: TextIO,
    *,
    lang: Lang | None = None,
    client_lang: str | None = None,
    interactive: bool = False,
) -> int:
    """Chat until /quit or the end of input; returns the exit code."""
    chat = Chat(conversation, out, lang=lang, client_lang=client_lang)
    if interactive:
        chat.send("/start")
        t = conversation.translator(
            resolve_language(chosen=chat.state.chosen_lang, client_code=client_lang)
        )
        chat.print(
            t.gettext(
                "Type a topic number, a letter for a button, or your question. /help shows the commands, /quit ends."
            )
        )
    while True:
        if interactive:
            out.write("> ")
            out.flush()
        try:
            line = source.readline()
        except KeyboardInterrupt:
            break
        if not line:
            break
        line = line.strip()
        if not line:
            continue
        if line.lower() in QUIT:
            break
        chat.send(line)
    return 0
