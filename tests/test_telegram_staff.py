"""Staff over Telegram: the admins hear about broken faq/ files in their private chats, at start
and after a failed reload, once per broken version; nobody else does."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from bot.conversation import Brain, Conversation
from bot.knowledge import Problem
from bot.service import ChatService, build_service
from bot.telegram_bot import build_application
from tests.fake_bot_api import FakeBotApi, polling
from tests.faq_copies import TOPIC, copy_faq, save
from tests.helpers import FixedBrain
from tests.stub_core import ADMIN, OLENA, SECOND_ADMIN, StubCore, replies_to, settings_for

TWO_ADMINS = frozenset({ADMIN.id, SECOND_ADMIN.id})
BROKEN = "faq/topics/measles.yaml:12:5: Hier fehlt ein Doppelpunkt."
OTHER = "faq/office.yaml:3:1: Unbekannter Schlüssel."


def alerts(api: FakeBotApi, admin_id: int) -> list[str]:
    return [call.text for call in api.sent(admin_id)]


async def ticks(core: StubCore, count: int) -> None:
    """Wait until the background reload has run `count` more times."""
    target = len(core.refreshed_in) + count
    while len(core.refreshed_in) < target:
        await asyncio.sleep(0.01)


async def test_admins_hear_about_broken_files_at_start_and_once_per_broken_version(
    api: FakeBotApi, tmp_path: Path
) -> None:
    core = StubCore()
    core.problems = [BROKEN]  # faq/ broken at start: a snapshot or the valid files serve
    settings = settings_for(api, tmp_path, admins=TWO_ADMINS, reload_seconds=0.02)
    async with polling(build_application(settings, core)):
        first = f"faq errors:\n{BROKEN}"
        for admin in (ADMIN, SECOND_ADMIN):
            assert await replies_to(api, admin.id, 1)
        await ticks(core, 3)
        assert alerts(api, ADMIN.id) == alerts(api, SECOND_ADMIN.id) == [first]
        core.problems = [BROKEN, OTHER]  # a reload failed differently
        for admin in (ADMIN, SECOND_ADMIN):
            await replies_to(api, admin.id, 2)
        core.problems = []  # fixed ...
        await ticks(core, 2)
        core.problems = [BROKEN]  # ... and broken again the same way: news again
        for admin in (ADMIN, SECOND_ADMIN):
            await replies_to(api, admin.id, 3)
        await ticks(core, 2)
    second = f"faq errors:\n{BROKEN}\n{OTHER}"
    assert alerts(api, ADMIN.id) == alerts(api, SECOND_ADMIN.id) == [first, second, first]
    assert api.sent(OLENA.id) == []


async def test_after_an_admins_reload_the_others_are_told_and_the_asker_only_once(
    api: FakeBotApi, tmp_path: Path
) -> None:
    core = StubCore()
    # No timer tick during the test: only the /reload can have found the broken file.
    settings = settings_for(api, tmp_path, admins=TWO_ADMINS, reload_seconds=600)
    async with polling(build_application(settings, core)):
        core.problems = [BROKEN]  # what /reload is about to find
        api.send_command(ADMIN, "/reload")
        await replies_to(api, SECOND_ADMIN.id, 1)
        api.send_command(ADMIN, "/reload")  # the same broken version: nobody is told again
        await replies_to(api, ADMIN.id, 2)
    assert alerts(api, ADMIN.id) == ["command reload"] * 2  # the service's answers, no more
    assert alerts(api, SECOND_ADMIN.id) == [f"faq errors:\n{BROKEN}"]


async def test_a_topic_left_out_at_start_is_reported_to_the_admin_with_its_place(
    api: FakeBotApi, tmp_path: Path
) -> None:
    faq = copy_faq(tmp_path)
    save(faq / TOPIC, "title: [\n")  # no snapshot yet: the bot starts without this topic
    settings = settings_for(api, tmp_path, faq_dir=faq)
    async with polling(build_application(settings, build_service(settings))):
        [alert] = await replies_to(api, ADMIN.id, 1)
    assert alert.params["parse_mode"] == "HTML"
    heading, *problems = alert.plain.splitlines()
    # Nothing of that topic answers: no "previous version" of it keeps answering.
    assert heading == (
        "faq/ hatte beim Start Fehler. Bis sie behoben sind, antwortet der Bot ohne die Themen "
        "aus diesen Dateien:"
    )
    assert re.search(rf"{re.escape(str(faq / TOPIC))}:\d+:\d+: ", problems[0]), alert.plain


def test_an_alert_lists_at_most_twenty_problems_and_counts_the_rest(
    brain: Brain, conversation: Conversation
) -> None:
    brains = FixedBrain(brain)
    service = ChatService(brains, conversation)
    assert service.faq_alert(ADMIN.id) is None
    brains.problems = tuple(
        Problem(Path(f"faq/topics/t{n}.yaml"), n, 1, "kaputt") for n in range(26)
    )
    alert = service.faq_alert(ADMIN.id)
    assert alert is not None
    lines = alert.text.splitlines()
    assert len(lines) == 1 + 20  # the heading, 19 problems, and how many more
    assert lines[1].startswith("faq/topics/t0.yaml:0:1") and lines[-1] == "… und 7 weitere"
    assert lines[0].startswith("Die Dateien enthalten Fehler. Die bisherige Version antwortet")
