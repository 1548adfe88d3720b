"""A Ukrainian conversation stays Ukrainian: after choosing Ukrainian, and also on a German phone
after one Ukrainian message and nothing but buttons since, every line is Ukrainian: menus,
answers, hours, notices, toasts, errors."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.conversation import Brain, Conversation
from bot.events import (
    Action,
    ButtonEvent,
    ChooseLanguage,
    CommandEvent,
    Event,
    Feedback,
    FloodedEvent,
    Menu,
    NoneOfThese,
    Outcome,
    ShowLabel,
    ShowMore,
    TextEvent,
    UnsupportedEvent,
    Who,
)
from bot.service import ChatService
from bot.store import Store
from tests.conftest import WEDNESDAY
from tests.helpers import FixedBrain, interface_phrases

OLENA = 555000222


@pytest.fixture
def wednesday(brain: Brain, conversation: Conversation, store: Store) -> ChatService:
    """The service with a store, on a Wednesday (the office closed: hours lines say when next)."""
    return ChatService(FixedBrain(brain), conversation, store=store, clock=lambda: WEDNESDAY)


def olena(service: ChatService, client_lang: str = "de-DE") -> Callable[[Event], Outcome]:
    """What Olena gets for an event, in a private chat on a phone set to `client_lang`."""

    def say(event: Event) -> Outcome:
        return service.handle(OLENA, event, client_lang=client_lang, private=True)

    return say


SESSION: list[Event] = [
    CommandEvent("topics"),
    CommandEvent("hours"),
    CommandEvent("contact"),
    CommandEvent("help"),
    CommandEvent("privacy"),
    CommandEvent("language"),
    CommandEvent(None),
    TextEvent("Wie melde ich mein Kind an?"),
    TextEvent("Wie wird das Wetter morgen?"),
    TextEvent("hallo"),
    TextEvent("danke"),
    TextEvent("???"),
    UnsupportedEvent(),
    FloodedEvent(),
    ButtonEvent(ShowLabel("measles")),
    ButtonEvent(Feedback("measles", helpful=True)),
    ButtonEvent(NoneOfThese()),
    ButtonEvent(Menu()),
    ButtonEvent(None),
]


def test_every_line_is_ukrainian_after_choosing_ukrainian(
    wednesday: ChatService, conversation: Conversation, store: Store
) -> None:
    say = olena(wednesday)

    assert say(CommandEvent("start")).replies[0].lang == "de"
    assert say(ButtonEvent(ChooseLanguage("uk"))).language_chosen == "uk"
    texts: list[str] = []
    for event in SESSION:
        outcome = say(event)
        assert store.language_of(OLENA) == "uk"
        assert all(reply.lang == "uk" for reply in outcome.replies)
        texts += [reply.text for reply in outcome.replies]
        texts += [
            button.label for reply in outcome.replies for row in reply.buttons for button in row
        ]
        if outcome.toast:
            texts.append(outcome.toast)
    texts.append(conversation.failure(Who(chosen_lang="uk")).replies[0].text)
    said = "\n".join(texts)
    leaked = [phrase for phrase in interface_phrases("en") if phrase in said]
    assert not leaked, f"English interface text in a Ukrainian session: {leaked}"
    for german in ("Sprechzeiten", "geschlossen", "Kontakt", "Alle Themen", "Montag"):
        assert german not in said
    assert "Зараз зачинено. Найближчий прийом: завтра о 09:00" in said


TAPS: list[Action | None] = [
    ShowLabel("measles"),
    ShowLabel("registration/documents"),
    ShowMore("registration"),
    Feedback("registration", helpful=True),
    Feedback("registration", helpful=False),
    ShowLabel("contact"),
    ShowLabel("office-hours"),
    NoneOfThese(),
    Menu(),
    None,
]


def test_one_ukrainian_message_on_a_german_phone_keeps_every_tap_ukrainian(
    wednesday: ChatService, store: Store
) -> None:
    say = olena(wednesday)

    assert say(CommandEvent("start")).replies[0].lang == "de"  # nothing said yet: the phone's
    assert say(TextEvent("Як записати дитину в садочок?")).replies[0].lang == "uk"
    said: list[str] = []
    events: list[Event] = [
        *(ButtonEvent(tap) for tap in TAPS),
        UnsupportedEvent(),
        UnsupportedEvent(document=True),
        FloodedEvent(),
        TextEvent("ok"),  # too short to tell its language
        TextEvent("???"),
        CommandEvent("language"),
        CommandEvent("topics"),
    ]
    for event in events:
        outcome = say(event)
        assert all(reply.lang == "uk" for reply in outcome.replies), event
        said += [reply.text for reply in outcome.replies]
        said += [b.label for reply in outcome.replies for row in reply.buttons for b in row]
        said += [outcome.toast] if outcome.toast else []
    assert store.language_of(OLENA) is None  # nothing was chosen: nothing stored
    text = "\n".join(said)
    leaked = [phrase for phrase in interface_phrases("de") if phrase in text]
    assert not leaked, f"German interface text in a Ukrainian conversation: {leaked}"
    assert "Дякуємо за відгук!" in said


def test_the_last_clear_message_sets_the_language_and_a_choice_beats_it(
    wednesday: ChatService, store: Store
) -> None:
    service, say = wednesday, olena(wednesday, "en")

    def lang_of(event: Event) -> str:
        return say(event).replies[0].lang

    tap = ButtonEvent(ShowLabel("measles"))
    assert lang_of(tap) == "en"
    assert lang_of(TextEvent("Wie melde ich mein Kind für die Kita an?")) == "de"
    assert lang_of(tap) == "de"
    assert lang_of(TextEvent("Як записати дитину в садочок?")) == "uk"
    assert lang_of(tap) == "uk"
    assert lang_of(ButtonEvent(ChooseLanguage("en"))) == "en"
    assert lang_of(TextEvent("Wie melde ich mein Kind für die Kita an?")) == "en"
    service.forget(OLENA)  # blocked the bot: the language seen goes with the choice
    assert lang_of(tap) == "en" and store.language_of(OLENA) is None
    assert olena(service, "de")(tap).replies[0].lang == "de"
