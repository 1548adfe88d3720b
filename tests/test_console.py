"""The terminal chat as a person reads it: wrapped to the window, links still usable."""

from __future__ import annotations

import dataclasses
import io

import pytest

from bot.console import run_chat
from bot.conversation import Conversation
from bot.i18n import Catalogs
from bot.knowledge import LiveKnowledge, Problem
from bot.models import KnowledgeBase
from tests.conftest import FAQ_DIR, MONDAY_MORNING


class FixedKnowledge:
    """A knowledge base as given, never reloaded (the loader would refuse some of them)."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.current = kb

    def refresh(self) -> bool:
        return False

    def reload(self) -> list[Problem]:
        return []


def chat(conversation: Conversation, typed: str) -> list[str]:
    out = io.StringIO()
    assert run_chat(conversation, io.StringIO(typed), out, lang="en") == 0
    return out.getvalue().splitlines()


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


def test_two_topics_with_one_title_keep_their_own_numbers(catalogs: Catalogs) -> None:
    # A copied topic file whose title was not changed: `validate` refuses it, but the chat must
    # still number each menu line by its topic, not by the words on it.
    kb = LiveKnowledge(FAQ_DIR).current
    registration = kb.topic("registration")
    assert registration is not None
    topics = tuple(
        dataclasses.replace(topic, title=registration.title)
        if topic.id == "kita-admission"
        else topic
        for topic in kb.topics
    )
    twin = dataclasses.replace(kb, topics=topics)
    number = {topic.id: n for n, topic in enumerate(topics, start=1)}
    conversation = Conversation(
        FixedKnowledge(twin),  # type: ignore[arg-type]
        catalogs,
        clock=lambda: MONDAY_MORNING,
    )

    shown = chat(conversation, f"/topics\n{number['kita-admission']}\n")

    title = registration.title["en"]
    kitas_at = shown.index("🏫 For Kitas and providers")
    families = shown[shown.index("👪 For families") + 1 : kitas_at]
    kitas = shown[kitas_at + 1 : shown.index("", kitas_at)]
    assert f"[{number['registration']}] {title}" in families
    assert f"[{number['kita-admission']}] {title}" in kitas
    admission = kb.topic("kita-admission")
    assert admission is not None
    first_sentence = admission.answer["en"].splitlines()[0].strip("*")
    assert first_sentence in " ".join(" ".join(shown).split())  # typing its number opens it
