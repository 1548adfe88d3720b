"""The Telegram edge against the fake Bot API, with a scripted stand-in for the conversation.

The real Application polls the fake server over HTTP; the stand-in core makes replies
predictable, so that each test sees one behaviour of the edge: what is sent, in which order,
and how Telegram's failures (429, 5xx, 403, 400) are survived.
"""

from __future__ import annotations

import dataclasses
import html
import logging
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.events import (
    Button,
    ButtonEvent,
    ChooseLanguage,
    CommandEvent,
    Event,
    Feedback,
    FloodedEvent,
    Outcome,
    Reply,
    ShowLabel,
    TextEvent,
    UnsupportedEvent,
    encode,
)
from bot.service import CommandMenu
from bot.telegram_bot import build_application, counters_of
from bot.telegram_bot.app import RATE_LIMIT_RETRIES
from bot.telegram_bot.delivery import keyboard
from tests.fake_bot_api import GROUP, TEST_TOKEN, Call, FakeBotApi, User, polling

OLENA = User(1001, "Olena", "uk")
IVAN = User(1002, "Ivan", "ru")
ANNA = User(1003, "Anna", "de")
ADMIN = User(4242, "Sachbearbeiterin", "de")

LONG_ANSWER = "\n\n".join(
    f"<b>Schritt {n}</b>\n" + "Anmeldung &amp; Platz " * 20 for n in range(60)
)
REGISTRATION = encode(ShowLabel("registration"))
MENU_BUTTONS = (
    (Button("Anmeldung", REGISTRATION), Button("Website", "https://www.dresden.de", url=True)),
)


