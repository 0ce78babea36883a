"""When daily tips and quizzes are due: claims each post exactly once, sends it, then closes and reveals quizzes."""

import asyncio
import logging
import random
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .core.commands import TIP, weekday_numbers
from .core.quiz import QuizCard, QuizResult, build_quiz
from .core.replies import Responder
from .core.tips import Tip
from .quiz_storage import Quiz, QuizStorage
from .schedule_storage import FAILED, RETRY, SENT, Post, Schedule, ScheduleStorage
from .storage import utc_now

log = logging.getLogger(__name__)
CHECK_SECONDS = 5.0
# Waits before the 2nd, 3rd and 4th attempt of a send that failed for a passing reason (rate limit, network).
RETRY_DELAYS = (30, 120, 480)
SEND_TIMEOUT = 30.0
# Errors that mean the bot can no longer post in that channel: retrying every day would fail every day.
# A bad token is not among them: it is not the channel's fault, and pausing every schedule would hide it.
PERMANENT_REASONS = frozenset({"not_in_channel", "channel_not_found", "is_archived", "403", "404"})
PAUSED, REVEALED, TAKEN, WAITING = "paused", "revealed", "taken", "waiting"


class SendError(Exception):
    """A publisher could not send; `permanent` pauses the schedule, anything else is retried with backoff
    unless `retry` is False (then only this post is marked failed)."""

    def __init__(self, reason: str, permanent: bool = False, retry_after: float | None = None, retry: bool = True):
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after = retry_after
        # False when the post may have arrived (a connection dropped mid-request): a retry could post it twice.
        self.retry = retry

    @classmethod
    def for_reason(cls, reason: str, retry_after: float | None = None) -> "SendError":
        """A Slack error code or a Discord HTTP status as text; permanent when it means the channel is gone."""
        return cls(reason, permanent=reason in PERMANENT_REASONS, retry_after=retry_after)


class Publisher(Protocol):
    """What a platform adapter gives the scheduler; each method returns or takes a message reference."""

    async def post_tip(self, channel: str, tip: Tip) -> str: ...

    async def post_quiz(self, channel: str, quiz_id: int, card: QuizCard) -> str: ...

    async def update_quiz(self, channel: str, message_ref: str, quiz_id: int, result: QuizResult) -> None: ...

    async def post_reveal(self, channel: str, message_ref: str, quiz_id: int, result: QuizResult) -> str: ...


@dataclass(frozen=True)
class DuePost:
    schedule: Schedule
    local_date: str


def _slot(schedule: Schedule, day: date, zone: ZoneInfo) -> datetime:
    # The tz decides what 09:00 means on a DST-change day; a time that does not exist then falls just after the gap.
    hour, minute = (int(part) for part in schedule.time.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=zone)


def due_date(schedule: Schedule, now: datetime) -> str | None:
    """The schedule's local date when its time has come today in its own timezone, else None.

    A post missed while the bot was down is still due later the same local day, never the next one; a schedule
    set after today's time starts tomorrow, so turning tips on at 15:00 for 09:00 does not post at once.
    """
    zone = ZoneInfo(schedule.timezone)
    local = now.astimezone(zone)
    if local.weekday() not in weekday_numbers(schedule.days):
        return None
    slot = _slot(schedule, local.date(), zone)
    if now < slot or (schedule.updated_at is not None and schedule.updated_at > slot):
        return None
    return local.date().isoformat()


def next_slot(schedule: Schedule, now: datetime) -> datetime | None:
    """When a schedule just set will first post: its next time on one of its days, in its own timezone."""
    zone = ZoneInfo(schedule.timezone)
    today = now.astimezone(zone).date()
    for offset in range(8):
        day = today + timedelta(days=offset)
        slot = _slot(schedule, day, zone)
        if day.weekday() in weekday_numbers(schedule.days) and slot >= now:
            return slot
    return None


def audience(schedule: Schedule) -> str:
    """Whose rotation this is: a channel's tips and its quizzes each walk through every entry."""
    return f"{schedule.kind}:{schedule.platform}:{schedule.channel}"


