"""When daily tips and quizzes are due: claims each post exactly once, sends it, then closes and reveals quizzes."""

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .core.commands import DIGEST, weekday_numbers
from .core.quiz import QuizCard, QuizResult
from .core.review import Review
from .core.tips import Tip
from .daily import Daily
from .metrics import Metrics
from .storage import FAILED, RETRY, SENT, Post, Quiz, Schedule, Storage, StorageError, utc_now

log = logging.getLogger(__name__)
# What a scheduled post shows.
Content = Tip | QuizCard | Review
CHECK_SECONDS = 5.0
# Posts claimed in one tick, and sent at once: a burst of due schedules goes out in waves that never hold the
# database thread or the network for long, and a tick after a full wave follows at once.
BATCH = 100
SENDS_IN_FLIGHT = 10
# A claim this many send timeouts old with no outcome belongs to a process that died mid-send.
STALE_CLAIMS = 4
RECOVERED, MISSED_POST, UNRESOLVED = "recovered", "missed", "unresolved"
# Waits before the 2nd, 3rd and 4th attempt of a send that failed for a passing reason (rate limit, network).
RETRY_DELAYS = (30, 120, 480)
SEND_TIMEOUT = 30.0
# Errors that mean the bot can no longer post in that channel: retrying every day would fail every day.
# A bad token is not among them: it is not the channel's fault, and pausing every schedule would hide it.
PERMANENT_REASONS = frozenset({"not_in_channel", "channel_not_found", "is_archived", "403", "404"})
PAUSED, REVEALED, TAKEN, WAITING = "paused", "revealed", "taken", "waiting"


class SendError(Exception):
    """A publisher could not send; `permanent` pauses the schedule, anything else is retried with backoff
    unless `retry` is False: then the post may be in the channel, and it is looked for before anything else."""

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
    """What a platform adapter gives the scheduler; each method returns or takes a message reference.

    A post carries its post id in a way `find_post` can read back from the channel (Slack message metadata, a
    marker in a Discord embed's footer), so a post whose send outcome is unknown is looked for, not resent."""

    async def post_tip(self, channel: str, tip: Tip, post_id: int) -> str: ...

    async def post_digest(self, channel: str, review: Review, post_id: int) -> str: ...

    async def post_notice(self, channel: str, text: str) -> str: ...

    async def post_quiz(self, channel: str, quiz_id: int, card: QuizCard, post_id: int) -> str: ...

    async def find_post(self, channel: str, post_id: int) -> str | None: ...

    async def update_quiz(self, channel: str, message_ref: str, quiz_id: int, result: QuizResult) -> None: ...

    async def post_reveal(self, channel: str, message_ref: str, quiz_id: int, result: QuizResult) -> str: ...


async def until_set(event: asyncio.Event, seconds: float) -> None:
    """Sleeps `seconds`, or less when `event` is set meanwhile."""
    try:
        await asyncio.wait_for(event.wait(), seconds)
    except asyncio.TimeoutError:
        pass


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


class DueTimes:
    """When each active schedule next needs a look, so a tick looks only at those whose time has come.

    Schedules are read again only when their version changes (any process's change bumps it), so a tick costs
    the schedules due now and today's posts, not every schedule and all history."""

    def __init__(self):
        self.version: int | None = None
        self.latest: datetime | None = None
        self.checks: dict[int, tuple[datetime, Schedule]] = {}

    def refresh(self, version: int, read_schedules: Callable[[], list[Schedule]], now: datetime) -> None:
        went_back = self.latest is not None and now < self.latest
        self.latest = now if self.latest is None or now > self.latest else self.latest
        if version == self.version and not went_back:
            return
        # A schedule that did not change keeps its next look; a new or changed one (or all, if the clock went
        # back) is looked at now.
        kept = {} if went_back else self.checks
        self.checks = {schedule.id: kept[schedule.id] if kept.get(schedule.id, (None, None))[1] == schedule
                       else (now, schedule) for schedule in read_schedules() if schedule.is_active}
        self.version = version

    def looking(self, now: datetime) -> list[Schedule]:
        return [schedule for at, schedule in self.checks.values() if at <= now]

    def later(self, schedule: Schedule, now: datetime) -> None:
        """Nothing more to do today: look again at the next slot."""
        upcoming = next_slot(schedule, now + timedelta(seconds=1)) or now + timedelta(days=1)
        self.checks[schedule.id] = (upcoming, schedule)


