"""`backend-bot serve` runs the scheduler with the Discord publisher: a due tip reaches the channel."""

import asyncio
import os
import sys

from discord_schedules import SET_AT
from discord_standin import CHANNEL_ID, GUILD_ID, discord_server  # noqa: F401

from bot.core.commands import ScheduleSpec
from bot.wiring import build_bot


async def test_serve_posts_a_due_tip_to_the_discord_channel_once_connected(tmp_path, settings_for, discord_server):
    bot = build_bot(settings_for(**discord_server.variables()))
    try:
        # 00:00 every day, set long ago: due whatever the time of day the test runs.
        every_day = ScheduleSpec("00:00", "UTC", "daily")
        bot.storage.schedules.set_schedule("discord", str(CHANNEL_ID), "tip", every_day, workspace=str(GUILD_ID),
                                           now=SET_AT)
    finally:
        bot.close()
    # The scheduler looks every 0.2 s instead of 5, so the post follows the connection at once.
    environment = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "BOT_DATABASE": str(tmp_path / "bot.db"),
                   "SCHEDULE_CHECK_SECONDS": "0.2", **discord_server.variables()}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "serve", cwd=tmp_path, env=environment,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    try:
        [message] = await discord_server.wait_until(lambda: discord_server.messages, timeout=30)
    finally:
        process.terminate()
        await process.wait()
    assert message["channel_id"] == str(CHANNEL_ID)
    assert message["embeds"][0]["author"]["name"] == "Tip of the day"
