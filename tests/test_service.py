"""The service between the edges and the brain, with a real store on a temporary folder: it
remembers languages, counts what the brain hands back (and never fails a reply for it), answers
the staff, and swaps in a new brain built off the message path."""

from __future__ import annotations

import logging
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest

from bot.conversation import Brain, Conversation
from bot.events import (
    ButtonEvent,
    ChooseLanguage,
    Command,
    CommandEvent,
    Event,
    Feedback,
    Outcome,
    Reply,
    ShowLabel,
    TextEvent,
)
from bot.knowledge import LiveKnowledge
from bot.models import KnowledgeBase, Lang
from bot.service import ChatService, SessionLanguages
from bot.store import Store, Tuning
from bot.understanding import Match
from tests.conftest import FAQ_DIR, MONDAY_MORNING
from tests.helpers import FixedBrain
from tests.storage_faults import lock_held

OKSANA, ADMIN = 555123456, 4242
QUESTION_UK = "Як записати дитину в садочок?"


def say(service: ChatService, event: Event, user: int = OKSANA, **where: object) -> Outcome:
    """What `user` gets for `event` in a private chat with a German Telegram (unless told)."""
    options: dict[str, object] = {"client_lang": "de", "private": True, **where}
    return service.handle(user, event, **options)  # type: ignore[arg-type]


def only(outcome: Outcome) -> Reply:
    assert len(outcome.replies) == 1
    return outcome.replies[0]


@pytest.fixture
def staffed(brain: Brain, conversation: Conversation, store: Store) -> ChatService:
    """The service with an admin, as `kita-bot run` wires it from KITA_BOT_ADMINS."""
    return ChatService(
        FixedBrain(brain),
        conversation,
        store=store,
        admins=frozenset({ADMIN}),
        clock=lambda: MONDAY_MORNING,
    )


# --- languages ---


def test_a_chosen_language_is_remembered_for_later_messages(
    service: ChatService, store: Store
) -> None:
    assert only(say(service, TextEvent(QUESTION_UK))).lang == "uk"  # the message's language
    say(service, ButtonEvent(ChooseLanguage("en")))
    assert store.language_of(OKSANA) == "en"
    assert only(say(service, TextEvent(QUESTION_UK))).lang == "en"
    say(service, CommandEvent("language", "de"))
    assert only(say(service, TextEvent(QUESTION_UK))).lang == "de"


def test_a_blocked_user_is_forgotten(service: ChatService, store: Store) -> None:
    say(service, ButtonEvent(ChooseLanguage("uk")))
    service.forget(OKSANA)
    assert store.language_of(OKSANA) is None


def test_a_terminal_session_keeps_its_language_for_the_session_only(
    brain: Brain, conversation: Conversation, store: Store
) -> None:
    session = ChatService(
        FixedBrain(brain), conversation, store=store, languages=SessionLanguages()
    )
    session.remember_language(OKSANA, "en")
    assert only(say(session, TextEvent(QUESTION_UK))).lang == "en"
    assert store.language_of(OKSANA) is None


def test_each_telegram_language_gets_a_command_menu_in_the_language_it_is_answered_in(
    service: ChatService,
) -> None:
    menus = dict(service.command_menus())
    assert list(menus) == ["de", "uk", "ru", "en", None]
    assert menus["ru"] == menus["uk"] != menus["de"]
    assert menus[None] == menus["en"]  # everyone else gets English
    assert "stats" not in {name for name, _ in menus["de"]}


# --- counting ---


def test_questions_and_buttons_are_counted_and_only_unanswered_texts_kept(
    service: ChatService, store: Store
) -> None:
    say(service, TextEvent("Wie melde ich mein Kind für die Kita an?"))
    say(service, TextEvent("Gibt es Schwimmkurse für Kleinkinder? Tel 0176 5551234"))
    say(service, ButtonEvent(ShowLabel("measles")))
    counted = {(row.label, row.band): row.n for row in store.counters(date(2026, 1, 1))}
    assert counted[("registration", "answer")] == 1 and counted[("measles", "button")] == 1
    # The swimming course is not ours: counted without a label, its text kept for staff.
    [(_, band)] = [key for key in counted if key[0] == "none"]
    assert band in ("none", "suggest")
    [kept] = store.unanswered(date(2026, 1, 1))
    assert kept.text == "Gibt es Schwimmkurse für Kleinkinder? Tel <phone>"
    assert kept.day == MONDAY_MORNING.date().isoformat()


def test_feedback_is_counted_and_thanked(service: ChatService, store: Store) -> None:
    outcome = say(service, ButtonEvent(Feedback("measles", helpful=False)))
    assert [reply.kind for reply in outcome.replies] == ["feedback"]  # a way on after 👎
    assert outcome.toast == "Danke für Ihre Rückmeldung!"
    assert [(r.topic, r.helpful, r.unhelpful) for r in store.feedback(date(2026, 1, 1))] == [
        ("measles", 0, 1)
    ]