@dataclass
class Wave:
    """What one tick claimed on the database thread, for the loop to send."""

    posts: list[tuple[Schedule, Post, Content]]
    reveals: list[tuple[Quiz, QuizResult]]
    report: Counter
    more: bool = False
    unknown: list[tuple[Schedule, Post, Content]] = field(default_factory=list)


class Scheduler:
    def __init__(self, storage: Storage, daily: Daily, publishers: Mapping[str, Publisher] | None = None,
                 retry_delays: tuple[float, ...] = RETRY_DELAYS, send_timeout: float = SEND_TIMEOUT,
                 interval: float = CHECK_SECONDS, batch: int = BATCH, metrics: Metrics | None = None):
        self.db = storage.db
        self.schedules = storage.schedules
        self.quizzes = storage.quizzes
        self.daily = daily
        self.publishers: dict[str, Publisher] = dict(publishers or {})
        self.retry_delays = retry_delays
        self.send_timeout = send_timeout
        self.interval = interval
        self.batch = batch
        self.due_times = DueTimes()
        self.metrics = metrics or Metrics()
        self._sending = asyncio.Semaphore(SENDS_IN_FLIGHT)
        self._more = False

    @property
    def rng(self):
        return self.daily.rng

    @rng.setter
    def rng(self, rng) -> None:
        self.daily.rng = rng

    def unregister(self, platform: str) -> None:
        """The platform can no longer post from this process (another replica took over): its posts wait."""
        self.publishers.pop(platform, None)

    def register(self, platform: str, publisher: Publisher) -> None:
        self.publishers[platform] = publisher

    def due_posts(self, now: datetime) -> list[DuePost]:
        """Active schedules of the platforms that have a publisher, due now and not yet claimed for that date."""
        self.due_times.refresh(self.schedules.version(), self.schedules.schedules, now)
        candidates = []
        for schedule in self.due_times.looking(now):
            if schedule.platform not in self.publishers:
                continue
            try:
                local_date = due_date(schedule, now)
            except (ZoneInfoNotFoundError, ValueError):
                # Only a hand-edited row or a zone dropped from tzdata gets here; it must not stop the others.
                self.schedules.pause_schedule(schedule.id, f"unknown timezone {schedule.timezone}", now)
                continue
            if local_date:
                candidates.append(DuePost(schedule, local_date))
            else:
                self.due_times.later(schedule, now)
        if not candidates:
            return []
        posted = self.schedules.posted_on({due.local_date for due in candidates})
        for due in candidates:
            if (due.schedule.id, due.local_date) in posted:
                self.due_times.later(due.schedule, now)
        return [due for due in candidates if (due.schedule.id, due.local_date) not in posted]

    async def run_once(self, now: datetime) -> Counter:
        """Everything due at `now`, each channel on its own so a slow or failing one does not hold up the rest."""
        wave = await self.db.run(self._claim_wave, now)
        jobs = [self._send_post(schedule, post, content, now) for schedule, post, content in wave.posts]
        jobs += [self._resolve(schedule, post, content, now) for schedule, post, content in wave.unknown]
        jobs += [self._reveal(quiz, result, now) for quiz, result in wave.reveals]
        report = wave.report
        for outcome in await asyncio.gather(*jobs, return_exceptions=True):
            if isinstance(outcome, BaseException):
                log.error("scheduled job failed: %r", outcome, exc_info=outcome)
                outcome = "error"
            report[outcome] += 1
        for result, count in report.items():
            self.metrics.posts.labels(result).inc(count)
        self._more = wave.more
        return report

    async def run_forever(self, clock: Callable[[], datetime] = utc_now,
                          sleep: Callable[[float], Awaitable] | None = None,
                          stop: asyncio.Event | None = None) -> None:
        """Checks every `interval` seconds (at once after a full wave); CLI changes to schedules apply at once.
        `stop` ends the loop after the wave in flight, without waiting out the interval."""
        stop = stop or asyncio.Event()
        sleep = sleep or (lambda seconds: until_set(stop, seconds))
        while not stop.is_set():
            self._more = False
            try:
                report = await self.run_once(clock())
                if report:
                    log.info("scheduler run: %s", dict(report))
            except Exception:
                log.exception("scheduler run failed; trying again in %s s", self.interval)
            await sleep(0 if self._more else self.interval)

    async def notify_admins(self, text: str) -> int:
        """Posts `text` to every admin channel (where the weekly review goes) whose platform is connected;
        how many got it. A failure is logged, never raised: the notice is a courtesy beside the log."""
        schedules = await self.db.run(self.schedules.schedules)
        told = 0
        for schedule in schedules:
            publisher = self.publishers.get(schedule.platform)
            if schedule.kind != DIGEST or not schedule.is_active or publisher is None:
                continue
            _, error = await self._attempt(lambda: publisher.post_notice(schedule.channel, text))
            if error is None:
                told += 1
            else:
                log.warning("could not tell %s:%s about it: %s", schedule.platform, schedule.channel, error.reason)
        return told

    def _claim_wave(self, now: datetime) -> Wave:
        """Claims what is due (at most one batch of new posts), on the database thread."""
        wave = Wave([], [], Counter())
        due = self.due_posts(now)
        wave.more = len(due) > self.batch
        for item in due[: self.batch]:
            self.due_times.later(item.schedule, now)
            post_id = self.schedules.claim_post(item.schedule.id, item.local_date, now)
            if post_id is None:
                wave.report[TAKEN] += 1
                continue
            try:
                self.daily.prepare_post(item.schedule, post_id, item.local_date)
            except Exception as error:
                log.exception("cannot prepare the %s for %s", item.schedule.kind, item.schedule.channel)
                wave.report[self._give_up(item.schedule, self.schedules.post(post_id), f"cannot prepare it: {error}",
                                          False)] += 1
                continue
            self._add_post(wave, item.schedule, self.schedules.post(post_id))
        for post in self.schedules.retries_due(now):
            self._claim_retry(wave, post, now)
        for post in self.schedules.unresolved(now, now - timedelta(seconds=STALE_CLAIMS * self.send_timeout)):
            self._claim_retry(wave, post, now, wave.unknown)
        self.quizzes.close_due(now)
        for quiz in self.quizzes.reveals_due(now):
            if quiz.platform in self.publishers and self.quizzes.claim_reveal(quiz):
                wave.reveals.append((quiz, self.quizzes.result(quiz.id)))
        return wave

    def _claim_retry(self, wave: Wave, post: Post, now: datetime, into: list | None = None) -> None:
        """Takes a post to send again (or, `into` wave.unknown, to look for first) if no other process has."""
        schedule = self.schedules.schedule(post.schedule_id)
        if schedule is not None and schedule.platform not in self.publishers:
            wave.report[WAITING] += 1
        elif not self.schedules.claim_retry(post, now):
            wave.report[TAKEN] += 1
        elif schedule is None or (not schedule.is_active and into is None):
            wave.report[self._give_up(schedule, self.schedules.post(post.id), "the schedule was turned off",
                                      False)] += 1
        else:
            self._add_post(wave, schedule, self.schedules.post(post.id), wave.posts if into is None else into)

    def _add_post(self, wave: Wave, schedule: Schedule, post: Post, into: list | None = None) -> None:
        try:
            content = self.daily.content_of(schedule, post)
        except StorageError:
            raise  # the database, not the post: the claim stays, and the stale-claim path tries it again
        except Exception as error:
            # A post already claimed is given up with the reason (schedule list shows it), never left "sending"
            # and never failing the whole wave: every other post in it still goes out.
            log.exception("cannot put together the %s for %s", schedule.kind, schedule.channel)
            wave.report[self._give_up(schedule, post, f"cannot put it together: {error}", False)] += 1
            return
        if content is None:
            reason = f"entry {post.entry_id} is no longer in the knowledge"
            wave.report[self._give_up(schedule, post, reason, False)] += 1
        else:
            (wave.posts if into is None else into).append((schedule, post, content))

    async def _send_post(self, schedule: Schedule, post: Post, content: Content, now: datetime) -> str:
        publisher = self.publishers[schedule.platform]
        started = asyncio.get_running_loop().time()
        if isinstance(content, Tip):
            send = lambda: publisher.post_tip(schedule.channel, content, post.id)  # noqa: E731
        elif isinstance(content, Review):
            send = lambda: publisher.post_digest(schedule.channel, content, post.id)  # noqa: E731
        else:
            send = lambda: publisher.post_quiz(schedule.channel, post.quiz_id, content, post.id)  # noqa: E731
        ref, error = await self._attempt(send, may_have_posted=True)
        if error is None:
            await self.db.run(self.daily.mark_sent, schedule, post, ref, now)
            log.info("posted %s to %s:%s for %s", schedule.kind, schedule.platform, schedule.channel, post.local_date)
            return SENT
        if not error.retry and not error.permanent:
            # It may be in the channel: the next tick looks for it there before anything is sent again.
            await self.db.run(self.schedules.mark_unknown, post.id, error.reason)
            log.warning("%s to %s:%s: %s; will look in the channel for it", schedule.kind, schedule.platform,
                        schedule.channel, error.reason)
            return UNRESOLVED
        # Backoff counts from the failure, not from when this tick began.
        now = now + timedelta(seconds=asyncio.get_running_loop().time() - started)
        retry_at = self._retry_at(post.attempts, error, now)
        if retry_at is not None:
            await self.db.run(self.schedules.mark_retry, post.id, error.reason, retry_at)
            self.metrics.retries.labels("rate_limited" if error.retry_after else "failed").inc()
            log.warning("%s to %s:%s failed (%s), attempt %s; retrying at %s", schedule.kind, schedule.platform,
                        schedule.channel, error.reason, post.attempts, retry_at.isoformat())
            return RETRY
        return await self.db.run(self._give_up, schedule, post, error.reason, error.permanent)

    def _give_up(self, schedule: Schedule | None, post: Post, reason: str, permanent: bool) -> str:
        self.daily.give_up(post, reason)
        where = f"{schedule.platform}:{schedule.channel}" if schedule else f"schedule {post.schedule_id}"
        if permanent and schedule is not None:
            self.schedules.pause_schedule(schedule.id, reason)
            log.warning("paused the %s schedule %s of %s: %s", schedule.kind, schedule.id, where, reason)
            return PAUSED
        log.warning("gave up on post %s to %s after %s attempt(s): %s", post.id, where, post.attempts, reason)
        return FAILED

    async def _reveal(self, quiz: Quiz, result: QuizResult, now: datetime) -> str:
        publisher = self.publishers[quiz.platform]

        async def send() -> str:
            await publisher.update_quiz(quiz.channel, quiz.message_ref, quiz.id, result)
            return await publisher.post_reveal(quiz.channel, quiz.message_ref, quiz.id, result)

        _, error = await self._attempt(send)
        if error is None:
            await self.db.run(self.quizzes.mark_revealed, quiz.id, now)
            log.info("revealed quiz %s in %s:%s", quiz.id, quiz.platform, quiz.channel)
            return REVEALED
        return await self.db.run(self._reveal_failed, quiz, error, now)

    def _reveal_failed(self, quiz: Quiz, error: "SendError", now: datetime) -> str:
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

    async def _resolve(self, schedule: Schedule, post: Post, content: Content, now: datetime) -> str:
        """A post whose send outcome is unknown: in the channel -> sent; not there -> sent now if it is still the
        same local day, else missed. Never sent blindly a second time."""
        publisher = self.publishers[schedule.platform]
        ref, error = await self._attempt(lambda: publisher.find_post(schedule.channel, post.id))
        same_day = schedule.is_active and due_date(schedule, now) == post.local_date
        if error is not None:
            if same_day:
                look_again = now + timedelta(seconds=self.retry_delays[0])
                await self.db.run(self.schedules.mark_unknown, post.id, f"cannot look in the channel: {error.reason}",
                                  look_again)
                return UNRESOLVED
            return await self.db.run(self._miss, post, f"cannot tell whether it was posted ({error.reason})")
        if ref:
            await self.db.run(self.daily.mark_sent, schedule, post, ref, now)
            log.info("post %s was in %s:%s after all; marked sent", post.id, schedule.platform, schedule.channel)
            return RECOVERED
        if same_day:
            return await self._send_post(schedule, post, content, now)
        return await self.db.run(self._miss, post, "not posted, and its day is over")

    def _miss(self, post: Post, reason: str) -> str:
        self.schedules.mark_missed(post.id, reason)
        if post.quiz_id is not None:
            self.quizzes.delete_quiz(post.quiz_id)
        log.warning("post %s missed: %s", post.id, reason)
        return MISSED_POST

    async def _attempt(self, send: Callable[[], Awaitable],
                       may_have_posted: bool = False) -> tuple[object, SendError | None]:
        async with self._sending:
            try:
                return await asyncio.wait_for(send(), self.send_timeout), None
            except SendError as error:
                return None, error
            except asyncio.TimeoutError:
                # A request cut off by the timeout may still have been accepted: a new post is looked for first.
                return None, SendError(f"no answer within {self.send_timeout:g} s", retry=not may_have_posted)
            except Exception as error:
                # A bug in one publisher must not stop the other channels' posts; logged and retried like a blip.
                log.exception("publisher raised an unexpected error")
                return None, SendError(f"unexpected error: {type(error).__name__}")

    def _retry_at(self, attempts: int, error: SendError, now: datetime) -> datetime | None:
        """When to try again after `attempts` failed attempts, or None to give up."""
        if error.permanent or not error.retry or attempts > len(self.retry_delays):
            return None
        delay = max(self.retry_delays[attempts - 1], error.retry_after or 0)
        return now + timedelta(seconds=delay)