class StubCore:
    """Stands in for the service: answers predictably and records what it was asked."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, Event, str | None, bool]] = []
        self.forgotten: list[int] = []
        self.refreshed_in: list[threading.Thread] = []

    def handle(
        self, user_id: int, event: Event, *, client_lang: str | None, private: bool
    ) -> Outcome:
        self.calls.append((user_id, event, client_lang, private))
        match event:
            case TextEvent(text="boom"):
                raise RuntimeError(f"the user wrote: {event.text}")
            case TextEvent(text="long"):
                return Outcome((Reply(LONG_ANSWER, "answer", "de", MENU_BUTTONS),))
            case TextEvent(text="two"):
                return Outcome((Reply("first", "answer", "de"), Reply("second", "menu", "de")))
            case TextEvent(text=text):
                return Outcome((Reply(f"echo: {html.escape(text)}", "answer", "de", MENU_BUTTONS),))
            case ButtonEvent(action=ChooseLanguage(lang=chosen)):
                reply = Reply(f"<b>Мова</b>: {chosen}", "menu", chosen, MENU_BUTTONS)
                return Outcome((reply,), language_chosen=chosen, toast=chosen)
            case ButtonEvent(action=Feedback()):
                return Outcome(toast="Danke!")
            case ButtonEvent(action=action):
                return Outcome((Reply(f"button {action}", "answer", "de"),))
            case CommandEvent(name=name, args=args):
                return Outcome((Reply(f"command {name} {args}".strip(), "help", "de"),))
            case UnsupportedEvent():
                return Outcome((Reply("please type", "unsupported", "de"),))
            case FloodedEvent():
                return Outcome((Reply("slow down", "slow-down", "de"),))
        raise AssertionError(event)

    def forget(self, user_id: int) -> None:
        self.forgotten.append(user_id)

    def command_menus(self) -> tuple[CommandMenu, ...]:
        def menu(lang: str) -> tuple[tuple[str, str], ...]:
            return (("topics", f"topics ({lang})"), ("help", f"help ({lang})"))

        return (("de", menu("de")), ("uk", menu("uk")), ("ru", menu("uk")), (None, menu("en")))

    def refresh(self) -> bool:
        self.refreshed_in.append(threading.current_thread())
        return False

    def texts(self) -> list[Event]:
        return [event for _, event, _, _ in self.calls]


@pytest.fixture(autouse=True)
def timedelta_periods(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB's documented opt-in; without it RetryAfter emits a deprecation warning (an error here)."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
def api() -> Any:
    with FakeBotApi() as server:
        yield server


@pytest.fixture
def core() -> StubCore:
    return StubCore()


def settings_for(api: FakeBotApi, tmp_path: Path, **changes: Any) -> Settings:
    base = Settings(
        token=TEST_TOKEN,
        api_base_url=api.url,
        data_dir=tmp_path / "data",
        admins=frozenset({ADMIN.id}),
    )
    return dataclasses.replace(base, **changes)


@pytest.fixture
async def bot(api: FakeBotApi, core: StubCore, tmp_path: Path) -> AsyncIterator[Any]:
    application = build_application(settings_for(api, tmp_path), core)
    async with polling(application) as running:
        yield running


async def replies_to(api: FakeBotApi, chat_id: int, count: int) -> list[Call]:
    assert await api.until(lambda: len(api.sent(chat_id)) >= count), api.calls
    return api.sent(chat_id)


# --- start-up ---


async def test_start_up_publishes_a_command_menu_per_language_and_a_default(
    api: FakeBotApi, bot: Any
) -> None:
    assert [c["command"] for c in api.my_commands("uk")] == ["topics", "help"]
    assert api.my_commands("ru")[0]["description"] == "topics (uk)"
    assert api.my_commands("de")[0]["description"] == "topics (de)"
    assert api.my_commands("")[0]["description"] == "topics (en)"
    assert await api.until(lambda: bool(api.calls_to("getUpdates")))
    assert api.calls_to("getUpdates")[0].params["allowed_updates"] == ["message", "callback_query"]


# --- messages ---


async def test_text_is_answered_as_html_with_buttons(
    api: FakeBotApi, core: StubCore, bot: Any
) -> None:
    api.send_text(OLENA, "Kita <Platz> & Hort")
    [sent] = await replies_to(api, OLENA.id, 1)
    assert sent.params["parse_mode"] == "HTML"
    assert sent.text == "echo: Kita &lt;Platz&gt; &amp; Hort"  # escaped once, by the core
    assert sent.params["link_preview_options"] == {"is_disabled": True}
    assert sent.buttons == [
        {"text": "Anmeldung", "callback_data": REGISTRATION},
        {"text": "Website", "url": "https://www.dresden.de"},
    ]
    assert core.calls == [(OLENA.id, TextEvent("Kita <Platz> & Hort"), "uk", True)]


async def test_replies_arrive_in_order(api: FakeBotApi, bot: Any) -> None:
    api.send_text(OLENA, "two")
    first, second = await replies_to(api, OLENA.id, 2)
    assert (first.text, second.text) == ("first", "second")


async def test_a_long_answer_is_split_with_the_buttons_on_the_last_message(
    api: FakeBotApi, bot: Any
) -> None:
    api.send_text(OLENA, "long")
    assert await api.until(
        lambda: len(api.sent(OLENA.id)) >= 3 and bool(api.sent(OLENA.id)[-1].buttons)
    )
    sent = api.sent(OLENA.id)
    assert all(len(c.text) <= 4000 for c in sent)
    assert [bool(c.buttons) for c in sent] == [False] * (len(sent) - 1) + [True]
    assert (
        " ".join(c.plain for c in sent).split()
        == html.unescape(LONG_ANSWER.replace("<b>", "").replace("</b>", "")).split()
    )


async def test_commands_map_to_command_events(api: FakeBotApi, core: StubCore, bot: Any) -> None:
    api.send_command(OLENA, "/start")
    api.send_command(OLENA, "/language uk")
    api.send_command(OLENA, "/HOURS")
    api.send_command(OLENA, "/foo")
    api.send_command(OLENA, "/start@OtherBot")
    api.send_command(OLENA, "/help@KitaTestBot")
    sent = await replies_to(api, OLENA.id, 5)
    assert [c.text for c in sent] == [
        "command start",
        "command language uk",
        "command hours",
        "command None",
        "command help",
    ]


async def test_the_service_hears_who_wrote_and_whether_the_chat_is_private(
    api: FakeBotApi, core: StubCore, bot: Any
) -> None:
    # Staff commands answer admins in private chats only: the service decides, from these.
    api.send_command(ADMIN, "/stats 7")
    api.send_command(ADMIN, "/stats@KitaTestBot", GROUP)
    await replies_to(api, ADMIN.id, 1)
    await replies_to(api, GROUP.id, 1)
    assert [(user, private) for user, _, _, private in core.calls] == [
        (ADMIN.id, True),
        (ADMIN.id, False),
    ]
    assert core.calls[0][1] == CommandEvent("stats", "7")


async def test_media_without_text_gets_please_type_and_a_caption_is_read(
    api: FakeBotApi, core: StubCore, bot: Any
) -> None:
    api.send_sticker(OLENA)
    api.send_voice(OLENA)
    api.send_location(OLENA)
    api.send_photo(OLENA)
    api.send_photo(OLENA, caption="Masern")
    sent = await replies_to(api, OLENA.id, 5)
    assert [c.text for c in sent] == ["please type"] * 4 + ["echo: Masern"]
    assert core.texts()[-1] == TextEvent("Masern")


async def test_an_edited_message_is_not_answered_again(
    api: FakeBotApi, core: StubCore, bot: Any
) -> None:
    api.send_text(OLENA, "Kita")
    await replies_to(api, OLENA.id, 1)
    api.edit_text(OLENA, 1000, "Kita Platz")
    api.send_text(OLENA, "Hort")
    await replies_to(api, OLENA.id, 2)
    assert core.texts() == [TextEvent("Kita"), TextEvent("Hort")]


async def test_in_groups_only_commands_mentions_and_replies_to_the_bot_are_answered(
    api: FakeBotApi, core: StubCore, bot: Any
) -> None:
    api.send_text(ANNA, "Wann ist das Amt offen?", GROUP)  # plain group chatter
    api.send_command(ANNA, "/foo", GROUP)  # unknown, not addressed to us
    api.mention(ANNA, "Wann ist das Amt offen?")
    [answer] = await replies_to(api, GROUP.id, 1)
    assert answer.text == "echo: Wann ist das Amt offen?"
    assert answer.params["reply_parameters"]["message_id"] > 0  # threaded under the question
    api.reply_to_bot(ANNA, "Und samstags?", answer)
    api.send_command(ANNA, "/hours", GROUP)
    api.send_command(ANNA, "/foo@KitaTestBot", GROUP)
    sent = await replies_to(api, GROUP.id, 4)
    assert [c.text for c in sent[1:]] == ["echo: Und samstags?", "command hours", "command None"]
    assert core.texts()[0] == TextEvent("Wann ist das Amt offen?")
    api.send_sticker(ANNA)  # private sticker: proves the group queue is drained
    await replies_to(api, ANNA.id, 1)
    assert len(api.sent(GROUP.id)) == 4


# --- buttons ---


async def test_a_button_press_is_answered_first_then_the_reply_is_sent(
    api: FakeBotApi, bot: Any
) -> None:
    api.press(OLENA, REGISTRATION)
    [sent] = await replies_to(api, OLENA.id, 1)
    methods = [c.method for c in api.calls if c.method in ("answerCallbackQuery", "sendMessage")]
    assert methods == ["answerCallbackQuery", "sendMessage"]
    assert sent.text == f"button {ShowLabel('registration')}"


async def test_feedback_gets_a_toast_and_no_message(api: FakeBotApi, bot: Any) -> None:
    api.press(OLENA, encode(Feedback("registration", helpful=True)))
    assert await api.until(lambda: bool(api.calls_to("answerCallbackQuery")))
    assert api.calls_to("answerCallbackQuery")[0].params["text"] == "Danke!"
    api.send_text(OLENA, "Kita")
    await replies_to(api, OLENA.id, 1)
    assert [c.text for c in api.sent(OLENA.id)] == ["echo: Kita"]


async def test_choosing_a_language_edits_the_menu_it_was_chosen_on(
    api: FakeBotApi, core: StubCore, bot: Any
) -> None:
    api.send_text(OLENA, "Kita")
    [menu] = await replies_to(api, OLENA.id, 1)
    api.press(OLENA, encode(ChooseLanguage("uk")), on=menu)
    assert await api.until(lambda: bool(api.calls_to("editMessageText")))
    [edit] = api.calls_to("editMessageText")
    assert edit.params["message_id"] == menu.params["_result"]["message_id"]
    assert edit.text == "<b>Мова</b>: uk" and edit.buttons
    assert core.texts()[-1] == ButtonEvent(ChooseLanguage("uk"))
    assert len(api.sent(OLENA.id)) == 1  # edited, not sent again


async def test_an_unchanged_edit_counts_as_success(api: FakeBotApi, bot: Any) -> None:
    api.fail(
        "editMessageText",
        400,
        "Bad Request: message is not modified: specified new message content and reply markup are exactly the same",
    )
    api.press(OLENA, encode(ChooseLanguage("uk")))
    assert await api.until(lambda: bool(api.calls_to("editMessageText")))
    api.send_text(OLENA, "Kita")  # processed after the press: the press is finished
    await replies_to(api, OLENA.id, 1)
    assert [c.text for c in api.sent(OLENA.id)] == ["echo: Kita"]  # no duplicate menu
    assert counters_of(bot).not_modified == 1


async def test_a_stale_button_still_gets_its_reply(api: FakeBotApi, bot: Any) -> None:
    api.fail(
        "answerCallbackQuery",
        400,
        "Bad Request: query is too old and response timeout expired or query ID is invalid",
    )
    api.press(OLENA, encode(ShowLabel("measles")))
    [sent] = await replies_to(api, OLENA.id, 1)
    assert sent.text == f"button {ShowLabel('measles')}"
    assert counters_of(bot).stale_buttons == 1


# --- Telegram's failures ---


async def test_one_429_delivers_the_answer_exactly_once_after_retry_after(
    api: FakeBotApi, bot: Any
) -> None:
    api.rate_limit("sendMessage", retry_after=1)
    api.send_text(OLENA, "Kita")
    [sent] = await replies_to(api, OLENA.id, 1)
    [limited] = [c for c in api.calls_to("sendMessage") if c.status == 429]
    assert sent.text == "echo: Kita"
    assert sent.at - limited.at >= 1.0  # never sooner than Telegram asked


async def test_429_on_every_attempt_gives_up_after_the_retries_and_keeps_running(
    api: FakeBotApi, bot: Any, caplog: pytest.LogCaptureFixture
) -> None:
    api.rate_limit("sendMessage", retry_after=1, times=RATE_LIMIT_RETRIES + 1)
    api.send_text(OLENA, "Kita")
    assert await api.until(lambda: any("rate limited" in r.getMessage() for r in caplog.records))
    assert len(api.calls_to("sendMessage")) == RATE_LIMIT_RETRIES + 1
    api.send_text(OLENA, "Hort")
    [sent] = await replies_to(api, OLENA.id, 1)
    assert sent.text == "echo: Hort"


async def test_502s_and_a_dropped_connection_on_get_updates_lose_no_update(
    api: FakeBotApi, bot: Any, caplog: pytest.LogCaptureFixture
) -> None:
    api.fail("getUpdates", 502, times=2)
    api.fail("getUpdates", 0, drop_connection=True)
    assert await api.until(lambda: any(c.status == 502 for c in api.calls_to("getUpdates")))
    api.send_text(OLENA, "Kita")  # arrives while the bot is backing off
    [sent] = await replies_to(api, OLENA.id, 1)
    assert sent.text == "echo: Kita"
    assert len([c for c in api.calls_to("getUpdates") if not c.ok]) == 3
    assert any("unreachable while polling" in r.getMessage() for r in caplog.records)


async def test_a_second_instance_is_reported_without_secrets(
    api: FakeBotApi, bot: Any, caplog: pytest.LogCaptureFixture
) -> None:
    api.fail(
        "getUpdates",
        409,
        "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
    )
    assert await api.until(lambda: counters_of(bot).conflicts == 1)
    [line] = [r.getMessage() for r in caplog.records if "409 Conflict" in r.getMessage()]
    assert "another bot instance" in line and TEST_TOKEN not in line
    api.send_text(OLENA, "Kita")
    await replies_to(api, OLENA.id, 1)


async def test_a_user_who_blocked_the_bot_is_not_retried_and_forgotten(
    api: FakeBotApi, core: StubCore, bot: Any
) -> None:
    api.block(OLENA.id)
    api.send_text(OLENA, "Kita")
    api.send_text(IVAN, "садик")
    await replies_to(api, IVAN.id, 1)
    assert await api.until(lambda: counters_of(bot).blocked == 1)
    assert len(api.calls_to("sendMessage", OLENA.id)) == 1
    assert core.forgotten == [OLENA.id]


async def test_unparsable_html_is_resent_once_as_plain_text(api: FakeBotApi, bot: Any) -> None:
    api.fail(
        "sendMessage",
        400,
        'Bad Request: can\'t parse entities: unsupported start tag "x" at byte offset 6',
    )
    api.send_text(OLENA, "A & B")
    [sent] = await replies_to(api, OLENA.id, 1)
    attempts = api.calls_to("sendMessage")
    assert len(attempts) == 2
    assert "parse_mode" not in sent.params
    assert sent.text == "echo: A & B"
    assert sent.buttons  # the keyboard survives


async def test_an_error_behind_the_edge_is_logged_without_text_and_the_bot_goes_on(
    api: FakeBotApi, bot: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # The service apologises for the brain's failures itself (test_service.py); anything that
    # still escapes reaches the error handler, which logs no text and no id.
    caplog.set_level(logging.DEBUG)
    api.send_text(OLENA, "boom")
    assert await api.until(lambda: counters_of(bot).errors == 1)
    api.send_text(OLENA, "Kita")
    [sent] = await replies_to(api, OLENA.id, 1)
    assert sent.text == "echo: Kita"
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("bot."))
    assert "RuntimeError while handling message" in logged
    assert "boom" not in logged
    assert str(OLENA.id) not in logged


async def test_faq_is_refreshed_in_the_background_off_the_event_loop(
    api: FakeBotApi, core: StubCore, tmp_path: Path
) -> None:
    application = build_application(settings_for(api, tmp_path, reload_seconds=0.05), core)
    async with polling(application):
        assert await api.until(lambda: len(core.refreshed_in) >= 2)
    assert threading.main_thread() not in core.refreshed_in


# --- flood ---


async def test_a_flooding_user_gets_a_handful_of_answers_and_one_notice(
    api: FakeBotApi, core: StubCore, bot: Any
) -> None:
    for n in range(50):
        api.send_text(OLENA, f"Frage {n}")
    api.send_text(IVAN, "садик")
    await replies_to(api, IVAN.id, 1)
    assert await api.until(lambda: counters_of(bot).updates == 51)
    texts = [c.text for c in api.sent(OLENA.id)]
    assert texts == [f"echo: Frage {n}" for n in range(5)] + ["slow down"]


async def test_flood_presses_are_still_acknowledged(api: FakeBotApi, bot: Any) -> None:
    for _ in range(8):
        api.press(OLENA, REGISTRATION)
    assert await api.until(lambda: len(api.calls_to("answerCallbackQuery")) == 8)
    assert await api.until(lambda: len(api.sent(OLENA.id)) == 6)


# --- configuration ---


def test_a_button_telegram_would_reject_is_dropped_not_the_message() -> None:
    markup = keyboard(
        (
            (Button("ok", REGISTRATION), Button("too long", "t:" + "x" * 70)),
            (Button("x", "y" * 65),),
        )
    )
    assert markup is not None
    assert [[b.text for b in row] for row in markup.inline_keyboard] == [["ok"]]
