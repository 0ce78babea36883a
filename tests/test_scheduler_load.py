"""The scheduler's work per tick: due posts go out in waves, and an idle tick costs the same whatever the history."""

from datetime import timedelta

from test_scheduler_posting import MONDAY_9, SET_AT, RecordingPublisher

from bot.core.commands import ScheduleSpec
from bot.wiring import build_scheduler

DAILY_9 = ScheduleSpec("09:00", "UTC", "daily")


def add_channels(bot, count: int) -> None:
    for number in range(count):
        bot.storage.schedules.set_schedule("slack", f"C{number:05d}", "tip", DAILY_9, now=SET_AT)


def statements_during(bot, work) -> list[str]:
    """The SQL the bot's connection ran while `work` ran."""
    seen: list[str] = []
    bot.storage.db.connection.set_trace_callback(seen.append)
    try:
        work()
    finally:
        bot.storage.db.connection.set_trace_callback(None)
    return seen


async def test_a_burst_of_due_posts_goes_out_in_waves_of_one_batch(bot):
    add_channels(bot, 250)
    publisher = RecordingPublisher()
    scheduler = build_scheduler(bot, {"slack": publisher})
    waves = [await scheduler.run_once(MONDAY_9) for _ in range(4)]
    assert [wave.get("sent", 0) for wave in waves] == [100, 100, 50, 0]
    assert len({channel for _, channel, _ in publisher.posts}) == 250


async def test_an_idle_tick_reads_neither_every_schedule_nor_past_posts(bot):
    add_channels(bot, 300)
    scheduler = build_scheduler(bot, {"slack": RecordingPublisher()})
    for _ in range(3):
        await scheduler.run_once(MONDAY_9)
    later = MONDAY_9 + timedelta(hours=3)
    idle = statements_during(bot, lambda: scheduler.due_posts(later))
    assert not any("FROM schedules" in sql or "FROM posts" in sql for sql in idle), idle
    # A schedule changed by anyone is read again, and only then.
    bot.storage.schedules.set_schedule("slack", "CNEW", "tip", DAILY_9, now=SET_AT)
    changed = statements_during(bot, lambda: scheduler.due_posts(later))
    assert sum("FROM schedules" in sql for sql in changed) == 1
