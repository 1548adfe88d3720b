"""The Telegram edge against the fake Bot API, with a scripted stand-in for the conversation.

The real Application polls the fake server over HTTP; the stand-in core makes replies
predictable, so that each test sees one behaviour of the edge: what is sent, in which order,
and how Telegram's failures (429, 5xx, 403, 400) are survived.
"""

from __future__ import annotations

import html
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.events import (
    Button,
    ButtonEvent,
    ChooseLanguage,
    CommandEvent,
    Feedback,
    ShowLabel,
    TextEvent,
    encode,
)
from bot.telegram_bot import build_application, counters_of
from bot.telegram_bot.delivery import keyboard
from bot.telegram_bot.edits import Answers
from tests.fake_bot_api import GROUP, FakeBotApi, polling
from tests.stub_core import (
    ADMIN,
    ANNA,
    IVAN,
    LONG_ANSWER,
    OLENA,
    ONE_MOMENT,
    REGISTRATION,
    UNCLEAR,
    Clock,
    StubCore,
    replies_to,
    settings_for,
)


@pytest.fixture(autouse=True)
def timedelta_periods(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB's documented opt-in; without it RetryAfter emits a deprecation warning (an error here)."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
async def bot(api: FakeBotApi, core: StubCore, tmp_path: Path) -> AsyncIterator[Any]:
    application = build_application(settings_for(api, tmp_path), core)
    async with polling(application) as running:
        yield running


# --- start-up ---


async def test_start_up_publishes_a_command_menu_per_language_and_a_default(
    api: FakeBotApi, bot: Any
) -> None:
    assert [c["command"] for c in api.my_commands("uk")] == ["topics", "help"]
    assert api.my_commands("ru")[0]["description"] == "topics (uk)"
    assert api.my_commands("de")[0]["description"] == "topics (de)"
    assert api.my_commands("")[0]["description"] == "topics (en)"
    assert await api.until(lambda: bool(api.calls_to("getUpdates")))
    assert api.calls_to("getUpdates")[0].params["allowed_updates"] == [
        "message",
        "edited_message",
        "callback_query",
    ]


async def test_stopping_closes_the_service_once_so_that_the_store_writes_what_waits(
    api: FakeBotApi, core: StubCore, tmp_path: Path
) -> None:
    async with polling(build_application(settings_for(api, tmp_path), core)):
        api.send_text(OLENA, "Kita")
        await replies_to(api, OLENA.id, 1)
        assert core.closed == 0
    assert core.closed == 1


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


async def test_an_edited_question_that_got_no_answer_is_answered_again(
    api: FakeBotApi, core: StubCore, bot: Any
) -> None:
    typo = api.send_text(OLENA, UNCLEAR)
    [no_answer] = await replies_to(api, OLENA.id, 1)
    assert no_answer.text == "no answer, try again"
    api.edit_text(OLENA, typo, "Kita Anmeldung")  # the typo fixed
    [_, answer] = await replies_to(api, OLENA.id, 2)
    assert answer.text == "echo: Kita Anmeldung"
    api.edit_text(OLENA, typo, "Kita Anmeldung bitte")  # now answered: a further edit is not
    api.send_text(OLENA, "Hort")
    await replies_to(api, OLENA.id, 3)
    assert core.texts() == [TextEvent(UNCLEAR), TextEvent("Kita Anmeldung"), TextEvent("Hort")]


async def test_an_edit_of_an_answered_question_or_of_a_command_is_not_answered(
    api: FakeBotApi, core: StubCore, bot: Any
) -> None:
    answered = api.send_text(OLENA, "Kita")
    command = api.send_command(OLENA, "/help")
    await replies_to(api, OLENA.id, 2)
    api.edit_text(OLENA, answered, "Kita Platz")
    api.edit_text(OLENA, command, UNCLEAR)
    api.edit_text(OLENA, 999_999, "Hort")  # from before the bot started: unknown
    api.send_text(OLENA, "Hort")
    await replies_to(api, OLENA.id, 3)
    assert core.texts() == [TextEvent("Kita"), CommandEvent("help"), TextEvent("Hort")]


def test_what_the_edge_remembers_for_edits_stays_bounded() -> None:
    answers = Answers(per_chat=8, chats=100)
    for chat in range(1_000):
        for message in range(50):
            answers.note(chat, message, answered=message % 2 == 0)
    assert len(answers) == 100 * 8
    assert answers.unanswered(999, 49) and not answers.unanswered(999, 48)
    assert not answers.unanswered(0, 49)  # forgotten: not known to be unanswered


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


# --- background work ---


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


async def test_taps_have_their_own_budget_and_a_parent_tapping_every_1_5_s_is_never_slowed(
    api: FakeBotApi, core: StubCore, tmp_path: Path
) -> None:
    clock = Clock()
    application = build_application(settings_for(api, tmp_path), core, clock=clock)
    async with polling(application):
        for n in range(5):  # the typed budget used up ...
            api.send_text(OLENA, f"Frage {n}")
        await replies_to(api, OLENA.id, 5)
        for n in range(20):  # ... and 20 taps, one every 1.5 s (30 s in all)
            api.press(OLENA, REGISTRATION)
            await replies_to(api, OLENA.id, 6 + n)
            clock.now += 1.5
    toasts = [c.params.get("text") for c in api.calls_to("answerCallbackQuery")]
    assert toasts == [None] * 20
    assert counters_of(application).flood_dropped == 0


async def test_a_tap_over_the_limit_gets_a_toast_saying_so(
    api: FakeBotApi, core: StubCore, tmp_path: Path
) -> None:
    settings = settings_for(api, tmp_path, flood_taps=3)
    application = build_application(settings, core, clock=Clock())
    async with polling(application):
        for _ in range(5):
            api.press(OLENA, REGISTRATION)
        assert await api.until(lambda: len(api.calls_to("answerCallbackQuery")) == 5)
    toasts = [c.params.get("text") for c in api.calls_to("answerCallbackQuery")]
    assert toasts == [None, None, None, ONE_MOMENT, ONE_MOMENT]  # no press left spinning
    assert len(api.sent(OLENA.id)) == 3


# --- command menus ---


async def test_a_chosen_language_becomes_the_chats_command_menu(api: FakeBotApi, bot: Any) -> None:
    api.press(OLENA, encode(ChooseLanguage("de")))  # Olena's client is Ukrainian
    assert await api.until(lambda: bool(api.my_commands(chat_id=OLENA.id)))
    assert api.my_commands(chat_id=OLENA.id) == api.my_commands("de")
    assert api.my_commands(chat_id=IVAN.id) == []  # nobody else's


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
