"""A database locked by another process delays only the answers: acks, deferrals and /healthz come at once,
and every question, retried or not, is answered exactly once when the lock goes."""

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.storage import StorageError
from bot.storage.database import Database
from discord_standin import DiscordStandIn, running_client
from slack_requests import mention, slack_over_http

LOCK_SECONDS = 4.0
HOLD_LOCK = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")  # the write lock, as a backup or a long migration holds it
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
connection.rollback()
"""


async def timed(work) -> tuple[float, object]:
    started = time.monotonic()
    result = await work
    return time.monotonic() - started, result


async def test_acks_and_health_stay_fast_while_another_process_holds_the_write_lock(settings_for, tmp_path):
    discord_server = await DiscordStandIn().start()
    try:
        async with slack_over_http(settings_for, **discord_server.variables()) as (slack, bot, http):
            async with running_client(bot):
                await exercise_under_lock(slack, bot, http, discord_server, tmp_path)
    finally:
        await discord_server.close()


async def exercise_under_lock(slack, bot, http, discord_server, tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(bot.settings.database), str(LOCK_SECONDS)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        locked_at = time.monotonic()
        questions = [mention(f"how do I make a request idempotent? ({number})", ts=f"5.{number}")
                     for number in range(5)]
        acks = [await timed(http.send_event(event, event_id=f"EvLock{number}"))
                for number, event in enumerate(questions)]
        retries = [await timed(http.send_event(event, event_id=f"EvLock{number}", retry_num=1))
                   for number, event in enumerate(questions)]
        health = await timed(http.get("/healthz"))
        interactions = [await discord_server.ask("how do I scale a backend?") for _ in range(2)]
        deferrals = [await timed(discord_server.callback_for(interaction)) for interaction in interactions]
        assert time.monotonic() - locked_at < LOCK_SECONDS, "the lock ended before every request was sent"
        answers = await slack.wait_for(lambda: len(slack.successful("chat.postMessage")) >= 5 and
                                       slack.successful("chat.postMessage"), timeout=20)
        await discord_server.wait_until(lambda: len(discord_server.messages) >= 2, timeout=20)
        await asyncio.sleep(0.3)  # room for a wrong second answer to show up
    finally:
        holder.kill()
        holder.wait()

    assert all(seconds < 1.0 and answer.status == 200 for seconds, answer in acks + retries), acks + retries
    assert health[0] < 1.0 and health[1].status == 200
    assert all(seconds < 1.0 and callback["type"] == 5 for seconds, callback in deferrals)
    assert sorted(post["thread_ts"] for post in slack.successful("chat.postMessage")) == [f"5.{n}" for n in range(5)]
    assert all("Sorry" not in post["text"] for post in answers)
    assert len(discord_server.messages) == 2
    assert all(message["embeds"][0]["title"] == "How do I scale a backend?" for message in discord_server.messages)
    assert len(bot.storage.questions.questions()) == 7


def test_a_file_locked_past_the_wait_says_so_and_to_try_again_not_to_move_the_database(tmp_path):
    path = tmp_path / "bot.db"
    Database(path).close()
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK.replace("IMMEDIATE", "EXCLUSIVE"), str(path), "10"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(StorageError) as raised:
            Database(path, busy_timeout=0.3)
    finally:
        holder.kill()
        holder.wait()
    assert str(raised.value) == (f"the database at {path} stayed locked by another process for 0.3 s (a backup or a "
                                 "migration?): try again when it is done")


@pytest.mark.parametrize("command", [["stats"], ["db", "check"]])
def test_commands_that_only_read_answer_while_another_process_holds_the_write_lock(tmp_path, command):
    path = tmp_path / "bot.db"
    Database(path).close()
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(path), "30"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        # Opening for writing would wait out the 15 s busy timeout behind the lock, past this test's 10 s.
        result = subprocess.run([str(Path(sys.executable).parent / "backend-bot"), *command], capture_output=True,
                                text=True, timeout=10, cwd=tmp_path, env={**os.environ, "BOT_DATABASE": str(path)})
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 0, result.stderr
