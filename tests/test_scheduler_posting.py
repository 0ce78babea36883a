"""Posting daily tips exactly once: restarts, racing schedulers and processes, retries, pauses, and isolation."""

import asyncio
import json
import os
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.wiring import build_bot
from bot.core.commands import ScheduleSpec
from bot.scheduler import SendError
from bot.wiring import build_scheduler

UTC = timezone.utc
SET_AT = datetime(2025, 1, 1, tzinfo=UTC)
MONDAY_9 = datetime(2025, 1, 13, 9, 0, tzinfo=UTC)
COMMAND = str(Path(sys.executable).parent / "backend-bot")

# Every case runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.usefixtures("database")


class RecordingPublisher:
    """Stands in for a platform: records what it was asked to post; failures and hold-ups are set per channel."""

    def __init__(self, failures: dict[str, list[Exception]] | None = None):
        self.posts: list[tuple[str, str, str]] = []
        self.tips = []
        self.failures = failures or {}
        self.gates: dict[str, asyncio.Event] = {}

    async def post_tip(self, channel, tip, post_id=0):
        if channel in self.gates:
            await self.gates[channel].wait()
        if self.failures.get(channel):
            raise self.failures[channel].pop(0)
        self.posts.append(("tip", channel, tip.entry.id))
        self.tips.append(tip)
        return f"{channel}/{len(self.posts)}"


def add_tips(scheduler, *channels, time="09:00", tz="UTC"):
    return [scheduler.schedules.set_schedule("slack", channel, "tip", ScheduleSpec(time, tz, "daily"), now=SET_AT)
            for channel in channels]


@pytest.fixture
def publisher():
    return RecordingPublisher()


@pytest.fixture
def scheduler(bot, publisher):
    return build_scheduler(bot, {"slack": publisher})


async def test_a_due_tip_is_posted_once_with_its_related_question_buttons(scheduler, publisher):
    add_tips(scheduler, "C1")
    assert await scheduler.run_once(MONDAY_9 - timedelta(minutes=1)) == {}
    await scheduler.run_once(MONDAY_9)
    await scheduler.run_once(MONDAY_9 + timedelta(hours=3))
    assert [(kind, channel) for kind, channel, _ in publisher.posts] == [("tip", "C1")]
    tip = publisher.tips[0]
    assert tip.title == "Tip of the day"
    assert 1 <= len(tip.related) <= 3 and tip.entry not in tip.related
    [post] = scheduler.schedules.posts()
    assert (post.local_date, post.status, post.message_ref, post.entry_id) == ("2025-01-13", "sent", "C1/1",
                                                                            tip.entry.id)


async def test_a_restart_does_not_post_again_the_same_day(settings_for, publisher):
    first = build_bot(settings_for())
    add_tips(build_scheduler(first, {"slack": publisher}), "C1")
    await build_scheduler(first, {"slack": publisher}).run_once(MONDAY_9)
    first.close()
    restarted_publisher = RecordingPublisher()
    restarted = build_bot(settings_for())
    try:
        await build_scheduler(restarted, {"slack": restarted_publisher}).run_once(MONDAY_9 + timedelta(minutes=5))
        assert restarted_publisher.posts == []
        await build_scheduler(restarted, {"slack": restarted_publisher}).run_once(MONDAY_9 + timedelta(days=1))
        assert [channel for _, channel, _ in restarted_publisher.posts] == ["C1"]
    finally:
        restarted.close()
    assert len(publisher.posts) == 1


async def test_two_schedulers_on_one_database_file_post_each_channel_once(settings_for):
    bots = [build_bot(settings_for()), build_bot(settings_for())]
    publishers = [RecordingPublisher(), RecordingPublisher()]
    schedulers = [build_scheduler(bot, {"slack": pub}) for bot, pub in zip(bots, publishers)]
    channels = [f"C{number}" for number in range(8)]
    add_tips(schedulers[0], *channels)
    try:
        await asyncio.gather(*(scheduler.run_once(MONDAY_9) for scheduler in schedulers))
    finally:
        for bot in bots:
            bot.close()
    posted = sorted(channel for pub in publishers for _, channel, _ in pub.posts)
    assert posted == channels


