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
from bot.i18n import (
    Catalogs,
    Translator,
    language_from_code,
    message_language,
    resolve_language,
)
from bot.models import (
    CONTACT,
    ELSEWHERE,
    GREETING,
    OFFICE_HOURS,
    SUB_ANSWER_SEPARATOR,
    THANKS,
    KnowledgeBase,
    Lang,
    Question,
)
from bot.understanding import REFERRAL, Band, Match, Matcher


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
            case UnsupportedEvent(document=document):
                t = self.translator_for(who)
                return Outcome((replies.unsupported(t, document=document),))
            case FloodedEvent():
                return Outcome((replies.slow_down(self.translator_for(who)),))
            case _:
                assert_never(event)

    def failure(self, who: Who) -> Outcome:
        """What to say when handling an event failed on our side."""
        return Outcome((replies.error(self.translator_for(who)),))

    def show(self, label: str, lang: Lang, brain: Brain, now: datetime) -> Reply | None:
        """Exactly what a user receives for a label or a referral ("referral:<id>", for
        `kita-bot show`); None if unknown."""
        t = self.catalogs[lang]
        kb = brain.kb
        if label.startswith(REFERRAL):
            referral = kb.referral(label.removeprefix(REFERRAL))
            return replies.referral(t, kb.office, referral) if referral else None
        return self._label_reply(label, t, kb, now)

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
            last=who.last_lang,
            client_code=who.client_lang,
        )
        return self.catalogs[lang]

    def _on_text(self, text: str, who: Who, brain: Brain, now: datetime) -> Outcome:
        if not any(ch.isalnum() for ch in text):
            return Outcome((replies.write_in_words(self._t(who)),))
        found = brain.matcher.match(text)
        t = self._t(who, found)
        reply, answered = self._reply_to(found, text, t, brain.kb, now)
        asked = Question(
            today(brain.kb, now),
            found.lang,
            _answered_label(found),
            found.band.value,
            None if answered else text,
            lang_confident=found.lang_confident,
        )
        seen = message_language(found.lang, found.lang_confident)
        return Outcome((reply,), records=(asked,), language_seen=seen)

    def _reply_to(
        self, found: Match, text: str, t: Translator, kb: KnowledgeBase, now: datetime
    ) -> tuple[Reply, bool]:
        """The reply to what the matcher found, and whether it answers the question."""
        # The one place that reads why there is no answer (`Match.reason`) and which small talk.
        status = self._status(t, kb, now)
        if found.band is Band.ANSWER and found.label is not None:
            where = None
            if found.elsewhere:  # an answer that holds anywhere, asked for another town
                where = replies.local_office(t, found.town)
            reply = self._label_reply(found.answer or found.label, t, kb, now, where)
            if reply is not None:
                return reply, True
        elif found.band is Band.REFERRAL:
            referral = kb.referral(found.referral) if found.referral else None
            if referral is not None:
                return replies.referral(t, kb.office, referral), True
        elif found.band is Band.SUGGEST and found.suggestions:
            options = list(found.suggestions)
            if found.answer and found.answer.partition(SUB_ANSWER_SEPARATOR)[0] == options[0]:
                options[0] = found.answer  # the sub-answer that fits, rather than the overview
            return replies.suggest(t, kb, options, status, now), False
        elif found.band is Band.SMALLTALK and found.smalltalk in (GREETING, THANKS):
            return replies.smalltalk(t, kb, found.smalltalk), True
        elif found.reason == ELSEWHERE:
            return replies.elsewhere(t, kb, found.town), False
        return replies.fallback(t, kb, status, now, reason=found.reason), False

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
            case ShowLabel(label=label):
                reply = self._label_reply(label, t, kb, now)
                if reply is None:  # a button from before a topic was removed
                    return Outcome((replies.menu(t, kb),))
                pressed = Question(today(kb, now), t.lang, label, PRESSED)
                return Outcome((reply,), records=(pressed,))
            case ShowMore(label=label):
                # Not counted: the answer it continues was counted when it was given.
                found = replies.find(kb, label)
                rest = replies.more(t, kb, *found) if found else None
                # A `more` edited away since the button was sent: the answer as it is now.
                reply = rest or self._label_reply(label, t, kb, now)
                return Outcome((reply or replies.menu(t, kb),))
            case Feedback(label=label, helpful=helpful):
                known = replies.find(kb, label) is not None
                rated = (Rated(today(kb, now), label, helpful),) if known else ()
                # 👎 gets a way on (ask again, ask the office), not only the toast.
                help_on = () if helpful else (self._not_helpful(label, t, kb, now),)
                return Outcome(help_on, toast=replies.feedback_thanks(t), records=rated)
            case NoneOfThese():
                rejected = Question(today(kb, now), t.lang, None, REJECTED)
                fallback = replies.fallback(t, kb, self._status(t, kb, now), now)
                return Outcome((fallback,), records=(rejected,))
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
        self,
        label: str,
        t: Translator,
        kb: KnowledgeBase,
        now: datetime,
        where: str | None = None,
    ) -> Reply | None:
        """The first message for a label; `where` replaces Dresden's where-to-go lines."""
        status = self._status(t, kb, now)
        if label == CONTACT:
            return replies.contact(t, kb.office, status, now)
        if label == OFFICE_HOURS:
            return replies.office_hours(t, kb.office, status, now)
        found = replies.find(kb, label)
        if found is None:
            return None
        where = where or replies.where_to_go(t, kb.office, status, now)
        return replies.answer(t, kb, *found, where)

    def _not_helpful(self, label: str, t: Translator, kb: KnowledgeBase, now: datetime) -> Reply:
        return replies.not_helpful(t, kb, label, self._status(t, kb, now), now)


def _answered_label(found: Match) -> str | None:
    """What a question is counted under: the sub-answer or topic answered, or the referral."""
    if found.band is Band.ANSWER:
        return found.answer or found.label
    if found.band is Band.REFERRAL:
        return found.reason
    return None
