"""Several `backend-bot serve` replicas on one PostgreSQL, in Slack HTTP mode: an event and its retries are answered
once whichever replicas they reach, a due tip and a quiz reveal go out once, a replica killed mid-work leaves the
others answering, and a phrasing taught anywhere is served by every replica within seconds."""

import asyncio
import os
import random
import signal
import sys
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import aiohttp
import pytest

from postgres_server import free_port
from slack_requests import BOT_TOKEN, CHANNEL, SIGNING_SECRET, SlackOverHttp, mention
from slack_standin import TEAM_ID, SlackStandIn

from bot.core.quiz import CLOSED, PICK_ANSWER, build_quiz
from bot.core.commands import ScheduleSpec
from bot.storage import open_storage
from bot.storage.notices import APPLICATION_NAME

COMMAND = str(Path(sys.executable).parent / "backend-bot")
# A reload woken by the notice comes within this long of the commit, rebuild included.
NOTICED = 1.5
QUIZ_MESSAGE = "1700000099.000001"
# Said to no entry of the shipped knowledge until someone teaches it.
UNTAUGHT = ("purple widget latency", "purple widget servers", "purple widget users")


@dataclass
class Replica:
    process: asyncio.subprocess.Process
    http: SlackOverHttp
    lines: list[tuple[float, str]] = field(default_factory=list)  # (when it arrived, stderr line)
    reading: asyncio.Task | None = None

    async def read_stderr(self) -> None:
        async for line in self.process.stderr:
            self.lines.append((time.monotonic(), line.decode(errors="replace")))

    def said_after(self, fragment: str, since: float) -> float | None:
        return next((at for at, line in self.lines if at >= since and fragment in line), None)


def environment(tmp_path, url: str, slack: SlackStandIn, port: int | None = None) -> dict[str, str]:
    variables = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "BOT_DATABASE": url,
                 "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": slack.api_url,
                 "SCHEDULE_CHECK_SECONDS": "0.2", "SCHEDULE_SEND_TIMEOUT_SECONDS": "2"}
    return {**variables, "PORT": str(port)} if port else variables


async def start_replicas(tmp_path, url: str, slack: SlackStandIn, session: aiohttp.ClientSession,
                         count: int) -> list[Replica]:
    """`count` serve processes, each on its own port, all answering /healthz."""
    replicas = []
    for _ in range(count):
        port = free_port()
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "serve", cwd=tmp_path, env=environment(tmp_path, url, slack, port),
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        replica = Replica(process, SlackOverHttp(f"http://127.0.0.1:{port}", session))
        replica.reading = asyncio.create_task(replica.read_stderr())
        replicas.append(replica)
    for replica in replicas:
        await until_healthy(replica)
    return replicas