class Scheduler:
    def __init__(self, schedules: ScheduleStorage, quizzes: QuizStorage, responder: Responder,
                 publishers: Mapping[str, Publisher] | None = None, rng: random.Random | None = None,
                 retry_delays: tuple[float, ...] = RETRY_DELAYS, send_timeout: float = SEND_TIMEOUT,
                 interval: float = CHECK_SECONDS):
        self.schedules = schedules
        self.quizzes = quizzes
        self.responder = responder
        self.publishers: dict[str, Publisher] = dict(publishers or {})
        self.rng = rng or random.Random()
        self.retry_delays = retry_delays
        self.send_timeout = send_timeout
        self.interval = interval

    @property
    def entries(self):
        return self.responder.knowledge.entries

    def register(self, platform: str, publisher: Publisher) -> None:
        self.publishers[platform] = publisher

    def due_posts(self, now: datetime) -> list[DuePost]:
        """Active schedules of the platforms that have a publisher, due now and not yet claimed for that date."""
        candidates = []
        for schedule in self.schedules.schedules():
            if schedule.is_active and schedule.platform in self.publishers:
                try:
                    local_date = due_date(schedule, now)
                except (ZoneInfoNotFoundError, ValueError):
                    # Only a hand-edited row or a zone dropped from tzdata gets here; it must not stop the others.
                    self.schedules.pause_schedule(schedule.id, f"unknown timezone {schedule.timezone}", now)
                    continue
                if local_date:
                    candidates.append(DuePost(schedule, local_date))
        if not candidates:
            return []
        posted = self.schedules.posted_dates(min(due.local_date for due in candidates))
        return [due for due in candidates if (due.schedule.id, due.local_date) not in posted]

    async def run_once(self, now: datetime) -> Counter:
        """Everything due at `now`, each channel on its own so a slow or failing one does not hold up the rest."""
        jobs = [self._post_due(due, now) for due in self.due_posts(now)]
        jobs += [self._retry_post(post, now) for post in self.schedules.retries_due(now)]
        self.quizzes.close_due(now)
        jobs += [self._reveal(quiz, now) for quiz in self.quizzes.reveals_due(now) if quiz.platform in self.publishers]
        report: Counter = Counter()
        for outcome in await asyncio.gather(*jobs, return_exceptions=True):
            if isinstance(outcome, BaseException):
                log.error("scheduled job failed: %r", outcome, exc_info=outcome)
                outcome = "error"
            report[outcome] += 1
        return report

    async def run_forever(self, clock: Callable[[], datetime] = utc_now,
                          sleep: Callable[[float], Awaitable] = asyncio.sleep,
                          stop: asyncio.Event | None = None) -> None:
        """Checks every `interval` seconds; schedules are read afresh each time, so CLI changes apply at once."""
        while stop is None or not stop.is_set():
            try:
                report = await self.run_once(clock())
                if report:
                    log.info("scheduler run: %s", dict(report))
            except Exception:
                log.exception("scheduler run failed; trying again in %s s", self.interval)
            await sleep(self.interval)

    async def _post_due(self, due: DuePost, now: datetime) -> str:
        post_id = self.schedules.claim_post(due.schedule.id, due.local_date, now)
        if post_id is None:
            return TAKEN
        try:
            self._prepare(due, post_id)
        except Exception as error:
            log.exception("cannot prepare the %s for %s", due.schedule.kind, due.schedule.channel)
            return self._give_up(due.schedule, self.schedules.post(post_id), f"cannot prepare it: {error}", False)
        return await self._send_post(due.schedule, self.schedules.post(post_id), now)

    def _prepare(self, due: DuePost, post_id: int) -> None:
        """Chooses the entry (and builds the quiz) once, so every retry sends the same post."""
        schedule = due.schedule
        entry = self.schedules.choose_entry(audience(schedule), self.entries, self.rng)
        quiz_id = None
        if schedule.kind != TIP:
            card = build_quiz(self.entries, self.rng, entry=entry)
            quiz_id = self.quizzes.create_quiz(card, schedule.platform, schedule.channel, due.local_date,
                                               schedule.timezone, schedule.workspace, schedule.close_minutes,
                                               schedule.id)
        self.schedules.set_post_content(post_id, entry.id, quiz_id)

    async def _retry_post(self, post: Post, now: datetime) -> str:
        schedule = self.schedules.schedule(post.schedule_id)
        if schedule is not None and schedule.platform not in self.publishers:
            return WAITING
        if not self.schedules.claim_retry(post):
            return TAKEN
        if schedule is None or not schedule.is_active:
            return self._give_up(schedule, self.schedules.post(post.id), "the schedule was turned off", False)
        return await self._send_post(schedule, self.schedules.post(post.id), now)

    async def _send_post(self, schedule: Schedule, post: Post, now: datetime) -> str:
        publisher = self.publishers[schedule.platform]
        entry = self.responder.knowledge.get(post.entry_id)
        if entry is None:
            return self._give_up(schedule, post, f"entry {post.entry_id} is no longer in the knowledge", False)
        if schedule.kind == TIP:
            tip = Tip(entry, self.responder.related_to(entry))
            ref, error = await self._attempt(lambda: publisher.post_tip(schedule.channel, tip))
        else:
            card = self.quizzes.quiz(post.quiz_id).card
            ref, error = await self._attempt(lambda: publisher.post_quiz(schedule.channel, post.quiz_id, card))
        if error is None:
            self.schedules.mark_sent(post.id, ref, now)
            self.schedules.record_shown(audience(schedule), entry.id, self.entries, now)
            if post.quiz_id is not None:
                self.quizzes.mark_posted(post.quiz_id, ref, now)
            log.info("posted %s to %s:%s for %s", schedule.kind, schedule.platform, schedule.channel, post.local_date)
            return SENT
        retry_at = self._retry_at(post.attempts, error, now)
        if retry_at is not None:
            self.schedules.mark_retry(post.id, error.reason, retry_at)
            log.warning("%s to %s:%s failed (%s), attempt %s; retrying at %s", schedule.kind, schedule.platform,
                        schedule.channel, error.reason, post.attempts, retry_at.isoformat())
            return RETRY
        return self._give_up(schedule, post, error.reason, error.permanent)

    def _give_up(self, schedule: Schedule | None, post: Post, reason: str, permanent: bool) -> str:
        self.schedules.mark_failed(post.id, reason)
        if post.quiz_id is not None:
            self.quizzes.delete_quiz(post.quiz_id)
        where = f"{schedule.platform}:{schedule.channel}" if schedule else f"schedule {post.schedule_id}"
        if permanent and schedule is not None:
            self.schedules.pause_schedule(schedule.id, reason)
            log.warning("paused the %s schedule %s of %s: %s", schedule.kind, schedule.id, where, reason)
            return PAUSED
        log.warning("gave up on post %s to %s after %s attempt(s): %s", post.id, where, post.attempts, reason)
        return FAILED

    async def _reveal(self, quiz: Quiz, now: datetime) -> str:
        if not self.quizzes.claim_reveal(quiz):
            return TAKEN
        publisher = self.publishers[quiz.platform]
        result = self.quizzes.result(quiz.id)

        async def send() -> str:
            await publisher.update_quiz(quiz.channel, quiz.message_ref, quiz.id, result)
            return await publisher.post_reveal(quiz.channel, quiz.message_ref, quiz.id, result)

        _, error = await self._attempt(send)
        if error is None:
            self.quizzes.mark_revealed(quiz.id, now)
            log.info("revealed quiz %s in %s:%s", quiz.id, quiz.platform, quiz.channel)
            return REVEALED
        retry_at = self._retry_at(quiz.reveal_attempts + 1, error, now)
        if retry_at is not None:
            self.quizzes.mark_reveal_retry(quiz.id, error.reason, retry_at)
            return RETRY
        self.quizzes.mark_reveal_failed(quiz.id, error.reason)
        if error.permanent and quiz.schedule_id is not None:
            self.schedules.pause_schedule(quiz.schedule_id, error.reason)
            log.warning("paused schedule %s of %s:%s: %s", quiz.schedule_id, quiz.platform, quiz.channel,
                        error.reason)
            return PAUSED
        log.warning("gave up revealing quiz %s in %s:%s: %s", quiz.id, quiz.platform, quiz.channel, error.reason)
        return FAILED

    async def _attempt(self, send: Callable[[], Awaitable]) -> tuple[object, SendError | None]:
        try:
            return await asyncio.wait_for(send(), self.send_timeout), None
        except SendError as error:
            return None, error
        except asyncio.TimeoutError:
            return None, SendError(f"no answer within {self.send_timeout:g} s")
        except Exception as error:
            # A bug in one publisher must not stop the other channels' posts; it is logged and retried like a blip.
            log.exception("publisher raised an unexpected error")
            return None, SendError(f"unexpected error: {type(error).__name__}")

    def _retry_at(self, attempts: int, error: SendError, now: datetime) -> datetime | None:
        """When to try again after `attempts` failed attempts, or None to give up."""
        if error.permanent or not error.retry or attempts > len(self.retry_delays):
            return None
        delay = max(self.retry_delays[attempts - 1], error.retry_after or 0)
        return now + timedelta(seconds=delay)


def build_scheduler(bot, publishers: Mapping[str, Publisher] | None = None) -> Scheduler:
    """The scheduler over the bot's own database and knowledge; serve registers each platform's publisher."""
    return Scheduler(ScheduleStorage(bot.storage.db), QuizStorage(bot.storage.db), bot.responder, publishers)
