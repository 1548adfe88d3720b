"""The terminal chat as a person reads it: wrapped to the window, links still usable."""

from __future__ import annotations

import io

import pytest

from bot.console import run_chat
from bot.conversation import Conversation


def test_links_stay_whole_when_answers_are_wrapped(
    conversation: Conversation, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "60")  # a narrow terminal forces long links past the edge
    topics = conversation.brain.kb.topics
    typed = "".join(f"{number}\n" for number in range(1, len(topics) + 1))
    out = io.StringIO()
    assert run_chat(conversation, io.StringIO(typed), out, lang="en") == 0
    shown = out.getvalue().splitlines()
    urls = {link.url for topic in topics for link in topic.links}
    assert any(len(url) > 60 for url in urls)
    for url in urls:
        assert any(url in line for line in shown), f"{url} is broken across lines"
