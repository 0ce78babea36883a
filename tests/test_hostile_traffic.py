"""HTTP mode under hostile traffic: slow and flooding clients never starve Slack's real deliveries, even with a
low open-file limit, and the bot stays up."""

import asyncio
import json
import os
import resource
import socket
import sys
import time
from contextlib import asynccontextmanager

import aiohttp

from slack_requests import BOT_TOKEN, SIGNING_SECRET, SlackOverHttp, mention
from slack_standin import SlackStandIn

OPEN_FILES = 256
SLOW_CLIENTS = 400
# More than the connection cap at OPEN_FILES (64): served, then held open.
HOLDERS = 150


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def with_few_open_files() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (OPEN_FILES, OPEN_FILES))


async def trickle(port: int, stop: asyncio.Event) -> None:
    """A slow-loris client: a request line, then a header byte now and then, never a whole request."""
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nX-Slow: ")
        while not stop.is_set() and not reader.at_eof():
            await asyncio.sleep(0.5)
            writer.write(b"a")
            await writer.drain()
        writer.close()
    except (ConnectionError, OSError):
        pass


@asynccontextmanager
async def serving(tmp_path, slack: SlackStandIn):
    """`backend-bot serve` in HTTP mode with few open files: (its port, a Slack delivering to it, its stderr so
    far, read once it has stopped)."""
    port = free_port()
    environment = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "BOT_DATABASE": str(tmp_path / "bot.db"),
                   "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                   "SLACK_API_URL": slack.api_url, "PORT": str(port)}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "serve", cwd=tmp_path, env=environment, preexec_fn=with_few_open_files,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    errors: list[str] = []
    try:
        # Slack's deliveries come on connections of their own, not on one the bot may have found idle and closed.
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as session:
            http = SlackOverHttp(f"http://127.0.0.1:{port}", session)
            for _ in range(100):
                try:
                    if (await http.get("/healthz")).status == 200:
                        break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.2)
            yield port, http, errors
    finally:
        process.terminate()
        errors.append((await process.communicate())[1].decode())


async def deliver(http: SlackOverHttp, count: int, prefix: str) -> list[tuple[int, float]]:
    """`count` mentions, one every 0.3 s: (HTTP status, seconds to the acknowledgement) of each."""
    acks = []
    for number in range(count):
        started = time.monotonic()
        answer = await asyncio.wait_for(http.send_event(
            mention(f"how do I make a request idempotent? {number}", ts=f"{prefix}.{number}"), f"Ev{prefix}{number}"),
            5)
        acks.append((answer.status, time.monotonic() - started))
        await asyncio.sleep(0.3)
    return acks


async def test_slow_clients_and_a_connection_flood_never_starve_real_deliveries(tmp_path):
    async with SlackStandIn() as slack:
        async with serving(tmp_path, slack) as (port, http, errors):
            stop = asyncio.Event()
            slow = [asyncio.create_task(trickle(port, stop)) for _ in range(SLOW_CLIENTS)]
            await asyncio.sleep(1)
            acks = await deliver(http, 10, "9")
            posts = await slack.wait_for(lambda: len(slack.successful("chat.postMessage")) >= 10
                                         and slack.successful("chat.postMessage"), timeout=20)
            health = json.loads((await http.get("/healthz")).text)
            stop.set()
            await asyncio.gather(*slow)
    assert all(status == 200 and seconds < 1.0 for status, seconds in acks), acks
    assert sorted(post["thread_ts"] for post in posts) == sorted(f"9.{number}" for number in range(10))
    assert health["ok"] is True
    assert "Traceback" not in errors[0] and "Too many open files" not in errors[0]


async def ask_once_and_hold(port: int, stop: asyncio.Event) -> None:
    """A client that asks for /healthz once, reads the answer, and keeps the connection open doing nothing."""
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: bot\r\n\r\n")
        await writer.drain()
        await reader.readuntil(b"\r\n\r\n")
        while not stop.is_set() and not reader.at_eof():
            await asyncio.sleep(0.2)
        writer.close()
    except (ConnectionError, OSError, asyncio.IncompleteReadError):
        pass


async def test_clients_that_ask_once_and_hold_their_connections_never_starve_real_deliveries(tmp_path):
    async with SlackStandIn() as slack:
        async with serving(tmp_path, slack) as (port, http, errors):
            stop = asyncio.Event()
            holders = []
            for _ in range(HOLDERS):  # one after another, so every one is served before the next connects
                holders.append(asyncio.create_task(ask_once_and_hold(port, stop)))
                await asyncio.sleep(0.01)
            await asyncio.sleep(1)
            acks = await deliver(http, 5, "8")
            posts = await slack.wait_for(lambda: len(slack.successful("chat.postMessage")) >= 5
                                         and slack.successful("chat.postMessage"), timeout=20)
            stop.set()
            await asyncio.gather(*holders)
    assert all(status == 200 and seconds < 1.0 for status, seconds in acks), acks
    assert sorted(post["thread_ts"] for post in posts) == sorted(f"8.{number}" for number in range(5))
    assert "Traceback" not in errors[0]
