"""The terminal chat as a person reads it: wrapped to the window, links still usable."""

from __future__ import annotations

import dataclasses
import io

import pytest

from bot.console import run_chat
from bot.conversation import Brain, Conversation
from bot.service import ChatService
from tests.conftest import MONDAY_MORNING
from tests.helpers import FixedBrain


def chat(service: ChatService, typed: str) -> list[str]:
    out = io.StringIO()
    assert run_chat(service, io.StringIO(typed), out, lang="en") == 0
    return out.getvalue().splitlines()


def test_links_stay_whole_when_answers_are_wrapped(
    service: ChatService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "60")  # a narrow terminal forces long links past the edge
    topics = service.brain.kb.topics
    typed = "".join(f"{number}\n" for number in range(1, len(topics) + 1))
    out = io.StringIO()
    assert run_chat(service, io.StringIO(typed), out, lang="en") == 0
    shown = out.getvalue().splitlines()
    urls = {link.url for topic in topics for link in topic.links}
    assert any(len(url) > 60 for url in urls)
    for url in urls:
        assert any(url in line for line in shown), f"{url} is broken across lines"


def test_a_link_button_is_a_line_with_its_address(service: ChatService) -> None:
    registration = service.brain.kb.topic("registration")
    assert registration is not None and registration.links
    number = service.brain.kb.topic_ids.index("registration") + 1
    shown = chat(service, f"{number}\n")
    for item in registration.links:
        assert f"🔗 {item.title['en']}: {item.url}" in shown


def test_two_topics_with_one_title_keep_their_own_numbers(
    brain: Brain, conversation: Conversation
) -> None:
    # A copied topic file whose title was not changed: `validate` refuses it, but the chat must
    # still number each menu line by its topic, not by the words on it.
    kb = brain.kb
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
    service = ChatService(
        FixedBrain(Brain(twin, brain.matcher)), conversation, clock=lambda: MONDAY_MORNING
    )

    shown = chat(service, f"/topics\n{number['kita-admission']}\n")

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


def test_a_letter_presses_the_button_it_stands_for(service: ChatService) -> None:
    shown = chat(service, "/hours\na\n")
    hours_end = shown.index("[a] 📍 Contact   [b] ☰ All topics")
    assert not any("Postfach" in line for line in shown[:hours_end])
    assert any("Postfach 12 00 20" in line for line in shown[hours_end:])  # the contact reply


def test_a_language_chosen_in_the_terminal_holds_for_the_session(service: ChatService) -> None:
    shown = "\n".join(chat(service, "/language uk\nWie melde ich mein Kind an?\n"))
    assert "Відтепер я відповідатиму українською" in shown
    assert "Сьогодні 09:00–12:00: зараз відчинено" in shown  # the German question, in Ukrainian


def test_the_welcome_waits_for_the_first_line_to_greet_in_its_language(
    service: ChatService,
) -> None:
    out = io.StringIO()
    typed = io.StringIO("Як записати дитину в садочок?\n")
    assert run_chat(service, typed, out, client_lang="de_DE", interactive=True) == 0
    shown = out.getvalue()
    welcome, answer = shown.index("Вітаю!"), shown.rindex("Як записати дитину в садочок\n\n")
    assert welcome < shown.index("Введіть номер теми") < answer
    assert "Hallo" not in shown


def test_the_welcome_follows_the_chosen_language_at_once(service: ChatService) -> None:
    out = io.StringIO()
    assert (
        run_chat(service, io.StringIO(""), out, lang="en", client_lang="de_DE", interactive=True)
        == 0
    )
    assert out.getvalue().startswith("Hello! I answer questions")
