"""After choosing Ukrainian, every interface line the bot says is Ukrainian: menus, hours, errors."""

from __future__ import annotations

import re

from babel.messages.pofile import read_po

from bot.conversation import Brain, Conversation
from bot.events import (
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
    TextEvent,
    UnsupportedEvent,
    Who,
)
from bot.i18n import po_path
from bot.service import ChatService
from bot.store import Store
from tests.conftest import LOCALES_DIR, WEDNESDAY
from tests.helpers import FixedBrain

OLENA = 555000222

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


def english_interface_phrases() -> list[str]:
    """English message texts long enough that finding one in a reply means it was not translated."""
    with po_path("en", LOCALES_DIR).open("rb") as handle:
        catalog = read_po(handle, locale="en")
    phrases = []
    for message in catalog:
        if not message.id:
            continue
        texts = (message.string,) if isinstance(message.string, str) else (message.string or ())
        for text in texts:
            for fragment in re.split(r"\{\w+\}", text):
                fragment = fragment.strip(" .:,;!?()")
                if len(fragment) >= 12 and " " in fragment:
                    phrases.append(fragment)
    return phrases


def test_every_line_is_ukrainian_after_choosing_ukrainian(
    brain: Brain, conversation: Conversation, store: Store
) -> None:
    service = ChatService(FixedBrain(brain), conversation, store=store, clock=lambda: WEDNESDAY)

    def say(event: Event) -> Outcome:
        return service.handle(OLENA, event, client_lang="de-DE", private=True)

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
    leaked = [phrase for phrase in english_interface_phrases() if phrase in said]
    assert not leaked, f"English interface text in a Ukrainian session: {leaked}"
    for german in ("Sprechzeiten", "geschlossen", "Kontakt", "Alle Themen", "Montag"):
        assert german not in said
    assert "Зараз зачинено. Найближчий прийом: завтра о 09:00" in said