def test_two_schedulers_in_separate_threads_post_each_channel_once(settings_for):
    bots = [build_bot(settings_for()) for _ in range(2)]
    publishers = [RecordingPublisher(), RecordingPublisher()]
    schedulers = [build_scheduler(bot, {"slack": pub}) for bot, pub in zip(bots, publishers)]
    channels = [f"C{number}" for number in range(20)]
    add_tips(schedulers[0], *channels)
    start = threading.Barrier(2)

    def run(scheduler):
        start.wait()
        asyncio.run(scheduler.run_once(MONDAY_9))

    threads = [threading.Thread(target=run, args=(scheduler,)) for scheduler in schedulers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    for bot in bots:
        bot.close()
    assert sorted(channel for pub in publishers for _, channel, _ in pub.posts) == sorted(channels)


RACER = """
import asyncio, json, os, sys
from datetime import datetime
from bot.wiring import build_bot
from bot.config import load_settings
from bot.wiring import build_scheduler

name, log_path, go_path, now = sys.argv[1:5]

class FilePublisher:
    async def post_tip(self, channel, tip, post_id=0):
        with open(log_path, "a") as log:
            log.write(json.dumps([name, channel]) + "\\n")
        return channel

bot = build_bot(load_settings(env_file=None))
scheduler = build_scheduler(bot, {"slack": FilePublisher()})
print("ready", flush=True)
while not os.path.exists(go_path):
    pass
asyncio.run(scheduler.run_once(datetime.fromisoformat(now)))
bot.close()
"""


def test_two_processes_on_one_database_file_post_each_channel_once(settings_for, tmp_path, database):
    bot = build_bot(settings_for())
    channels = [f"C{number}" for number in range(20)]
    add_tips(build_scheduler(bot, {}), *channels)
    bot.close()
    log, go = tmp_path / "posted.jsonl", tmp_path / "go"
    env = {**os.environ, "BOT_DATABASE": str(database)}
    racers = [subprocess.Popen([sys.executable, "-c", RACER, name, str(log), str(go), MONDAY_9.isoformat()],
                               env=env, stdout=subprocess.PIPE, text=True, cwd=tmp_path) for name in ("a", "b")]
    for racer in racers:
        assert racer.stdout.readline().strip() == "ready"
    go.touch()
    for racer in racers:
        assert racer.wait(30) == 0
    posted = [json.loads(line) for line in log.read_text().splitlines()]
    assert sorted(channel for _, channel in posted) == sorted(channels)


async def test_a_failed_send_is_retried_with_backoff_then_marked_failed_with_the_reason(scheduler, publisher):
    add_tips(scheduler, "CFLAKY")
    publisher.failures["CFLAKY"] = [SendError("ratelimited") for _ in range(4)]
    await scheduler.run_once(MONDAY_9)
    [post] = scheduler.schedules.posts()
    assert (post.status, post.attempts, post.reason) == ("retry", 1, "ratelimited")
    await scheduler.run_once(MONDAY_9 + timedelta(seconds=29))
    assert scheduler.schedules.posts()[0].attempts == 1
    for waited in (30, 30 + 120, 30 + 120 + 480):
        await scheduler.run_once(MONDAY_9 + timedelta(seconds=waited))
    [post] = scheduler.schedules.posts()
    assert (post.status, post.attempts, post.reason) == ("failed", 4, "ratelimited")
    await scheduler.run_once(MONDAY_9 + timedelta(hours=2))
    assert publisher.posts == [] and scheduler.schedules.posts()[0].status == "failed"
    assert scheduler.schedules.schedules()[0].is_active


async def test_a_retry_that_succeeds_posts_the_tip_first_chosen(scheduler, publisher):
    add_tips(scheduler, "C1")
    publisher.failures["C1"] = [SendError("network down")]
    await scheduler.run_once(MONDAY_9)
    chosen = scheduler.schedules.posts()[0].entry_id
    await scheduler.run_once(MONDAY_9 + timedelta(seconds=30))
    assert publisher.posts == [("tip", "C1", chosen)]
    assert scheduler.schedules.posts()[0].status == "sent"


async def test_a_rate_limits_retry_after_is_waited_out(scheduler, publisher):
    add_tips(scheduler, "C1")
    publisher.failures["C1"] = [SendError("ratelimited", retry_after=300)]
    await scheduler.run_once(MONDAY_9)
    await scheduler.run_once(MONDAY_9 + timedelta(seconds=299))
    assert publisher.posts == []
    await scheduler.run_once(MONDAY_9 + timedelta(seconds=300))
    assert len(publisher.posts) == 1


@pytest.mark.parametrize("reason", ["not_in_channel", "channel_not_found", "403", "404"])
async def test_a_channel_the_bot_was_removed_from_pauses_its_schedule(scheduler, publisher, reason, caplog):
    [schedule] = add_tips(scheduler, "CGONE")
    publisher.failures["CGONE"] = [SendError.for_reason(reason)]
    await scheduler.run_once(MONDAY_9)
    paused = scheduler.schedules.schedule(schedule.id)
    assert paused.paused_reason == reason and not paused.is_active
    assert scheduler.schedules.posts()[0].status == "failed"
    assert f"paused the tip schedule {schedule.id}" in caplog.text and reason in caplog.text
    await scheduler.run_once(MONDAY_9 + timedelta(days=1))
    assert len(scheduler.schedules.posts()) == 1
    scheduler.schedules.set_schedule("slack", "CGONE", "tip", ScheduleSpec("09:00", "UTC", "daily"), now=SET_AT)
    await scheduler.run_once(MONDAY_9 + timedelta(days=2))
    assert [channel for _, channel, _ in publisher.posts] == ["CGONE"]


async def test_a_slow_channel_does_not_hold_up_the_others(scheduler, publisher):
    add_tips(scheduler, "CSLOW", "CFAST")
    publisher.gates["CSLOW"] = asyncio.Event()
    run = asyncio.create_task(scheduler.run_once(MONDAY_9))
    while not publisher.posts:
        await asyncio.sleep(0)
    assert publisher.posts[0][1] == "CFAST" and not run.done()
    publisher.gates["CSLOW"].set()
    assert await run == {"sent": 2}


async def test_a_failing_or_broken_channel_does_not_stop_the_others(scheduler, publisher):
    add_tips(scheduler, "CGONE", "CFLAKY", "CBUG", "COK")
    publisher.failures.update(CGONE=[SendError.for_reason("channel_not_found")], CFLAKY=[SendError("timeout")],
                              CBUG=[RuntimeError("adapter bug")])
    report = await scheduler.run_once(MONDAY_9)
    assert report == {"paused": 1, "retry": 2, "sent": 1}
    assert [channel for _, channel, _ in publisher.posts] == ["COK"]
    assert scheduler.schedules.posts()[2].reason == "unexpected error: RuntimeError"


async def test_a_failed_tip_does_not_use_up_an_entry(scheduler, publisher):
    add_tips(scheduler, "CGONE")
    publisher.failures["CGONE"] = [SendError.for_reason("not_in_channel")]
    await scheduler.run_once(MONDAY_9)
    assert scheduler.schedules.db.rows("SELECT * FROM tips_shown") == []


async def test_the_running_loop_picks_up_a_schedule_added_by_the_cli_without_a_restart(scheduler, publisher,
                                                                                       tmp_path, database):
    tomorrow_noon = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0) + timedelta(days=1)
    stop = asyncio.Event()
    ticks = []

    async def tick(seconds):
        ticks.append(seconds)
        if len(ticks) == 1:
            env = {**os.environ, "BOT_DATABASE": str(database)}
            cli = await asyncio.create_subprocess_exec(
                COMMAND, "schedule", "add", "--platform", "slack", "--channel", "CNEW", "--kind", "tip",
                "--time", "00:00", "--days", "daily", env=env, cwd=tmp_path, stdout=subprocess.DEVNULL)
            assert await cli.wait() == 0
        elif len(ticks) == 3:
            stop.set()

    await scheduler.run_forever(clock=lambda: tomorrow_noon, sleep=tick, stop=stop)
    assert [channel for _, channel, _ in publisher.posts] == ["CNEW"]
    assert ticks == [scheduler.interval] * 3


async def test_a_post_that_cannot_be_put_together_is_given_up_with_the_reason_and_the_others_still_go(scheduler,
                                                                                                      publisher):
    # A weekly review whose stored time cannot be read (stored before times were held to ASCII digits).
    add_tips(scheduler, "COK")
    scheduler.schedules.set_schedule("slack", "CREVIEW", "digest", ScheduleSpec("09:٠٠", "UTC", "daily"), now=SET_AT)
    report = await scheduler.run_once(MONDAY_9)
    [broken] = scheduler.schedules.posts(scheduler.schedules.find_schedule("slack", "CREVIEW", "digest").id)
    assert report == {"failed": 1, "sent": 1}
    assert [channel for _, channel, _ in publisher.posts] == ["COK"]
    assert broken.status == "failed" and broken.reason.startswith("cannot put it together: ")