async def until_healthy(replica: Replica, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert replica.process.returncode is None, "".join(line for _, line in replica.lines)
        try:
            if (await replica.http.get("/healthz")).status == 200:
                return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError("a replica did not become healthy:\n" + "".join(line for _, line in replica.lines))


async def stop_replicas(replicas: list[Replica]) -> None:
    for replica in replicas:
        if replica.process.returncode is None:
            replica.process.terminate()
    for replica in replicas:
        await asyncio.wait_for(replica.process.wait(), 20)
        await replica.reading


def replies_by_thread(slack: SlackStandIn) -> Counter:
    return Counter(post.get("thread_ts") for post in slack.successful("chat.postMessage"))


@pytest.fixture
async def scene(tmp_path, postgres_url):
    """(stand-in Slack, a way to start replicas on one PostgreSQL database); every replica is stopped after."""
    started: list[Replica] = []
    async with SlackStandIn() as slack, aiohttp.ClientSession() as session:
        async def start(count: int) -> list[Replica]:
            started.extend(await start_replicas(tmp_path, postgres_url, slack, session, count))
            return started[-count:]

        try:
            yield slack, start
        finally:
            await stop_replicas(started)


async def test_an_event_and_its_retries_reaching_different_replicas_are_answered_once(scene, postgres_url):
    slack, start = scene
    replicas = await start(3)
    chance = random.Random(7)
    sends = [replicas[0].http.send_event(mention("how do I scale a backend?", "1.000100"), "EvFirst"),
             replicas[1].http.send_event(mention("how do I scale a backend?", "1.000100"), "EvFirst", retry_num=1)]
    for number in range(1, 31):
        ts, event_id = f"2.{number:06d}", f"EvBurst{number}"
        event = mention("what timeout should a call to another service have?", ts)
        first, *others = chance.sample(replicas, 3)
        sends.append(first.http.send_event(event, event_id))
        sends += [other.http.send_event(event, event_id, retry_num=retry)
                  for retry, other in enumerate(others[:chance.randint(1, 2)], 1)]
    answers = await asyncio.gather(*sends)
    threads = ["1.000100"] + [f"2.{number:06d}" for number in range(1, 31)]
    await slack.wait_for(lambda: all(thread in replies_by_thread(slack) for thread in threads), timeout=30)
    await asyncio.sleep(1.0)  # time for a second answer to show, were there one
    storage = open_storage(postgres_url)
    logged = storage.questions.questions()
    storage.close()
    assert {answer.status for answer in answers} == {200}
    assert {thread: replies_by_thread(slack)[thread] for thread in threads} == {thread: 1 for thread in threads}
    assert len(logged) == len(threads)


async def test_replicas_racing_for_a_due_tip_post_it_once(scene, postgres_url):
    slack, start = scene
    await start(3)
    # 00:00 every day, set long ago: due at once whatever the time of day, and met by every running replica's
    # next look (0.2 s) together.
    storage = open_storage(postgres_url)
    try:
        storage.schedules.set_schedule("slack", CHANNEL, "tip", ScheduleSpec("00:00", "UTC", "daily"),
                                       now=datetime(2026, 1, 1, tzinfo=timezone.utc))
        await slack.wait_for(lambda: replies_by_thread(slack)[None], timeout=30)
        await asyncio.sleep(1.5)  # several scheduler ticks of every replica
        posts = storage.schedules.posts()
    finally:
        storage.close()
    assert replies_by_thread(slack)[None] == 1
    assert [(post.status, post.attempts) for post in posts] == [("sent", 1)]


async def test_replicas_racing_for_a_quiz_reveal_reveal_it_once(scene, bot, postgres_url):
    slack, start = scene
    storage = open_storage(postgres_url)
    card = build_quiz(bot.responder.knowledge.entries, random.Random(3), form=PICK_ANSWER)
    quiz_id = storage.quizzes.create_quiz(card, "slack", CHANNEL, "2026-06-01", workspace=TEAM_ID)
    storage.quizzes.mark_posted(quiz_id, QUIZ_MESSAGE, datetime.now(timezone.utc) - timedelta(hours=9))
    assert storage.quizzes.move(quiz_id, CLOSED, datetime.now(timezone.utc))
    await start(3)
    await slack.wait_for(lambda: replies_by_thread(slack)[QUIZ_MESSAGE], timeout=30)
    await asyncio.sleep(1.5)
    quiz = storage.quizzes.quiz(quiz_id)
    storage.close()
    assert replies_by_thread(slack)[QUIZ_MESSAGE] == 1
    assert len(slack.successful("chat.update")) == 1
    assert (quiz.state, quiz.reveal_attempts) == ("revealed", 1)


async def test_a_replica_killed_mid_reply_leaves_the_others_answering(scene):
    slack, start = scene
    doomed, *others = await start(3)
    release = slack.hold_next("chat.postMessage")
    await doomed.http.send_event(mention("how do I scale a backend?", "3.000001"), "EvDoomed")
    await slack.wait_for(lambda: "chat.postMessage" in slack.waiting)
    doomed.process.send_signal(signal.SIGKILL)
    await doomed.process.wait()
    release.set()
    # Slack sends the next events to whichever replica answers; a retry of one meant for the dead one goes elsewhere.
    answers = [await others[number % 2].http.send_event(mention("when should we use a cache?", f"4.{number:06d}"),
                                                         f"EvAfter{number}", retry_num=number % 2 or None)
               for number in range(1, 7)]
    threads = [f"4.{number:06d}" for number in range(1, 7)]
    await slack.wait_for(lambda: all(thread in replies_by_thread(slack) for thread in threads), timeout=30)
    assert [answer.status for answer in answers] == [200] * 6
    assert [replies_by_thread(slack)[thread] for thread in threads] == [1] * 6
    assert all(replica.process.returncode is None for replica in others)


async def teach_and_time_the_commit(tmp_path, url: str, slack: SlackStandIn, question: str) -> float:
    """Runs `backend-bot kb teach` and returns when its change was committed, seen by polling the version that
    every change bumps (independent of the notices under test)."""
    import psycopg

    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as watcher:
        async def version() -> int:
            return (await (await watcher.execute("SELECT version FROM learned_version")).fetchone())[0]

        before = await version()
        teaching = await asyncio.create_subprocess_exec(
            COMMAND, "kb", "teach", question, "scale-backend", env=environment(tmp_path, url, slack), cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        while await version() == before:
            assert teaching.returncode is None, await teaching.communicate()
            await asyncio.sleep(0.005)
        committed_at = time.monotonic()
    said, errors = await teaching.communicate()
    assert said.decode().startswith("Taught:"), errors.decode()
    return committed_at


def thread_of(question: str) -> str:
    return f"5.{zlib.crc32(question.encode()) % 1_000_000:06d}"


async def reload_latencies(tmp_path, url: str, slack: SlackStandIn, replicas: list[Replica],
                           questions: tuple[str, ...]) -> list[float]:
    """Teaches each question in turn, asks it of a replica, and returns how long after each commit every replica
    had reloaded its knowledge."""
    latencies = []
    for number, question in enumerate(questions):
        committed_at = await teach_and_time_the_commit(tmp_path, url, slack, question)
        since = committed_at - 0.05  # the poll that saw the commit may have been a few ms late
        for replica in replicas:
            while replica.said_after("knowledge reloaded", since) is None and time.monotonic() < committed_at + 5:
                await asyncio.sleep(0.01)
            reloaded = replica.said_after("knowledge reloaded", since)
            assert reloaded is not None, "a replica did not reload within 5 s"
            latencies.append(reloaded - committed_at)
        await replicas[number % 2].http.send_event(mention(question, thread_of(question)), f"Ev{thread_of(question)}")
    await slack.wait_for(lambda: all(thread_of(question) in replies_by_thread(slack) for question in questions))
    return latencies


async def test_a_phrasing_taught_anywhere_is_served_by_every_replica_within_seconds(scene, tmp_path, postgres_url):
    slack, start = scene
    replicas = await start(2)
    latencies = await reload_latencies(tmp_path, postgres_url, slack, replicas, UNTAUGHT)
    storage = open_storage(postgres_url)
    answered = [(row["status"], row["entry_id"]) for row in storage.questions.questions()]
    storage.close()
    print("taught phrasing served by a replica after", ", ".join(f"{seconds * 1e3:.0f} ms" for seconds in latencies))
    assert answered == [("answered", "scale-backend")] * 3
    # Each latency is the wait for the check plus the rebuild (about 0.5 s with the meaning index). The periodic
    # check alone waits up to 2 s, so six reloads all under 1.5 s would be luck without the notice.
    assert max(latencies) < NOTICED, latencies


async def test_a_replica_whose_listening_connection_drops_listens_again(scene, tmp_path, postgres_url):
    import psycopg

    slack, start = scene
    replicas = await start(2)
    async with await psycopg.AsyncConnection.connect(postgres_url, autocommit=True) as admin:
        async def listeners(terminate: bool = False) -> int:
            action = "pg_terminate_backend(pid)" if terminate else "pid"
            sql = f"SELECT {action} FROM pg_stat_activity WHERE application_name = %s AND datname = current_database()"
            return len(await (await admin.execute(sql, [APPLICATION_NAME])).fetchall())

        assert await listeners(terminate=True) == 2
        deadline = time.monotonic() + 10
        while await listeners() < 2 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert await listeners() == 2
    latencies = await reload_latencies(tmp_path, postgres_url, slack, replicas, ("purple widget latency",))
    assert max(latencies) < NOTICED, latencies
    assert all(replica.process.returncode is None for replica in replicas)
    assert any("not listening for knowledge changes" in line for replica in replicas for _, line in replica.lines)
