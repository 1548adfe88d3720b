"""The one object every edge calls, between the mouths (Telegram, the terminal) and the brain.

Per event it reads the user's language, builds what the brain may know of the sender, asks the
brain with the current snapshot and the time, remembers a language the user chose and hands
what the brain says to count to the store, which never waits and never raises. It answers the
staff's commands and owns reloading faq/: a new brain is built off the event loop, then swapped
in whole. Every method may block for a moment (a staff report reads the database, /reload reads
faq/): the Telegram edge calls them in a worker thread, the terminal has no event loop.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Final, Protocol, TypeAlias, assert_never

from bot import replies, stats
from bot.config import Settings
from bot.conversation import Brain, Conversation, today
from bot.events import (
    Command,
    CommandEvent,
    Event,
    Outcome,
    Rated,
    Record,
    Reply,
    Who,
)
from bot.i18n import FOREIGN_LANG, Catalogs, Translator, resolve_language
from bot.knowledge import LiveKnowledge, Problem, Source
from bot.logs import log_failure
from bot.models import KnowledgeBase, Lang
from bot.store import Health, Question, StorageUnavailable, Store

log = logging.getLogger(__name__)

Clock: TypeAlias = Callable[[], datetime]
CommandMenu: TypeAlias = tuple[str | None, tuple[tuple[str, str], ...]]
"""A Telegram client language code (None: everyone else) and its (command, description) pairs."""

MENU_CODES: Final = ("de", "uk", "ru", "en")
"""Telegram client languages that get a command menu of their own."""
STAFF_COMMANDS: Final[frozenset[Command]] = frozenset({"stats", "unanswered", "reload"})


def utc_now() -> datetime:
    """The current time, timezone-aware."""
    return datetime.now(UTC)


class Brains(Protocol):
    """The current brain, renewed when faq/ changes (the last good one stays on errors)."""

    @property
    def current(self) -> Brain: ...
    def refresh(self) -> bool: ...
    def reload(self) -> Sequence[Problem]: ...
    @property
    def problems(self) -> Sequence[Problem]: ...
    @property
    def source(self) -> Source:
        """Where the brain's faq/ comes from: as it is, the last good copy, or the valid files."""
        ...


class Languages(Protocol):
    """Where users' language choices are kept: the store, or a terminal session's memory."""

    def language_of(self, user_id: int) -> Lang | None: ...
    def remember_language(self, user_id: int, lang: Lang) -> None: ...
    def forget_user(self, user_id: int) -> None: ...
    def user_key(self, user_id: int) -> str:
        """The pseudonym a user's languages are kept under."""
        ...


class SessionLanguages:
    """Language choices kept in memory only: a terminal session starts afresh every time."""

    def __init__(self) -> None:
        self._chosen: dict[int, Lang] = {}

    def user_key(self, user_id: int) -> str:
        """Nothing to hide from the person at the terminal: the id itself."""
        return str(user_id)

    def language_of(self, user_id: int) -> Lang | None:
        """The language this user chose in this session, if any."""
        return self._chosen.get(user_id)

    def remember_language(self, user_id: int, lang: Lang) -> None:
        """Keep the choice until the session ends."""
        self._chosen[user_id] = lang

    def forget_user(self, user_id: int) -> None:
        """Drop the choice."""
        self._chosen.pop(user_id, None)


SEEN_LIMIT: Final = 100_000
"""Users whose last clear language is kept; the longest unheard are dropped first."""


class SeenLanguages:
    """The language of each user's last message whose language was clear, under the same
    pseudonym as the choices, in memory only: a restart forgets it, and the next clear message
    sets it again. Not in the store, whose one language per user is a choice, which beats the
    language of a new message; this one is replaced by it. Safe across worker threads."""

    def __init__(self, limit: int = SEEN_LIMIT) -> None:
        self._limit = limit
        self._langs: OrderedDict[str, Lang] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Lang | None:
        """The language last seen under `key`, if any."""
        with self._lock:
            return self._langs.get(key)

    def put(self, key: str, lang: Lang) -> None:
        """Remember `lang` as the one last seen under `key`."""
        with self._lock:
            self._langs[key] = lang
            self._langs.move_to_end(key)
            if len(self._langs) > self._limit:
                self._langs.popitem(last=False)

    def drop(self, key: str) -> None:
        """Forget what was seen under `key`."""
        with self._lock:
            self._langs.pop(key, None)


