"""User stories over Telegram: the real service and brain on the real faq/, behind the real
Application polling the fake Bot API. What a user receives must be exactly what the service says."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.events import (
    Action,
    ButtonEvent,
    ChooseLanguage,
    CommandEvent,
    Event,
    Reply,
    ShowLabel,
    TextEvent,
    UnsupportedEvent,
    encode,
    parse,
)
from bot.markup import split, to_text
from bot.service import ChatService
from bot.store import Store
from bot.telegram_bot import build_application
from tests.fake_bot_api import TEST_TOKEN, Call, FakeBotApi, User, polling

OKSANA = User(2001, "Oksana", "uk")
MARKUS = User(2002, "Markus", "de")
UK_REGISTRATION = "Як записати дитину в садочок у Дрездені? Синові 3 роки"
VAGUE = (
    "Platz Kosten Impfung",
    "Impfung oder Psychologe?",
    "Wie geht das mit dem Platz und der Impfung?",
    "Trauma Psychologe",
    "freie Plätze Kita",
    "Kita Kosten Anmeldung",
    "Wir haben freie Plätze",
    "Kita Ukraine",
)
"""Messages that touch several topics at once; the first in the did-you-mean band is used."""


@pytest.fixture
async def bot(api: FakeBotApi, service: ChatService, tmp_path: Path) -> AsyncIterator[Any]:
    settings = Settings(token=TEST_TOKEN, api_base_url=api.url, data_dir=tmp_path / "data")
    async with polling(build_application(settings, service)) as running:
        yield running


def said(service: ChatService, event: Event, user: User) -> Reply:
    """The first reply the service gives this user for `event` (what Telegram must deliver)."""
    outcome = service.handle(user.id, event, client_lang=user.language_code, private=True)
    return outcome.replies[0]


async def replies_to(api: FakeBotApi, user: User, count: int) -> list[Call]:
    assert await api.until(lambda: len(api.sent(user.id)) >= count), api.calls
    return api.sent(user.id)


def actions(call: Call) -> list[Action | None]:
    """What the buttons of a sent message do."""
    return [parse(b["callback_data"]) for b in call.buttons if "callback_data" in b]


def topics(call: Call) -> list[str]:
    return [a.label for a in actions(call) if isinstance(a, ShowLabel)]


async def test_start_greets_with_the_topic_menu_and_a_language_picker(
    api: FakeBotApi, service: ChatService, bot: Any
) -> None:
    api.send_command(OKSANA, "/start")
    [greeting] = await replies_to(api, OKSANA, 1)
    expected = said(service, CommandEvent("start"), OKSANA)
    assert greeting.text == expected.text and expected.lang == "uk"
    languages = {ChooseLanguage("de"), ChooseLanguage("uk"), ChooseLanguage("en")}
    assert languages <= set(actions(greeting))
    assert len(topics(greeting)) >= 5


async def test_a_ukrainian_question_is_answered_in_ukrainian(
    api: FakeBotApi, service: ChatService, bot: Any
) -> None:
    expected = said(service, TextEvent(UK_REGISTRATION), OKSANA)
    assert (expected.kind, expected.lang) == ("answer", "uk")
    assert (expected.topic_id or "").split("/")[0] == "registration"  # or one of its sub-answers
    api.send_text(OKSANA, UK_REGISTRATION)
    sent = await replies_to(api, OKSANA, len(split(expected.text)))
    assert [c.text for c in sent] == split(expected.text)
    assert all(c.params["parse_mode"] == "HTML" for c in sent)


async def test_a_topic_button_answers_the_query_first_then_sends_the_answer(
    api: FakeBotApi, service: ChatService, bot: Any
) -> None:
    api.send_command(MARKUS, "/topics")
    [menu] = await replies_to(api, MARKUS, 1)
    assert "measles" in topics(menu)
    api.press(MARKUS, encode(ShowLabel("measles")), on=menu)
    sent = await replies_to(api, MARKUS, 2)
    order = [c.method for c in api.calls if c.method in ("answerCallbackQuery", "sendMessage")]
    assert order == ["sendMessage", "answerCallbackQuery", "sendMessage"]
    expected = said(service, ButtonEvent(ShowLabel("measles")), MARKUS)
    assert (expected.topic_id, expected.lang) == ("measles", "de")
    assert sent[1].text == expected.text


async def test_choosing_german_edits_the_greeting_and_later_answers_are_german(
    api: FakeBotApi, service: ChatService, store: Store, bot: Any
) -> None:
    api.send_command(OKSANA, "/start")
    [greeting] = await replies_to(api, OKSANA, 1)
    api.press(OKSANA, encode(ChooseLanguage("de")), on=greeting)
    assert await api.until(lambda: bool(api.calls_to("editMessageText")))
    assert store.language_of(OKSANA.id) == "de"
    # Her client is Ukrainian; the menu of commands in her chat follows her choice.
    assert await api.until(lambda: api.my_commands(chat_id=OKSANA.id) == api.my_commands("de"))
    expected = said(service, TextEvent(UK_REGISTRATION), OKSANA)
    assert expected.lang == "de"
    api.send_text(OKSANA, UK_REGISTRATION)
    sent = await replies_to(api, OKSANA, 2)
    assert sent[1].text == split(expected.text)[0]


async def test_a_vague_question_gets_did_you_mean_buttons(
    api: FakeBotApi, service: ChatService, bot: Any
) -> None:
    vague = next(
        (text for text in VAGUE if said(service, TextEvent(text), MARKUS).kind == "suggest"),
        None,
    )
    assert vague is not None, "no candidate lands in the did-you-mean band any more: add one"
    api.send_text(MARKUS, vague)
    [suggestion] = await replies_to(api, MARKUS, 1)
    assert suggestion.text == said(service, TextEvent(vague), MARKUS).text
    assert 1 <= len(topics(suggestion)) <= 4


async def test_a_tap_over_the_limit_gets_a_short_toast_in_the_users_language(
    api: FakeBotApi, service: ChatService, tmp_path: Path
) -> None:
    settings = Settings(
        token=TEST_TOKEN, api_base_url=api.url, data_dir=tmp_path / "data", flood_taps=2
    )
    async with polling(build_application(settings, service)):
        for _ in range(3):
            api.press(OKSANA, encode(ShowLabel("measles")))
        assert await api.until(lambda: len(api.calls_to("answerCallbackQuery")) == 3)
    toasts = [c.params.get("text") for c in api.calls_to("answerCallbackQuery")]
    assert toasts == [None, None, "Хвилинку, будь ласка."]
    assert len(api.sent(OKSANA.id)) == 2


async def test_hours_and_a_sticker(api: FakeBotApi, service: ChatService, bot: Any) -> None:
    api.send_command(OKSANA, "/hours")
    api.send_sticker(OKSANA)
    hours, sticker = await replies_to(api, OKSANA, 2)
    assert hours.text == said(service, CommandEvent("hours"), OKSANA).text
    assert sticker.text == said(service, UnsupportedEvent(), OKSANA).text


async def test_the_plain_text_fallback_keeps_the_links(
    api: FakeBotApi, service: ChatService, bot: Any
) -> None:
    expected = said(service, ButtonEvent(ShowLabel("registration")), OKSANA)
    topic = service.brain.kb.topic("registration")
    assert topic is not None and topic.links and len(split(expected.text)) == 1
    api.send_command(OKSANA, "/topics")
    [menu] = await replies_to(api, OKSANA, 1)
    api.fail("sendMessage", 400, "Bad Request: can't parse entities: unexpected end tag at byte 9")
    api.press(OKSANA, encode(ShowLabel("registration")), on=menu)
    [_, fallback] = await replies_to(api, OKSANA, 2)
    assert "parse_mode" not in fallback.params
    assert fallback.text == to_text(expected.text)
    # Links are buttons that open them, in plain text as in HTML.
    opened = [button["url"] for button in fallback.buttons if "url" in button]
    assert opened == [link.url for link in topic.links]
