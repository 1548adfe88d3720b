"""The brain: what the bot says to one event, decided from the event, what we may know of the
sender, a snapshot of the knowledge, and the time.

Pure: no storage, no settings, no files, no Telegram. What should be counted comes back as
`Outcome.records`, and a language the user chooses as `Outcome.language_chosen`; the service
keeps both. The Telegram bot and the terminal chat share this brain through the service.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol, assert_never
from zoneinfo import ZoneInfo

from bot import replies
from bot.events import (
    PRESSED,
    REJECTED,
    Action,
    Asked,
    ButtonEvent,
    ChooseLanguage,
    CommandEvent,
    Event,
    Feedback,
    FloodedEvent,
    Menu,
    NoneOfThese,
    Outcome,
    Rated,
    Reply,
    ShowLabel,
    ShowMore,
    TextEvent,
    UnsupportedEvent,
    Who,
)
from bot.hours import HoursStatus, status
from bot.i18n import Catalogs, Translator, language_from_code, resolve_language
from bot.models import CONTACT, GREETING, OFFICE_HOURS, THANKS, KnowledgeBase, Lang
from bot.understanding import Band, Match, Matcher


class Understands(Protocol):
    """What the brain needs of the matcher."""

    def match(self, text: str) -> Match: ...


@dataclass(frozen=True)
class Brain:
    """A knowledge base and the matcher built from it: built together, swapped together."""

    kb: KnowledgeBase
    matcher: Understands

    @classmethod
    def of(cls, kb: KnowledgeBase) -> Brain:
        """The brain for `kb`; building the matcher takes tens of milliseconds of CPU."""
        return cls(kb, Matcher.build(kb))


def today(kb: KnowledgeBase, now: datetime) -> date:
    """The office's date at `now`: the day a question is counted on."""
    return now.astimezone(ZoneInfo(kb.office.hours.timezone)).date()