class ChatService:
    """What both edges call: per event, and for the bot's life cycle."""

    def __init__(
        self,
        brains: Brains,
        conversation: Conversation,
        *,
        store: Store | None = None,
        languages: Languages | None = None,
        admins: frozenset[int] = frozenset(),
        clock: Clock = utc_now,
    ) -> None:
        self._brains = brains
        self._conversation = conversation
        self._store = store
        self._languages: Languages = languages or store or SessionLanguages()
        self._seen = SeenLanguages()
        self._admins = admins
        self._clock = clock
        self._storage_works = True

    @property
    def brain(self) -> Brain:
        """The current knowledge base and matcher."""
        return self._brains.current

    def handle(
        self, user_id: int, event: Event, *, client_lang: str | None, private: bool
    ) -> Outcome:
        """The outcome of one event from `user_id`; never raises for a failure of ours."""
        stored = self._stored_language(user_id)
        key = self._languages.user_key(user_id)
        # Staff answers (statistics) only in private chats, never in front of a group.
        admin = private and user_id in self._admins
        who = Who(stored, client_lang, is_admin=admin, last_lang=self._seen.get(key))
        try:
            if isinstance(event, CommandEvent) and event.name in STAFF_COMMANDS and who.is_admin:
                return self._staff(event, who)
            outcome = self._conversation.handle(event, who, self._brains.current, self._clock())
        except Exception as exc:
            log_failure(log, exc, f"in the conversation for {type(event).__name__}")
            return self._conversation.failure(who)
        if outcome.language_chosen is not None and outcome.language_chosen != stored:
            self.remember_language(user_id, outcome.language_chosen)
        if outcome.language_seen is not None:
            self._seen.put(key, outcome.language_seen)
        self._write(user_id, outcome.records)
        return outcome

    def remember_language(self, user_id: int, lang: Lang) -> None:
        """Answer `user_id` in `lang` from now on (the terminal's --lang)."""
        with self._storage("remembering a language"):
            self._languages.remember_language(user_id, lang)

    def translator(self, user_id: int, *, client_lang: str | None) -> Translator:
        """The interface strings in the language `user_id` is answered in."""
        last = self._seen.get(self._languages.user_key(user_id))
        who = Who(self._stored_language(user_id), client_lang, last_lang=last)
        return self._conversation.translator_for(who)

    def forget(self, user_id: int) -> None:
        """The user blocked the bot: drop what we kept for them."""
        self._seen.drop(self._languages.user_key(user_id))
        with self._storage("forgetting a user"):
            self._languages.forget_user(user_id)

    def command_menus(self) -> tuple[CommandMenu, ...]:
        """Telegram's command menu per client language, and one for everyone else."""
        codes: tuple[str | None, ...] = (*MENU_CODES, None)
        return tuple(
            (
                code,
                self._conversation.command_descriptions(
                    resolve_language(chosen=None, client_code=code) if code else FOREIGN_LANG
                ),
            )
            for code in codes
        )

    def refresh(self) -> bool:
        """Pick up edited faq/ files; True when a new brain answers. Slow after an edit: call
        it off the event loop. Never raises: the last good brain keeps answering."""
        try:
            return self._brains.refresh()
        except Exception as exc:
            log_failure(log, exc, "while reloading faq/; the last good version keeps answering")
            return False

    def faq_alert(self, admin_id: int) -> Reply | None:
        """For an admin: faq/'s errors now (at most 20), None while it loads cleanly."""
        problems = [str(p) for p in self._brains.problems]
        if not problems:
            return None
        t = self.translator(admin_id, client_lang=None)
        return self._reload_result(t, problems)

    def show(self, label: str, lang: Lang) -> Reply | None:
        """Exactly what a user receives for a label (for `kita-bot show`); None if unknown."""
        return self._conversation.show(label, lang, self._brains.current, self._clock())

    # --- storage, which never costs a reply ---

    @contextmanager
    def _storage(self, doing: str) -> Iterator[None]:
        # For language keepers that may raise (a terminal session's, a test's); the store
        # itself never raises and logs its own outages.
        try:
            yield
        except Exception as exc:
            # One line per outage, not one per message: a full disk would flood the log.
            if self._storage_works:
                log_failure(log, exc, f"while {doing}; replies go on without storage")
            self._storage_works = False
        else:
            if not self._storage_works:
                log.warning("storage works again")
            self._storage_works = True

    def _stored_language(self, user_id: int) -> Lang | None:
        stored: Lang | None = None
        with self._storage("reading a language"):
            stored = self._languages.language_of(user_id)
        return stored

    def _write(self, user_id: int, records: tuple[Record, ...]) -> None:
        # Queued for the store's writer thread: never waits, never raises.
        if self._store is None:
            return
        for r in records:
            match r:
                case Question():
                    self._store.record(r)
                case Rated():
                    # One vote per user and answer: a second press replaces the first.
                    self._store.vote(user_id, r.day, r.label, r.helpful)
                case _:
                    assert_never(r)

    @property
    def storage_health(self) -> Health | None:
        """How the store is doing (records waiting, written, dropped); None without one."""
        return self._store.health if self._store is not None else None

    def close(self, timeout: float = 2.0) -> bool:
        """Write what the store still holds and stop it, within `timeout` seconds; True when
        nothing was left. For the edges, at shutdown; blocks."""
        return self._store.close(timeout) if self._store is not None else True

    # --- the staff's commands ---

    def _staff(self, event: CommandEvent, who: Who) -> Outcome:
        # Blocks (faq/ read again, the database read and grouped): the Telegram edge calls
        # `handle` in a worker thread, so no other user's reply waits for it.
        t = self._conversation.translator_for(who)
        command = event.name
        assert command in STAFF_COMMANDS
        if command == "reload":
            problems = self._brains.reload()
            return Outcome((self._reload_result(t, [str(p) for p in problems]),))
        if self._store is None:
            return Outcome((replies.admin_text(t, replies.no_statistics(t)),))
        try:
            days = stats.read_days(event.args)
        except stats.DaysError:
            usage = replies.stats_usage(
                t, command, default=stats.DEFAULT_DAYS, maximum=stats.MAX_DAYS
            )
            return Outcome((replies.admin_text(t, usage),))
        kb = self._brains.current.kb
        day = today(kb, self._clock())
        try:
            figures = self._store.figures(stats.since_for(day, days))
        except StorageUnavailable as exc:
            log.warning("a staff report could not be read: %s", exc)
            return Outcome((replies.admin_text(t, replies.statistics_unavailable(t)),))
        unanswered = command == "unanswered"
        report = stats.make_report(
            figures,
            day,
            days,
            title=label_titles(t, kb),
            groups=unanswered,  # grouping is the slow part, and only /unanswered shows it
        )
        text = stats.format_unanswered(report, t) if unanswered else stats.format_summary(report, t)
        return Outcome((replies.admin_text(t, text),))

    def _reload_result(self, t: Translator, problems: list[str]) -> Reply:
        brains = self._brains
        # Started without the broken topics: "the previous version keeps answering" would be
        # wrong, there is none of them.
        left_out = bool(problems) and brains.source == "partial"
        return replies.reload_result(t, problems, len(brains.current.kb.topics), left_out=left_out)