def test_a_session_stores_no_personal_data(service: ChatService, store: Store) -> None:
    say(service, ButtonEvent(ChooseLanguage("uk")))
    say(service, TextEvent("Як записати дитину в садочок? Мене звати Олена Коваль"))
    say(service, TextEvent("Де купити велосипед? пишіть olena@example.com або 0176 5551234"))
    say(service, ButtonEvent(Feedback("registration", helpful=True)))
    assert store.flush()  # records are written by the store's thread, a moment later
    with sqlite3.connect(store.path) as db:
        dump = "\n".join(db.iterdump())
    assert str(OKSANA) not in dump
    assert "Олена" not in dump and "Коваль" not in dump
    assert "olena@example.com" not in dump and "5551234" not in dump
    assert "велосипед" in dump  # the unanswered question, scrubbed, for staff
    assert "записати" not in dump  # nothing of the answered one


class Outage(SessionLanguages):
    """Language storage whose disk fails while `down` (as sqlite does on a full disk)."""

    down = False

    def language_of(self, user_id: int) -> Lang | None:
        if self.down:
            raise sqlite3.OperationalError("disk I/O error")
        return super().language_of(user_id)


def test_a_failing_store_never_costs_a_reply_and_is_logged_once(
    brain: Brain, conversation: Conversation, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = Store(tmp_path, tuning=QUICK)
    service = ChatService(
        FixedBrain(brain), conversation, store=store, clock=lambda: MONDAY_MORNING
    )
    slowest = 0.0
    with lock_held(store.path):  # another process holds SQLite's write lock (a backup, a shell)
        for _ in range(3):
            started = time.perf_counter()
            reply = only(say(service, TextEvent("Olena fragt, wie das Wetter morgen wird")))
            slowest = max(slowest, time.perf_counter() - started)
            assert reply.kind == "fallback"
        assert only(say(service, ButtonEvent(ChooseLanguage("uk")))).lang == "uk"
        assert only(say(service, TextEvent(QUESTION_UK))).lang == "uk"  # the choice holds
        assert wait_until(lambda: not store.health.working and warned(caplog))
        time.sleep(3 * QUICK.retry_max)  # retries while still locked: no more lines
    assert slowest < 1.0  # a locked file once cost 5 s per message
    assert store.flush()
    counted = {(row.band, row.label): row.n for row in store.counters(date(2026, 1, 1))}
    assert counted[("none", "none")] == 3 and counted[("answer", "registration")] == 1
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(lines) == 2, lines  # one line for the outage, one when it is over
    assert lines[0].startswith("storage unavailable (locked by another process")
    assert lines[1].startswith("storage works again")
    assert "Olena" not in caplog.text and "Wetter" not in caplog.text
    assert str(OKSANA) not in caplog.text
    store.close()


QUICK = Tuning(busy_timeout=0.05, retry_first=0.02, retry_max=0.2, warn_after=0.3)
"""A store that warns after 0.3 s of trouble instead of 1 s, so that the test is short."""


def warned(caplog: pytest.LogCaptureFixture) -> bool:
    return any(r.levelno >= logging.WARNING for r in caplog.records)


def wait_until(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_storage_coming_back_is_logged(
    brain: Brain, conversation: Conversation, caplog: pytest.LogCaptureFixture
) -> None:
    languages = Outage()
    service = ChatService(FixedBrain(brain), conversation, languages=languages)
    languages.down = True
    assert only(say(service, TextEvent(QUESTION_UK))).lang == "uk"
    languages.down = False
    say(service, TextEvent(QUESTION_UK))
    assert [r.getMessage().splitlines()[0] for r in caplog.records] == [
        "OperationalError while reading a language; replies go on without storage",
        "storage works again",
    ]


class Broken:
    """A matcher with a bug."""

    def match(self, text: str) -> Match:
        raise RuntimeError(f"the user wrote: {text}")


def test_a_failing_brain_gets_an_apology_and_logs_no_text_and_no_id(
    brain: Brain, conversation: Conversation, caplog: pytest.LogCaptureFixture
) -> None:
    service = ChatService(FixedBrain(Brain(brain.kb, Broken())), conversation)
    reply = only(say(service, TextEvent("boom"), client_lang="uk"))
    assert (reply.kind, reply.lang) == ("error", "uk")
    assert "RuntimeError in the conversation for TextEvent" in caplog.text
    assert "boom" not in caplog.text and str(OKSANA) not in caplog.text


# --- the staff's commands ---


def test_an_admin_sees_stats_and_unanswered_questions_in_a_private_chat(
    staffed: ChatService,
) -> None:
    say(staffed, TextEvent("Olena Koval, 0176 5551234, olena@example.com: Gibt es Schwimmkurse?"))
    say(staffed, ButtonEvent(ChooseLanguage("en")), ADMIN)
    assert "Questions typed: 1" in only(say(staffed, CommandEvent("stats"), ADMIN)).text
    kept = only(say(staffed, CommandEvent("unanswered"), ADMIN)).text
    # Names cannot be recognised and stay (as /privacy says); numbers and addresses go.
    assert "Olena Koval" in kept and "Schwimmkurse" in kept
    assert "5551234" not in kept and "example.com" not in kept


def test_stats_name_topics_by_their_titles_and_count_guessed_languages_apart(
    staffed: ChatService,
) -> None:
    say(staffed, TextEvent("Wie melde ich mein Kind für die Kita an?"))  # clearly German
    say(staffed, TextEvent("Masern"))  # one word: German is only a guess
    say(staffed, ButtonEvent(ChooseLanguage("en")), ADMIN)
    text = only(say(staffed, CommandEvent("stats", "7"), ADMIN)).text
    assert "Usage in the last 7 days" in text and "Questions typed: 2" in text
    assert f"  {staffed.brain.kb.topic('registration').title['en']}: 1" in text  # type: ignore[union-attr]
    assert "registration:" not in text
    assert "Languages: de 1, ? 1" in text


@pytest.mark.parametrize("args", ["abc", "0", "-5", "²", "1e3", "9" * 5000])
def test_a_period_that_is_no_number_of_days_gets_the_usage(staffed: ChatService, args: str) -> None:
    for command in ("stats", "unanswered"):
        reply = only(say(staffed, CommandEvent(command, args), ADMIN, client_lang="uk"))
        assert reply.kind == "admin"
        assert f"/{command} N" in reply.text and "кількість днів" in reply.text


def test_stats_while_the_database_is_locked_say_so_at_once(
    brain: Brain, conversation: Conversation, tmp_path: Path
) -> None:
    store = Store(tmp_path, tuning=QUICK)
    service = ChatService(FixedBrain(brain), conversation, store=store, admins=frozenset({ADMIN}))
    with lock_held(store.path):
        started = time.monotonic()
        for command in ("stats", "unanswered"):
            reply = only(say(service, CommandEvent(command), ADMIN, client_lang="de"))
            assert (
                reply.text
                == "Die Statistik ist gerade nicht verfügbar. Bitte versuchen Sie es in ein paar Minuten noch einmal."
            )
        assert time.monotonic() - started < 2.0  # not the 5 s a patient read would wait
    assert "Nutzung" in only(say(service, CommandEvent("stats"), ADMIN)).text  # back by itself
    store.close()


@pytest.mark.parametrize("command", ["stats", "unanswered", "reload"])
def test_staff_commands_reveal_nothing_to_others_nor_in_a_group(
    staffed: ChatService, command: Command
) -> None:
    for user, private in ((OKSANA, True), (ADMIN, False)):
        reply = only(say(staffed, CommandEvent(command), user, private=private))
        assert reply.kind == "help"
        assert "/stats" not in reply.text and "/reload" not in reply.text


def test_reload_answers_the_admin(staffed: ChatService) -> None:
    reply = only(say(staffed, CommandEvent("reload"), ADMIN, client_lang="en"))
    topics = len(staffed.brain.kb.topics)
    assert reply.kind == "admin" and f"reloaded: {topics} topics" in reply.text


def test_without_a_store_the_admin_hears_that_no_statistics_are_kept(
    brain: Brain, conversation: Conversation
) -> None:
    service = ChatService(FixedBrain(brain), conversation, admins=frozenset({ADMIN}))
    reply = only(say(service, CommandEvent("stats"), ADMIN, client_lang="en"))
    assert "Statistics are not kept in this mode." in reply.text


# --- reloading ---


@pytest.fixture
def faq(tmp_path: Path) -> Iterator[Path]:
    copy = tmp_path / "faq"
    shutil.copytree(FAQ_DIR, copy)
    yield copy


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_an_edit_is_answered_after_a_refresh_and_no_message_builds_a_matcher(
    faq: Path, conversation: Conversation
) -> None:
    built: list[KnowledgeBase] = []

    def build(kb: KnowledgeBase) -> Brain:
        built.append(kb)
        return Brain.of(kb)

    brains = LiveKnowledge(faq, build, min_interval=0.0, settle=0.0)
    service = ChatService(brains, conversation, clock=lambda: MONDAY_MORNING)
    before = service.brain
    edit(faq / "topics" / "measles.yaml", 'title:\n  de: "', 'title:\n  de: "Neu: ')
    say(service, TextEvent("Masern"))
    assert len(built) == 1 and service.brain is before  # the message waited for nothing
    # An edit goes live once the file has stayed the same for one check (not half-written).
    assert service.refresh() is False and service.brain is before
    assert service.refresh() is True
    assert len(built) == 2 and service.brain is not before
    reply = only(say(service, ButtonEvent(ShowLabel("measles"))))
    assert "Neu: " in reply.text
    assert service.refresh() is False and len(built) == 2  # nothing changed since


def test_a_broken_edit_keeps_the_last_good_brain_and_the_admin_hears_why(
    faq: Path, conversation: Conversation
) -> None:
    brains: LiveKnowledge[Brain] = LiveKnowledge(faq, Brain.of, min_interval=0.0, settle=0.0)
    service = ChatService(brains, conversation, admins=frozenset({ADMIN}))
    before = service.brain
    edit(faq / "topics" / "measles.yaml", "\nanswer:\n", "\nanwser:\n")
    reply = only(say(service, CommandEvent("reload"), ADMIN))
    assert "measles.yaml" in reply.text and "Meinten Sie 'answer'?" in reply.text
    assert service.brain is before