@dataclass(frozen=True)
class Conversation:
    """How the bot talks whatever it knows: its interface strings and what /privacy says."""

    catalogs: Catalogs
    operator: str | None = None
    """Who runs the bot, for /privacy; the office's name when not set."""
    retention_days: int = 30

    def handle(self, event: Event, who: Who, brain: Brain, now: datetime) -> Outcome:
        """The replies to one event, in order, and what to count and remember."""
        match event:
            case TextEvent(text=text):
                return self._on_text(text, who, brain, now)
            case ButtonEvent(action=action):
                return self._on_action(action, who, brain, now)
            case CommandEvent():
                return self._on_command(event, who, brain, now)
            case UnsupportedEvent():
                return Outcome((replies.unsupported(self.translator_for(who)),))
            case FloodedEvent():
                return Outcome((replies.slow_down(self.translator_for(who)),))
            case _:
                assert_never(event)

    def failure(self, who: Who) -> Outcome:
        """What to say when handling an event failed on our side."""
        return Outcome((replies.error(self.translator_for(who)),))

    def show(self, label: str, lang: Lang, brain: Brain, now: datetime) -> Reply | None:
        """Exactly what a user receives for a label (for `kita-bot show`); None if unknown."""
        return self._label_reply(label, self.catalogs[lang], brain.kb, now)

    def translator_for(self, who: Who) -> Translator:
        """The interface strings in the language of a reply to `who` without a message to read."""
        return self._t(who)

    def command_descriptions(self, lang: Lang) -> tuple[tuple[str, str], ...]:
        """(command, description) pairs for Telegram's command menu in `lang`."""
        return replies.command_descriptions(self.catalogs[lang])

    # --- events ---

    def _t(self, who: Who, found: Match | None = None) -> Translator:
        lang = resolve_language(
            chosen=who.chosen_lang,
            detected=found.lang if found else None,
            detected_confident=found.lang_confident if found else False,
            client_code=who.client_lang,
        )
        return self.catalogs[lang]

    def _on_text(self, text: str, who: Who, brain: Brain, now: datetime) -> Outcome:
        if not any(ch.isalnum() for ch in text):
            return Outcome((replies.write_in_words(self._t(who)),))
        found = brain.matcher.match(text)
        t = self._t(who, found)
        reply, answered = self._reply_to(found, t, brain.kb, now)
        asked = Asked(
            today(brain.kb, now),
            found.lang,
            found.label if found.band is Band.ANSWER else None,
            found.band.value,
            None if answered else text,
        )
        return Outcome((reply,), records=(asked,))

    def _reply_to(
        self, found: Match, t: Translator, kb: KnowledgeBase, now: datetime
    ) -> tuple[Reply, bool]:
        """The reply to what the matcher found, and whether it answers the question."""
        # The one place that reads why there is no answer (`Match.reason`) and which small talk.
        if found.band is Band.ANSWER and found.label is not None:
            reply = self._label_reply(found.label, t, kb, now)
            if reply is not None:
                return reply, True
        elif found.band is Band.SUGGEST and found.suggestions:
            return replies.suggest(t, kb, found.suggestions), False
        elif found.band is Band.SMALLTALK and found.smalltalk in (GREETING, THANKS):
            return replies.smalltalk(t, kb, found.smalltalk), True
        return self._fallback(t, kb, now, reason=found.reason), False

    def _on_action(self, action: Action | None, who: Who, brain: Brain, now: datetime) -> Outcome:
        kb = brain.kb
        t = self._t(who)
        match action:
            case ChooseLanguage(lang=lang):
                chosen = self.catalogs[lang]
                return Outcome(
                    (replies.language_set(chosen, kb),),
                    language_chosen=lang,
                    toast=chosen.language_name(lang),
                )
            # There is no `more` text yet: the whole answer is the answer.
            case ShowLabel(label=label) | ShowMore(label=label):
                reply = self._label_reply(label, t, kb, now)
                if reply is None:  # a button from before a topic was removed
                    return Outcome((replies.menu(t, kb),))
                pressed = Asked(today(kb, now), t.lang, label, PRESSED)
                return Outcome((reply,), records=(pressed,))
            case Feedback(label=label, helpful=helpful):
                known = kb.topic(label) is not None
                rated = (Rated(today(kb, now), label, helpful),) if known else ()
                return Outcome(toast=replies.feedback_thanks(t), records=rated)
            case NoneOfThese():
                rejected = Asked(today(kb, now), t.lang, None, REJECTED)
                return Outcome((self._fallback(t, kb, now),), records=(rejected,))
            case Menu() | None:
                return Outcome((replies.menu(t, kb),))
            case _:
                assert_never(action)

    def _on_command(self, event: CommandEvent, who: Who, brain: Brain, now: datetime) -> Outcome:
        kb = brain.kb
        t = self._t(who)
        match event.name:
            case "start":
                return Outcome((replies.greeting(t, kb),))
            case "topics":
                return Outcome((replies.menu(t, kb),))
            case "contact":
                return Outcome((replies.contact(t, kb.office, self._status(t, kb, now), now),))
            case "hours":
                hours = replies.office_hours(t, kb.office, self._status(t, kb, now), now)
                return Outcome((hours,))
            case "language":
                lang = language_from_code(event.args.strip()) if event.args.strip() else None
                if lang is not None:
                    return self._on_action(ChooseLanguage(lang), who, brain, now)
                return Outcome((replies.language_picker(t),))
            case "privacy":
                operator = self.operator or kb.office.name[t.lang]
                return Outcome((replies.privacy(t, operator, self.retention_days),))
            case _:  # help, unknown, and the staff's commands, which the service answers
                return Outcome((replies.help_text(t, kb),))

    # --- helpers ---

    def _status(self, t: Translator, kb: KnowledgeBase, now: datetime) -> HoursStatus:
        return status(kb.office.hours, now, t.lang)

    def _label_reply(
        self, label: str, t: Translator, kb: KnowledgeBase, now: datetime
    ) -> Reply | None:
        if label == CONTACT:
            return replies.contact(t, kb.office, self._status(t, kb, now), now)
        if label == OFFICE_HOURS:
            return replies.office_hours(t, kb.office, self._status(t, kb, now), now)
        topic = kb.topic(label)
        return replies.answer(t, kb, topic, self._status(t, kb, now), now) if topic else None

    def _fallback(
        self, t: Translator, kb: KnowledgeBase, now: datetime, *, reason: str | None = None
    ) -> Reply:
        return replies.fallback(t, kb, self._status(t, kb, now), now, reason=reason)
