"""A scheduled post whose sender died between claiming it and hearing back is resolved, never left or doubled:
found in the channel -> marked sent; not there -> sent once, the same local day."""

import asyncio
import os
import signal
import socket
import sys
from datetime import timedelta

import pytest

from slack_requests import BOT_TOKEN, CHANNEL, SIGNING_SECRET
from slack_scheduling import MONDAY_9, SET_AT, slack_with_scheduler
from slack_standin import SlackStandIn

from bot.core.commands import ScheduleSpec
from bot.storage import open_storage
from bot.wiring import build_scheduler

EVERY_DAY = ScheduleSpec("00:00", "UTC", "daily")

# Every case runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.usefixtures("database")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def start_serve(tmp_path, database, slack: SlackStandIn) -> asyncio.subprocess.Process:
    environment = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "BOT_DATABASE": str(database),
                   "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                   "SLACK_API_URL": slack.api_url, "PORT": str(free_port()),
                   "SCHEDULE_CHECK_SECONDS": "0.2", "SCHEDULE_SEND_TIMEOUT_SECONDS": "1"}
    return await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "serve", cwd=tmp_path, env=environment,
                                                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)


async def serve_mid_post(tmp_path, database, slack: SlackStandIn) -> tuple[asyncio.subprocess.Process, asyncio.Event]:
    """A serve whose daily tip is due, caught while Slack holds its chat.postMessage; and Slack's release."""
    storage = open_storage(database)
    storage.schedules.set_schedule("slack", CHANNEL, "tip", EVERY_DAY, now=SET_AT)
    storage.close()
    release = slack.hold_next("chat.postMessage")
    process = await start_serve(tmp_path, database, slack)
    await slack.wait_for(lambda: "chat.postMessage" in slack.waiting, timeout=30)
    return process, release


async def test_a_serve_killed_mid_post_is_restarted_and_finds_the_post_in_the_channel(tmp_path, database):
    async with SlackStandIn() as slack:
        first, release = await serve_mid_post(tmp_path, database, slack)
        try:
            first.send_signal(signal.SIGKILL)  # between the claim and Slack's answer
            await first.wait()
        finally:
            release.set()  # Slack took the post after all; the bot never heard
        await slack.wait_for(lambda: slack.successful("chat.postMessage"))
        second = await start_serve(tmp_path, database, slack)
        try:
            storage = open_storage(database)
            for _ in range(150):
                [post] = storage.schedules.posts()
                if post.status == "sent":
                    break
                await asyncio.sleep(0.1)
            storage.close()
        finally:
            second.terminate()
            await second.wait()
    assert post.status == "sent"
    [posted] = slack.successful("chat.postMessage")
    assert post.message_ref == posted["ts"]
    assert len(slack.attempts("chat.postMessage")) == 1


async def test_a_claim_whose_sender_died_before_sending_is_sent_once_after_a_restart(settings_for):
    async with slack_with_scheduler(settings_for) as scene:
        scene.schedule("tip")
        # The first process claims and prepares the post, then dies before it sends.
        await scene.scheduler.db.run(scene.scheduler._claim_wave, MONDAY_9)
        restarted = build_scheduler(scene.bot, scene.scheduler.publishers)
        too_soon = await restarted.run_once(MONDAY_9 + timedelta(seconds=30))
        report = await restarted.run_once(MONDAY_9 + timedelta(minutes=3))
        [post] = scene.scheduler.schedules.posts()

    assert too_soon == {}  # a claim this fresh may still be in flight in a live process
    assert report == {"sent": 1} and post.status == "sent"
    assert len(scene.slack.successful("chat.postMessage")) == 1


async def test_sigterm_during_a_post_lets_it_finish_and_exits_cleanly(tmp_path, database):
    async with SlackStandIn() as slack:
        process, release = await serve_mid_post(tmp_path, database, slack)
        process.send_signal(signal.SIGTERM)
        await asyncio.sleep(0.5)
        release.set()  # Slack answers while the bot is stopping
        code = await asyncio.wait_for(process.wait(), 15)
    storage = open_storage(database)
    [post] = storage.schedules.posts()
    storage.close()
    assert code == 0
    assert post.status == "sent" and len(slack.successful("chat.postMessage")) == 1
