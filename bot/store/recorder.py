"""The one thread that writes: records wait in a bounded queue, storage trouble only delays them.

Callers (the event loop) append a record and return; they never touch SQLite. The writer thread
owns the only connection, writes whatever waits in one transaction, and on trouble keeps the
records, retries with back-off and says so once:

- locked by another process, disk full, folder not writable: records wait (at most
  `queue_limit`; beyond that the oldest are dropped and counted) and are written when it is back;
- a damaged file: moved aside with a timestamp (never deleted) and a new one started;
- the file deleted, replaced or emptied while running: a new one started.

Reads for staff run on the same thread after the records queued before them, so a report sees
every question counted before it was asked for.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar

from bot.models import Lang
from bot.store.database import Database, Stamp, Trouble, classify
from bot.store.files import move_aside
from bot.store.records import (
    DEFAULT_TUNING,
    Health,
    Record,
    StorageUnavailable,
    Tuning,
)

log = logging.getLogger("bot.store")

T = TypeVar("T")


@dataclass
class _Job:
    seq: int
    work: Callable[[Database], Any]
    future: Future[Any]
    patient: bool
    """Waits through failed attempts (a flush); else fails with the first (a staff report)."""


class Recorder:
    """The writer thread and its queue; `put` and `put_language` never wait."""

    def __init__(
        self,
        path: Path,
        *,
        today: Callable[[], date],
        retention_days: int,
        prepare: Callable[[], None] = lambda: None,
        opened: Callable[[Database, bool], None] = lambda db, fresh: None,
        tuning: Tuning = DEFAULT_TUNING,
    ) -> None:
        self.path = path
        self._today = today
        self._retention_days = retention_days
        self._prepare = prepare
        self._opened = opened
        self._tuning = tuning
        # Shared with callers, under the lock.
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._records: deque[tuple[int, Record]] = deque()
        self._languages: dict[str, tuple[int, Lang | None]] = {}
        self._jobs: deque[_Job] = deque()
        self._seq = 0
        self._stopping = False
        self._backing_off_until = 0.0
        self._problem: str | None = None
        self._written = self._dropped = self._refused = 0
        self._in_flight = 0
        """Records taken by the writer for the transaction under way."""
        self._doomed = 0
        """The oldest of those, dropped if that transaction fails: the queue overflowed."""
        self._drop_warned = False
        # The writer's own.
        self._db: Database | None = None
        self._checked: Stamp | None = None
        self._delay = tuning.retry_first
        self._failing_since: float | None = None
        self._warned = False
        self._purged_for: date | None = None
        self._next_purge_check = 0.0
        self._fresh_start_at = -60.0
        self._first_attempt = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kita-bot-store", daemon=True)

    # --- what callers use ---

    def start(self, wait: float) -> None:
        """Start writing; wait up to `wait` seconds for the first attempt to open the file."""
        self._thread.start()
        self._first_attempt.wait(wait)

    def put(self, record: Record) -> None:
        """Queue a record; when the queue is full the oldest record goes."""
        with self._lock:
            if self._stopping:
                self._dropped += 1
                return
            self._seq += 1
            self._records.append((self._seq, record))
            warn = self._drop_overflow()
            self._wake.notify()
        if warn:
            self._warn_dropping()

    def put_language(self, user_key: str, lang: Lang | None) -> None:
        """Queue a language choice (None: forget it); a later one for the same user replaces it."""
        with self._lock:
            if self._stopping:
                return
            self._seq += 1
            self._languages[user_key] = (self._seq, lang)
            self._wake.notify()

    def call(self, work: Callable[[Database], T], timeout: float, *, patient: bool = False) -> T:
        """Run `work` on the writer thread after everything queued before; blocks up to `timeout`."""
        # Not patient: one attempt now and StorageUnavailable if it fails, so that a staff report
        # says at once that storage is away. Patient (a flush): waits for storage to come back.
        future: Future[T] = Future()
        with self._lock:
            if self._stopping:
                raise StorageUnavailable("storage is closed")
            self._seq += 1
            self._jobs.append(_Job(self._seq, work, future, patient))
            self._wake.notify()
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise StorageUnavailable(
                f"not done within {timeout:g} s ({self._problem or 'storage is slow'})"
            ) from None

    @property
    def health(self) -> Health:
        """A snapshot of how storage is doing."""
        with self._lock:
            return Health(
                working=self._problem is None,
                problem=self._problem,
                waiting=len(self._records) + len(self._languages) + self._in_flight - self._doomed,
                written=self._written,
                dropped=self._dropped + self._doomed,
                refused=self._refused,
            )

    def close(self, timeout: float) -> bool:
        """Write what waits and stop, within `timeout` seconds; True when nothing was left."""
        with self._lock:
            self._stopping = True
            self._backing_off_until = 0.0  # one last attempt, now
            self._wake.notify()
        if self._thread.is_alive():
            self._thread.join(timeout)
        left = self.health.waiting
        if left or self._thread.is_alive():
            log.warning("storage closed with %d records not written (%s)", left, self._problem)
            return False
        return True

    # --- the writer thread ---

    def _run(self) -> None:
        try:
            while True:
                with self._wake:
                    while not self._stopping and not self._due():
                        self._wake.wait(self._until_due())
                    stopping = self._stopping
                self._cycle()
                self._first_attempt.set()
                if stopping:
                    break
        finally:
            self._fail_jobs("storage is closed", everyone=True)
            if self._db is not None:
                self._db.close()
            self._first_attempt.set()

    def _due(self) -> bool:
        now = time.monotonic()
        if now < self._backing_off_until:  # a staff report gets one attempt now
            return any(not job.patient for job in self._jobs)
        return bool(self._records or self._languages or self._jobs) or (
            now >= self._next_purge_check
        )

    def _until_due(self) -> float:
        now = time.monotonic()
        backing_off = now < self._backing_off_until
        return max(0.0, (self._backing_off_until if backing_off else self._next_purge_check) - now)

    def _cycle(self) -> None:
        try:
            self._write_waiting(self._open())
        except Exception as exc:
            self._trouble(exc)

    def _open(self) -> Database:
        if self._db is not None and self._db.replaced():
            log.warning(
                "storage: %s was deleted or replaced while running; starting a new one", self.path
            )
            self._close_db()
        if self._db is None:
            self._prepare()
            opened = Database.open(self.path, self._tuning.busy_timeout, self._checked)
            try:
                self._opened(opened.database, opened.fresh)
            except BaseException:
                opened.database.close()  # and the hook runs again with the next open
                raise
            self._db, self._checked = opened.database, opened.checked
        return self._db

    def _close_db(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def _write_waiting(self, db: Database) -> None:
        while True:
            with self._lock:
                taken = [
                    self._records.popleft()
                    for _ in range(min(self._tuning.batch, len(self._records)))
                ]
                languages, self._languages = self._languages, {}
                self._in_flight = len(taken) + len(languages)
                # Every record and choice up to `mark` is written once this batch is.
                mark = self._records[0][0] - 1 if self._records else self._seq
            if taken or languages:
                try:
                    self._write(db, languages, [record for _, record in taken])
                except BaseException:
                    self._requeue(taken, languages)
                    raise
                with self._lock:
                    self._in_flight = self._doomed = 0  # the doomed were written after all
            self._recovered()  # before the jobs: whoever waited on one sees storage working
            self._run_jobs(db, mark)
            self._purge_if_new_day(db)  # here too, so that a steady load cannot put it off
            with self._lock:
                if not self._records and not self._languages:
                    return

    def _write(
        self, db: Database, languages: dict[str, tuple[int, Lang | None]], records: list[Record]
    ) -> None:
        choices = {key: lang for key, (_, lang) in languages.items()}
        try:
            db.write(choices, records)
        except Exception as exc:
            if classify(exc) is not Trouble.BAD_RECORD:
                raise
            self._write_one_by_one(db, choices, records)
        else:
            with self._lock:
                self._written += len(records) + len(choices)

    def _write_one_by_one(
        self, db: Database, choices: dict[str, Lang | None], records: list[Record]
    ) -> None:
        # One record the database refuses (a bug) must not hold back all the others for ever.
        items: list[tuple[dict[str, Lang | None], list[Record]]] = [
            ({key: lang}, []) for key, lang in choices.items()
        ]
        items += [({}, [record]) for record in records]
        for one_choice, one_record in items:
            try:
                db.write(one_choice, one_record)
            except Exception as exc:
                if classify(exc) is not Trouble.BAD_RECORD:
                    raise
                with self._lock:
                    self._refused += 1
                    first = self._refused == 1
                if first:
                    kind = type(one_record[0]).__name__ if one_record else "language choice"
                    log.warning(
                        "storage refused a %s (%s); later refusals are only counted",
                        kind,
                        type(exc).__name__,
                    )
            else:
                with self._lock:
                    self._written += 1

    def _requeue(
        self,
        taken: list[tuple[int, Record]],
        languages: dict[str, tuple[int, Lang | None]],
    ) -> None:
        with self._lock:
            doomed, self._in_flight, self._doomed = self._doomed, 0, 0
            self._dropped += doomed
            self._records.extendleft(reversed(taken[doomed:]))
            for key, choice in languages.items():
                self._languages.setdefault(key, choice)  # a newer choice wins
            warn = self._drop_overflow()
        if warn:
            self._warn_dropping()

    def _drop_overflow(self) -> bool:
        """Drop the oldest records beyond the limit (under the lock); True: warn about it now."""
        overflow = len(self._records) + self._in_flight - self._doomed - self._tuning.queue_limit
        if overflow <= 0:
            return False
        # The oldest are in the transaction under way: dropped only if it fails.
        doomed = min(overflow, self._in_flight - self._doomed)
        self._doomed += doomed
        for _ in range(overflow - doomed):
            self._records.popleft()
        self._dropped += overflow - doomed
        warn, self._drop_warned = not self._drop_warned, True
        return warn

    def _warn_dropping(self) -> None:
        log.warning(
            "storage: %d records wait, the most kept in memory; the oldest are dropped (and "
            "counted) until storage is back",
            self._tuning.queue_limit,
        )

    def _run_jobs(self, db: Database, mark: int) -> None:
        while True:
            with self._lock:
                if not self._jobs or self._jobs[0].seq > mark:
                    return
                job = self._jobs.popleft()
            if not job.future.set_running_or_notify_cancel():
                continue
            try:
                job.future.set_result(job.work(db))
            except Exception as exc:
                if classify(exc) is Trouble.BAD_RECORD:  # a bug in the read: the caller's
                    job.future.set_exception(exc)
                    continue
                job.future.set_exception(StorageUnavailable(_describe(exc)))
                raise

    def _fail_jobs(self, problem: str, *, everyone: bool = False) -> None:
        failing: list[_Job] = []
        with self._lock:
            waiting: deque[_Job] = deque()
            for job in self._jobs:
                (failing if everyone or not job.patient else waiting).append(job)
            self._jobs = waiting
        for job in failing:
            if job.future.set_running_or_notify_cancel():
                job.future.set_exception(StorageUnavailable(problem))

    def _purge_if_new_day(self, db: Database) -> None:
        now = time.monotonic()
        if now < self._next_purge_check:
            return
        today = self._today()
        if today != self._purged_for:
            deleted = db.purge(today - timedelta(days=self._retention_days))
            if deleted:
                log.info(
                    "storage: %d kept questions and votes past the retention period deleted",
                    deleted,
                )
            self._purged_for = today
        self._next_purge_check = now + self._tuning.purge_check

    # --- trouble and recovery ---

    def _trouble(self, exc: Exception) -> None:
        kind = classify(exc)
        problem = _describe(exc)
        now = time.monotonic()
        if kind is not Trouble.BUSY:
            self._close_db()  # reopened, and checked again, on the next attempt
        # A new file at once, but not again within a minute: a disk that damages every new
        # file would otherwise fill itself with moved copies.
        if kind in (Trouble.DAMAGED, Trouble.EMPTIED) and now >= self._fresh_start_at + 60:
            self._fresh_start_at = now
            if kind is Trouble.EMPTIED:
                log.warning("storage: %s was emptied while running; starting afresh", self.path)
                return
            try:
                moved = move_aside(self.path)
            except OSError as move_error:
                problem += f"; cannot move it aside: {move_error}"
            else:
                log.warning(
                    "storage: %s was damaged (%s); moved aside to %s, a new one is started",
                    self.path,
                    problem,
                    moved.name,
                )
                return
        if self._failing_since is None:
            self._failing_since = now
        if not self._warned and (
            kind is not Trouble.BUSY or now - self._failing_since >= self._tuning.warn_after
        ):
            self._warned = True
            log.warning(
                "storage unavailable (%s); answers go on, records wait in memory (at most %d) "
                "and are written when it is back",
                problem,
                self._tuning.queue_limit,
            )
        with self._lock:
            self._problem = problem
            self._backing_off_until = 0.0 if self._stopping else now + self._delay
        self._delay = min(self._delay * 2, self._tuning.retry_max)
        self._fail_jobs(problem)

    def _recovered(self) -> None:
        self._delay = self._tuning.retry_first
        if self._failing_since is None:
            return
        if self._warned:
            with self._lock:
                dropped = self._dropped
            log.warning(
                "storage works again after %.1f s (records dropped so far: %d)",
                time.monotonic() - self._failing_since,
                dropped,
            )
        self._failing_since = None
        self._warned = False
        with self._lock:
            self._problem = None
            self._drop_warned = False


def _describe(exc: BaseException) -> str:
    """The trouble in a few words: its kind, the exception class and SQLite's or the OS's text."""
    return f"{classify(exc).value}: {type(exc).__name__}: {exc}"
