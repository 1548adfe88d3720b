"""The terminal chat: the same bot as on Telegram, as plain text.

Topics keep their menu number everywhere (type 3 for the third topic); other buttons of the last
reply get letters (type a). Works interactively and with piped standard input.
"""

from __future__ import annotations

import shutil
import string
import textwrap
from collections.abc import Iterable
from typing import Final, TextIO

from bot.events import (
    COMMANDS,
    Button,
    ButtonEvent,
    CommandEvent,
    Event,
    Outcome,
    Reply,
    ShowLabel,
    TextEvent,
    parse,
)
from bot.markup import to_text
from bot.models import Lang
from bot.service import ChatService

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


TERMINAL_USER: Final = 0
"""The person at the terminal, as the service knows users (Telegram's ids start at 1)."""


class Chat:
    """One terminal session on the service."""

    def __init__(self, service: ChatService, out: TextIO, *, client_lang: str | None) -> None:
        self.service = service
        self.out = out
        self.client_lang = client_lang
        self.letters: dict[str, Button] = {}
        """The buttons of the last replies that have no topic number, by their letter."""
        self.width = min(shutil.get_terminal_size((88, 24)).columns, 100) - 2
        self.welcome_due = False
        """Greet before answering the next line, in the language it is answered in."""

    def topic_numbers(self) -> dict[str, int]:
        """Topic id -> its number in the menu (1-based)."""
        return {topic_id: n for n, topic_id in enumerate(self.service.brain.kb.topic_ids, 1)}

    def event_for(self, line: str) -> Event:
        """Turn a typed line into an event: a command, a topic number, a button letter or text."""
        if line.startswith("/"):
            name, _, args = line[1:].partition(" ")
            name = name.split("@")[0].lower()
            known = next((command for command in COMMANDS if command == name), None)
            return CommandEvent(known, args)
        if line.isdigit():
            topic_ids = self.service.brain.kb.topic_ids
            if 1 <= int(line) <= len(topic_ids):
                return ButtonEvent(ShowLabel(topic_ids[int(line) - 1]))
        if line.lower() in self.letters:
            return ButtonEvent(parse(self.letters[line.lower()].data))
        return TextEvent(line)

    def send(self, line: str) -> None:
        """Handle one typed line and print the replies (after the welcome, when it is due)."""
        self.service.refresh()  # an edited faq/ answers from the next line on
        outcome = self._handle(self.event_for(line))
        if self.welcome_due:
            # Only now is the conversation's language known: the line just handled set it.
            self.welcome_due = False
            if not line.lower().startswith("/start"):
                self.welcome()
        self._print(outcome)

    def welcome(self) -> None:
        """The greeting with the menu, and how to use the terminal, in the reply language."""
        self._print(self._handle(CommandEvent("start")))
        t = self.service.translator(TERMINAL_USER, client_lang=self.client_lang)
        self.print(
            t.gettext(
                "Type a topic number, a letter for a button, or your question. /help shows the commands, /quit ends."
            )
        )

    def _handle(self, event: Event) -> Outcome:
        # The person at the terminal runs the bot: a private chat, staff commands included.
        return self.service.handle(TERMINAL_USER, event, client_lang=self.client_lang, private=True)

    def _print(self, outcome: Outcome) -> None:
        if outcome.toast:
            self.print(f"✓ {outcome.toast}")
        self.letters = {}
        for reply in outcome.replies:
            self.show(reply)

    def show(self, reply: Reply) -> None:
        """Print a reply: text with numbered topics, then the remaining buttons with letters."""
        numbers = self.topic_numbers()
        listed = iter(reply.listed)
        lines = []
        for line in to_text(reply.text).splitlines():
            # The reply says which label each "• " line lists, so equal titles keep their numbers.
            label = next(listed, None) if line.startswith("• ") else None
            lines.append(f"[{numbers[label]}] {line[2:]}" if label in numbers else line)
        lines += self._buttons(reply.buttons, numbers, shown=set(reply.listed))
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
                label = action.label if isinstance(action, ShowLabel) else None
                if label in shown and label in numbers:
                    continue  # numbered in the text already
                if button.url:
                    cells.append(f"🔗 {button.label}: {button.data}")
                elif label in numbers:
                    cells.append(f"[{numbers[label]}] {button.label}")
                else:
                    letter = next(letters)
                    self.letters[letter] = button
                    cells.append(f"[{letter}] {button.label}")
            if cells:
                out.append("   ".join(cells))
        return ["", *out] if out else []

    def print(self, text: str) -> None:
        self.out.write(wrap(text, self.width) + "\n\n")
        self.out.flush()


def run_chat(
    service: ChatService,
    source: TextIO,
    out: TextIO,
    *,
    lang: Lang | None = None,
    client_lang: str | None = None,
    interactive: bool = False,
) -> int:
    """Chat until /quit or the end of input; returns the exit code."""
    chat = Chat(service, out, client_lang=client_lang)
    if lang is not None:
        service.remember_language(TERMINAL_USER, lang)
    if interactive and lang is not None:
        chat.welcome()
    else:
        # Without --lang the welcome waits for the first line, to greet in its language.
        chat.welcome_due = interactive
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
