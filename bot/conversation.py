"""The brain: given an event and what we may know of the sender, decide the replies.

Shared by the Telegram bot and the terminal chat; no Telegram import, no network.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import assert_never
from zoneinfo import ZoneInfo

from bot import replies, stats
from bot.config import Settings
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
    Reply,
    ShowLabel,
    ShowMore,
    TextEvent,
    UnsupportedEvent,
    Who,
)
from bot.hours import status as hours_status
from bot.i18n import Catalogs, Translator, language_from_code, resolve_language
from bot.knowledge import LiveKnowledge
from bot.matching import Band, Match, Matcher
from bot.models import CONTACT, OFFICE_HOURS, KnowledgeBase, Lang
from bot.store import Store

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time, timezone-aware."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Brain:
    """A knowledge base and the matcher built from it, always swapped together."""

    kb: KnowledgeBase
    matcher: Matcher


class Conversation:
    """Turns events into replies; the only place that decides what the bot says."""

    def __init__(
        self,
        knowledge: LiveKnowledge,
        catalogs: Catalogs,
        store: Store | None = None,
        *,
        clock: Clock = utc_now,
        operator: str | None = None,
        retention_days: int = 30,
    ) -> None:
        self._knowledge = knowledge
        self._catalogs = catalogs
        self._store = store
        self._clock = clock
        self._operator = operator
        self._retention_days = retention_days
        self._lock = threading.Lock()
        self._brain = Brain(knowledge.current, Matcher.build(knowledge.current))

    # --- what the edges call ---

    @property
    def brain(self) -> Brain:
        """The current knowledge base and matcher (rebuilt after a successful reload)."""
        kb = self._knowledge.current
        if kb is not self._brain.kb:
            with self._lock:
                if kb is not self._brain.kb:
                    self._brain = Brain(kb, Matcher.build(kb))
                    log.info("knowledge base reloaded: %d topics", len(kb.topics))
        return self._brain

    def refresh_knowledge(self) -> None:
        """Pick up edited files in faq/ (cheap; checks at most every few seconds)."""
        self._knowledge.refresh()

    def match(self, text: str) -> Match:
        """Understand one message (for `kita-bot ask` and the evaluation)."""
        return self.brain.matcher.match(text)

    def translator(self, lang: Lang) -> Translator:
        return self._catalogs[lang]

    def resolve_client_language(self, code: str | None) -> Lang:
        """The answer language for a Telegram language_code: uk/ru -> uk, de -> de, else en."""
        return language_from_code(code) or "en"

    def command_descriptions(self, lang: Lang) -> tuple[tuple[str, str], ...]:
        """(command, description) pairs for Telegram's command menu in `lang`."""
        return replies.command_descriptions(self._catalogs[lang])

    def language_of(self, user_id: int) -> Lang | None:
        return self._store.language_of(user_id) if self._store else None

    def remember_language(self, user_id: int, lang: Lang) -> None:
        if self._store:
            self._store.remember_language(user_id, lang)

    def forget_user(self, user_id: int) -> None:
        """The user blocked the bot: drop what we kept for them."""
        if self._store:
            self._store.forget_user(user_id)

    def handle(self, event: Event, who: Who) -> Outcome:
        """The replies to one event, in order, and the user's language choice afterwards."""
        match event:
            case TextEvent(text=text):
                return self._on_text(text, who)
            case ButtonEvent(action=action):
                return self._on_button(action, who)
            case CommandEvent():
                return self._on_command(event, who)
            case UnsupportedEvent():
                return self._say(who, replies.unsupported(self._t(who)))
            case FloodedEvent():
                return self._say(who, replies.slow_down(self._t(who)))
        raise TypeError(f"unknown event {event!r}")

    def failure(self, who: Who) -> Outcome:
        """What to say when handling an event failed on our side."""
        return self._say(who, replies.error(self._t(who)))

    def show(self, label: str, lang: Lang) -> Reply:
        """Exactly what a user would receive for a topic or service intent (for `kita-bot show`)."""
        reply = self._label_reply(label, self._catalogs[lang], self.brain.kb)
        if reply is None:
            raise KeyError(label)
        return reply

    # --- events ---

    def _t(self, who: Who, detected: Match | None = None) -> Translator:
        lang = resolve_language(
            chosen=who.chosen_lang,
            detected=detected.lang if detected else None,
            detected_confident=detected.lang_confident if detected else False,
            client_code=who.client_lang,
        )
        return self._catalogs[lang]

    def _say(self, who: Who, *messages: Reply, toast: str | None = None) -> Outcome:
        return Outcome(tuple(messages), who.chosen_lang, toast)

    def _now(self) -> datetime:
        return self._clock()

    def _today(self, kb: KnowledgeBase) -> date:
        return self._now().astimezone(ZoneInfo(kb.office.hours.timezone)).date()

    def _on_text(self, text: str, who: Who) -> Outcome:
        brain = self.brain
        if not any(ch.isalnum() for ch in text):
            return self._say(who, replies.write_in_words(self._t(who)))
        found = brain.matcher.match(text)
        t = self._t(who, found)
        kb = brain.kb
        unanswered: str | None = None
        if found.band is Band.ANSWER and found.label is not None:
            reply = self._label_reply(found.label, t, kb)
        elif found.band is Band.SUGGEST and found.suggestions:
            reply = replies.suggest(t, kb, found.suggestions)
            unanswered = text
        elif found.band is Band.SMALLTALK and found.smalltalk in ("greeting", "thanks"):
            reply = replies.smalltalk(t, kb, found.smalltalk)
        else:
            reply = self._fallback(t, kb, reason=found.smalltalk)
            unanswered = text
        self._record(
            kb,
            found.lang,
            found.label if found.band is Band.ANSWER else None,
            found.band.value,
            unanswered,
        )
        return self._say(who, reply or self._fallback(t, kb))

    def _on_button(self, action: Action | None, who: Who) -> Outcome:
        kb = self.brain.kb
        t = self._t(who)
        match action:
            case ChooseLanguage(lang=lang):
                chosen = self._catalogs[lang]
                return Outcome(
                    (replies.language_set(chosen, kb),), lang, chosen.language_name(lang)
                )
            case ShowLabel(label=label) | ShowMore(label=label):
                reply = self._label_reply(label, t, kb)
                if reply is None:  # a button from before a topic was removed
                    return self._say(who, replies.menu(t, kb))
                self._record(kb, t.lang, label, "button", None)
                return self._say(who, reply)
            case Feedback(label=label, helpful=helpful):
                if self._store and kb.topic(label) is not None:
                    self._store.record_feedback(self._today(kb), label, helpful)
                return self._say(who, toast=replies.feedback_thanks(t))
            case NoneOfThese():
                self._record(kb, t.lang, None, "rejected", None)
                return self._say(who, self._fallback(t, kb))
            case Menu() | None:
                return self._say(who, replies.menu(t, kb))
        assert_never(action)

    def _on_command(self, event: CommandEvent, who: Who) -> Outcome:
        kb = self.brain.kb
        t = self._t(who)
        match event.name:
            case "start":
                return self._say(who, replies.greeting(t, kb))
            case "topics":
                return self._say(who, replies.menu(t, kb))
            case "contact" | "hours":
                reply = self._label_reply(
                    CONTACT if event.name == "contact" else OFFICE_HOURS, t, kb
                )
                assert reply is not None
                return self._say(who, reply)
            case "language":
                lang = language_from_code(event.args.strip()) if event.args.strip() else None
                if lang is not None:
                    return self._on_button(ChooseLanguage(lang), who)
                return self._say(who, replies.language_picker(t))
            case "privacy":
                operator = self._operator or kb.office.name[t.lang]
                return self._say(who, replies.privacy(t, operator, self._retention_days))
            case "stats" | "unanswered" | "reload" if who.is_admin:
                return self._say(who, self._admin(event, t, kb))
            case _:
                return self._say(who, replies.help_text(t, kb))

    # --- helpers ---

    def _label_reply(self, label: str, t: Translator, kb: KnowledgeBase) -> Reply | None:
        now = self._now()
        status = hours_status(kb.office.hours, now, t.lang)
        if label == CONTACT:
            return replies.contact(t, kb.office, status, now)
        if label == OFFICE_HOURS:
            return replies.hours(t, kb.office, status, now)
        topic = kb.topic(label)
        return replies.answer(t, kb, topic, status, now) if topic else None

    def _fallback(self, t: Translator, kb: KnowledgeBase, *, reason: str | None = None) -> Reply:
        now = self._now()
        status = hours_status(kb.office.hours, now, t.lang)
        return replies.fallback(t, kb, status, now, reason=reason)

    def _record(
        self, kb: KnowledgeBase, lang: str, label: str | None, band: str, unanswered: str | None
    ) -> None:
        if self._store is None:
            return
        try:
            self._store.record_question(self._today(kb), lang, label, band, unanswered)
        except Exception:  # statistics must never cost a user their answer
            log.exception("could not record statistics")

    def _admin(self, event: CommandEvent, t: Translator, kb: KnowledgeBase) -> Reply:
        if event.name == "reload":
            problems = self._knowledge.reload()
            return replies.reload_result(
                t, [str(problem) for problem in problems], len(self.brain.kb.topics)
            )
        if self._store is None:
            return replies.admin_text(t, t.gettext("Statistics are not kept in this mode."))
        days = stats.parse_days(event.args)
        report = stats.build_report(self._store, self._today(kb), days)
        if event.name == "stats":
            return replies.admin_text(t, stats.format_summary(report, t))
        return replies.admin_text(t, stats.format_unanswered(report, t))


def build_conversation(
    settings: Settings, *, with_store: bool = True, clock: Clock = utc_now
) -> Conversation:
    """Wire the core from settings: faq/, locales/ and (optionally) the SQLite store."""
    store = Store(settings.data_dir, settings.retention_days) if with_store else None
    return Conversation(
        LiveKnowledge(settings.faq_dir, min_interval=settings.reload_seconds),
        Catalogs.load(),
        store,
        clock=clock,
        operator=settings.operator,
        retention_days=settings.retention_days,
    )