def label_titles(t: Translator, kb: KnowledgeBase) -> stats.TitleOf:
    """A staff report's names for counted labels: their titles in faq/, in `t`'s language."""
    return lambda label: replies.label_name(t, kb, label)


def build_service(
    settings: Settings,
    *,
    with_store: bool = True,
    languages: Languages | None = None,
    admins: frozenset[int] | None = None,
    clock: Clock = utc_now,
) -> ChatService:
    """Wire the service from settings: faq/ (loaded, the matcher built), locales/, the store.

    The store's writer thread starts here: the edge that builds the service closes it
    (`ChatService.close`) when it stops. StoreError for a damaged or unreadable key file.
    """
    # The knowledge holder builds each new brain (the matcher) in the reload thread and swaps it
    # in whole; with a data folder, it keeps the last good faq/ to start from when a file breaks.
    brains: LiveKnowledge[Brain] = LiveKnowledge(
        settings.faq_dir,
        Brain.of,
        snapshot_dir=settings.data_dir / "faq-snapshot" if with_store else None,
        min_interval=settings.reload_seconds,
    )
    # The store counts on the office's date (its time zone is in office.yaml) by the service's
    # clock; made after the brain, which its writer thread asks for that date.
    store = (
        Store(
            settings.data_dir,
            settings.retention_days,
            today=lambda: today(brains.current.kb, clock()),
        )
        if with_store
        else None
    )
    conversation = Conversation(
        Catalogs.load(settings.locales_dir),
        operator=settings.operator,
        retention_days=settings.retention_days,
    )
    return ChatService(
        brains,
        conversation,
        store=store,
        languages=languages,
        admins=settings.admins if admins is None else admins,
        clock=clock,
    )
