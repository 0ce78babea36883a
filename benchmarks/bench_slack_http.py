"""Slack HTTP mode end to end: acks, replies, CPU and memory of `backend-bot serve` beside a bare Bolt app."""

import argparse
import asyncio
import hashlib
import hmac
import importlib.util
import itertools
import json
import math
import os
import re
import resource
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import aiohttp
from aiohttp import web

REPO = Path(__file__).resolve().parent.parent
BOT_TOKEN = "xoxb-1-bench"
SIGNING_SECRET = "bench-signing-secret-0123456789"
TEAM_ID, BOT_USER_ID, CHANNEL = "T0BENCH", "UBOTBENCH", "C0BENCH"
AUTH_TEST = {"ok": True, "url": "https://bench.slack.com/", "team": "bench", "user": "bot", "team_id": TEAM_ID,
             "user_id": BOT_USER_ID, "bot_id": "BBOTBENCH", "is_enterprise_install": False}
QUESTIONS = ("how do I make a request idempotent?", "our API falls over at peak, what do we do?",
             "when should we use a cache?", "how do we deploy the backend?",
             "what timeout should a call to another service have?", "how do we page through a big result set?")
# Environment variables that would point the servers at something other than this benchmark's stand-ins.
FOREIGN_PREFIXES = ("SLACK_", "DISCORD_", "BOT_", "PORT", "KNOWLEDGE_PATH")

DEFAULT_LEVELS = "1,10,50,200"
SCENARIOS = ("plain", "db-lock", "schedules-due")
READY_SECONDS = 30.0
REQUEST_TIMEOUT = 60.0
WARMUP_EVENTS = 20
SLACK_ACK_LIMIT = 3.0  # Slack retries an event whose 200 took longer than this
LOCK_SECONDS = 7.0
LOCKED_WINDOW = 8.0  # db-lock: a level's requests are spread over this long, so the lock spans most of it
SCHEDULES = 10_000
STOP_SECONDS = 5.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

LOCKER = """
import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
con.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
con.rollback()
"""


class BenchError(Exception):
    """The benchmark cannot go on; the message says why (a server that did not start, a schema that changed)."""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- the Slack Web API stand-in


class StandIn:
    """Answers the Web API methods both servers call, and notes when each threaded reply and each tip arrived."""

    def __init__(self):
        self.replies: dict[str, list[float]] = defaultdict(list)  # thread_ts -> arrival times
        self.tips: list[float] = []  # arrival times of chat.postMessage without a thread (scheduled tips)
        self._ts = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.api_url = ""

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/api/{method}", self.handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, backlog=4096)
        await site.start()
        port = self._runner.addresses[0][1]
        self.api_url = f"http://127.0.0.1:{port}/api/"
        return self.api_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await read_params(request)
        if method == "chat.postMessage":
            self._note_post(params)
        return web.json_response(self.answer(method, params))

    def _note_post(self, params: dict) -> None:
        thread = params.get("thread_ts")
        if thread:
            self.replies[str(thread)].append(time.monotonic())
        else:
            self.tips.append(time.monotonic())

    def answer(self, method: str, params: dict) -> dict:
        channel = params.get("channel", CHANNEL)
        if method == "auth.test":
            return AUTH_TEST
        if method == "chat.postMessage":
            ts = self.next_ts()
            return {"ok": True, "channel": channel, "ts": ts,
                    "message": {"type": "message", "text": params.get("text", ""), "user": BOT_USER_ID, "ts": ts}}
        if method == "chat.update":
            return {"ok": True, "channel": channel, "ts": params.get("ts", ""), "text": params.get("text", "")}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self.next_ts()}
        if method == "users.info":
            user = params.get("user", "U0ANN")
            return {"ok": True, "user": {"id": user, "name": "bench", "profile": {"display_name": "bench"}}}
        return {"ok": True}

    def next_ts(self) -> str:
        # Increasing and unlike any event ts the benchmark sends, so a bot's own message never matches a question.
        number = next(self._ts)
        return f"{1800000000 + number // 1_000_000}.{number % 1_000_000:06d}"


async def read_params(request: web.Request) -> dict:
    """slack_sdk sends JSON when a message has blocks and a form otherwise."""
    body = await request.read()
    if request.content_type == "application/json":
        try:
            parsed = json.loads(body or b"{}")
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    form = await request.post()
    return {key: str(value) for key, value in form.items()}


# ---------------------------------------------------------------- signed events


class Events:
    """Unique, signed app_mention deliveries; the event's ts is how its reply is found again."""

    def __init__(self):
        self._numbers = itertools.count(1)

    def next(self) -> tuple[str, bytes, dict]:
        number = next(self._numbers)
        ts = f"{1700000000 + number // 1_000_000}.{number % 1_000_000:06d}"
        now = int(time.time())
        payload = {"token": "x", "team_id": TEAM_ID, "api_app_id": "A0BENCH", "type": "event_callback",
                   "event_id": f"Ev{number:010d}", "event_time": now,
                   "event": {"type": "app_mention", "user": "U0ANN", "ts": ts, "channel": CHANNEL, "event_ts": ts,
                             "text": f"<@{BOT_USER_ID}> {QUESTIONS[number % len(QUESTIONS)]}"}}
        body = json.dumps(payload).encode()
        return ts, body, signed_headers(body, str(now))


def signed_headers(body: bytes, timestamp: str) -> dict:
    base = b"v0:" + timestamp.encode() + b":" + body
    signature = "v0=" + hmac.new(SIGNING_SECRET.encode(), base, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": signature}


# ---------------------------------------------------------------- server processes


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_env(api_url: str, database: Path) -> dict[str, str]:
    """The caller's environment without any Slack, Discord or bot setting, then exactly the benchmark's."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(FOREIGN_PREFIXES)}
    env.update(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=api_url,
               BOT_DATABASE=str(database))
    return env


def backend_bot() -> str:
    # The one installed next to this Python, so the venv's (editable) install is what runs.
    return str(Path(sys.executable).parent / "backend-bot")


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    port: int
    stderr_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cpu_ticks(self) -> int:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15 of proc(5)

    def rss_mib(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stderr_text(self) -> str:
        return self.stderr_path.read_text(errors="replace") if self.stderr_path.exists() else ""

    def stop(self) -> None:
        stop_process(self.process)


def stop_process(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_SECONDS)


def launch(name: str, command: list[str], env: dict[str, str], folder: Path, port: int) -> Server:
    # stderr goes to a file, not a pipe: a pipe nobody reads fills up and would stall a chatty server.
    stderr_path = folder / f"{name}.stderr"
    with open(stderr_path, "wb") as stderr:
        process = subprocess.Popen(command, env=env, cwd=folder, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=stderr)
    return Server(name, process, port, stderr_path)


async def wait_ready(server: Server) -> None:
    deadline = time.monotonic() + READY_SECONDS
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise BenchError(f"{server.name} exited with {server.process.returncode} before it was ready:\n"
                                 f"{server.stderr_text()}")
            try:
                async with session.get(f"{server.url}/healthz") as response:
                    if response.status == 200:
                        return
            except (aiohttp.ClientError, asyncio.TimeoutError):
                pass  # not listening yet
            await asyncio.sleep(0.1)
    raise BenchError(f"{server.name} did not answer /healthz within {READY_SECONDS:g} s:\n{server.stderr_text()}")


async def start_server(name: str, command: list[str], env: dict[str, str], folder: Path, port: int) -> Server:
    server = launch(name, command, env, folder, port)
    try:
        await wait_ready(server)
    except BaseException:
        server.stop()
        raise
    return server


async def start_bot(api_url: str, folder: Path) -> Server:
    port = free_port()
    return await start_server("backend-bot", [backend_bot(), "serve", "--port", str(port)],
                              server_env(api_url, folder / "bot.db"), folder, port)


async def start_baseline(api_url: str, folder: Path) -> Server:
    port = free_port()
    command = [sys.executable, str(Path(__file__).resolve()), "--baseline-server", str(port), "--api-url", api_url]
    return await start_server("bare-bolt", command, server_env(api_url, folder / "unused.db"), folder, port)


# ---------------------------------------------------------------- the bare Bolt baseline (its own process)


def run_baseline_server(port: int, api_url: str) -> None:
    """A Bolt AsyncApp that only says "ok" in the thread, behind aiohttp, as any Bolt tutorial would serve it."""
    from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    bolt = AsyncApp(client=AsyncWebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=api_url),
                    signing_secret=os.environ["SLACK_SIGNING_SECRET"])

    @bolt.event("app_mention")
    async def mention(event, say):
        await say(text="ok", thread_ts=event["ts"])

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    async def health(_request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/slack/events", events)
    app.router.add_get("/healthz", health)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


# ---------------------------------------------------------------- load


@dataclass
class Delivery:
    ts: str
    sent_at: float
    acked_at: float
    status: int  # HTTP status, or 0 when the request failed without one


async def deliver(session: aiohttp.ClientSession, url: str, events: Events) -> Delivery:
    ts, body, headers = events.next()
    sent_at = time.monotonic()
    try:
        async with session.post(url, data=body, headers=headers) as response:
            await response.read()
            status = response.status
    except (aiohttp.ClientError, asyncio.TimeoutError):
        status = 0
    return Delivery(ts, sent_at, time.monotonic(), status)


async def drive(server: Server, events: Events, concurrency: int, count: int,
                spread: float | None = None) -> list[Delivery]:
    """`count` deliveries, at most `concurrency` at a time: back to back, or the i-th at i * spread / count s.

    Spreading matters where the level must last (a lock held for 7 s): a bot that acks before it works would
    otherwise be sent thousands of events in that time, and the figures would be about the backlog.
    """
    started = time.monotonic()
    issued = iter(range(count))
    done: list[Delivery] = []
    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        async def worker():
            for number in issued:
                if spread:
                    await asyncio.sleep(started + number * spread / count - time.monotonic())
                done.append(await deliver(session, f"{server.url}/slack/events", events))

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done


async def wait_replies(standin: StandIn, expected: list[str], timeout: float) -> None:
    """Until every expected thread has a reply, or `timeout`; then a moment more, so a second answer shows."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(ts not in standin.replies for ts in expected):
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)


# ---------------------------------------------------------------- figures


def percentile(values: list[float], share: float) -> float:
    """Nearest rank; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


@dataclass
class LevelStats:
    concurrency: int
    sent: int
    errors: int  # responses other than 200, and requests that failed
    acks_per_s: float
    ack_p50_ms: float
    ack_p99_ms: float
    ack_max_ms: float
    slow_acks: int  # acks over Slack's 3 s, which Slack would deliver again
    reply_p50_ms: float
    reply_p99_ms: float
    replies_per_s: float  # first replies per second from the first send to the last reply: what the bot keeps up with
    replies: int
    missing: int
    doubled: int
    cpu_ms_per_reply: float
    rss_mib: float
    client_cpu_share: float  # the benchmark process's own CPU over the load: near 1.0 means it was the bottleneck
    tips: int = 0
    notes: list[str] = field(default_factory=list)


def level_stats(concurrency: int, deliveries: list[Delivery], standin: StandIn, cpu_ticks: int,
                rss: float, client_cpu: float) -> LevelStats:
    acked = [d for d in deliveries if d.status == 200]
    first_reply = {d.ts: standin.replies[d.ts][0] for d in deliveries if d.ts in standin.replies}
    started = min((d.sent_at for d in deliveries), default=math.nan)
    ack_wall = max((d.acked_at for d in deliveries), default=math.nan) - started
    ack_ms = [(d.acked_at - d.sent_at) * 1e3 for d in acked]
    reply_ms = [(first_reply[d.ts] - d.sent_at) * 1e3 for d in deliveries if d.ts in first_reply]
    return LevelStats(
        concurrency=concurrency, sent=len(deliveries), errors=len(deliveries) - len(acked),
        acks_per_s=per_second(len(acked), ack_wall),
        ack_p50_ms=percentile(ack_ms, 0.50), ack_p99_ms=percentile(ack_ms, 0.99),
        ack_max_ms=max(ack_ms, default=math.nan), slow_acks=sum(ms > SLACK_ACK_LIMIT * 1e3 for ms in ack_ms),
        reply_p50_ms=percentile(reply_ms, 0.50), reply_p99_ms=percentile(reply_ms, 0.99),
        replies_per_s=per_second(len(first_reply), max(first_reply.values(), default=math.nan) - started),
        replies=len(first_reply), missing=sum(d.ts not in first_reply for d in acked),
        doubled=sum(len(standin.replies[ts]) > 1 for ts in first_reply),
        cpu_ms_per_reply=ratio_of(cpu_ticks * 1e3 / CLOCK_TICKS, len(first_reply)),
        rss_mib=rss, client_cpu_share=ratio_of(client_cpu, ack_wall))


def per_second(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else math.nan


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def measure(server: Server, standin: StandIn, events: Events, concurrency: int, reply_timeout: float,
                  **load) -> LevelStats:
    """One level against one server: its deliveries, then its replies, then the server's CPU and memory."""
    cpu_before, client_before = server.cpu_ticks(), own_cpu_seconds()
    deliveries = await drive(server, events, concurrency, **load)
    client_cpu = own_cpu_seconds() - client_before
    await wait_replies(standin, [d.ts for d in deliveries if d.status == 200], reply_timeout)
    if server.process.poll() is not None:
        raise BenchError(f"{server.name} exited with {server.process.returncode} during the level:\n"
                         f"{server.stderr_text()[-4000:]}")
    return level_stats(concurrency, deliveries, standin, server.cpu_ticks() - cpu_before, server.rss_mib(), client_cpu)


async def warm_up(server: Server, standin: StandIn, events: Events) -> None:
    # First requests pay for Bolt's lazy auth.test, imports and caches; a running bot paid for them long ago.
    deliveries = await drive(server, events, 5, count=WARMUP_EVENTS)
    await wait_replies(standin, [d.ts for d in deliveries if d.status == 200], 10.0)


# ---------------------------------------------------------------- scenarios


def requests_for(concurrency: int, requests: int | None) -> int:
    if requests is not None:
        return requests
    return 200 if concurrency == 1 else 1000


@dataclass
class Run:
    standin: StandIn
    events: Events
    folder: Path
    levels: list[int]
    requests: int | None
    reply_timeout: float
    burst_seconds: float
    baseline: dict[int, LevelStats] = field(default_factory=dict)

    def count_for(self, concurrency: int) -> int:
        return requests_for(concurrency, self.requests)

    def fresh_folder(self, name: str) -> Path:
        folder = self.folder / name
        folder.mkdir()
        return folder


async def measure_baseline(run: Run) -> None:
    """The bare Bolt figures every scenario is printed beside: plain load, each level once."""
    server = await start_baseline(run.standin.api_url, run.fresh_folder("baseline"))
    try:
        await warm_up(server, run.standin, run.events)
        for concurrency in run.levels:
            log(f"  bare Bolt, c={concurrency}")
            run.baseline[concurrency] = await measure(server, run.standin, run.events, concurrency,
                                                      run.reply_timeout, count=run.count_for(concurrency))
    finally:
        server.stop()
    add_stderr_notes(server, run.baseline[run.levels[-1]])


async def scenario_plain(run: Run, results: list[LevelStats]) -> None:
    bot = await start_bot(run.standin.api_url, run.fresh_folder("plain"))
    try:
        await warm_up(bot, run.standin, run.events)
        for concurrency in run.levels:
            log(f"  backend-bot, c={concurrency}")
            results.append(await measure(bot, run.standin, run.events, concurrency, run.reply_timeout,
                                         count=run.count_for(concurrency)))
    finally:
        bot.stop()
    add_stderr_notes(bot, results[-1] if results else None)


async def hold_write_lock(database: Path) -> asyncio.subprocess.Process:
    """Another process holding the write lock (BEGIN IMMEDIATE: in WAL mode EXCLUSIVE stops no more readers)."""
    locker = await asyncio.create_subprocess_exec(sys.executable, "-c", LOCKER, str(database), str(LOCK_SECONDS),
                                                  stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        line = await asyncio.wait_for(locker.stdout.readline(), 10.0)
    except asyncio.TimeoutError:
        line = b""
    except BaseException:
        locker.kill()
        raise
    if line.strip() != b"locked":
        locker.kill()
        await locker.wait()
        raise BenchError(f"the lock holder did not take the lock: {(await locker.stderr.read()).decode()}")
    return locker


async def stop_locker(locker: asyncio.subprocess.Process) -> None:
    try:
        await asyncio.wait_for(locker.wait(), LOCK_SECONDS + STOP_SECONDS)
    except asyncio.TimeoutError:
        locker.kill()
        await locker.wait()


async def scenario_db_lock(run: Run, results: list[LevelStats]) -> None:
    folder = run.fresh_folder("db-lock")
    bot = await start_bot(run.standin.api_url, folder)
    try:
        await warm_up(bot, run.standin, run.events)
        for concurrency in run.levels:
            log(f"  backend-bot, c={concurrency}, database locked for {LOCK_SECONDS:g} s")
            locker = await hold_write_lock(folder / "bot.db")
            try:
                results.append(await measure(bot, run.standin, run.events, concurrency, run.reply_timeout,
                                             count=run.count_for(concurrency), spread=LOCKED_WINDOW))
            finally:
                if locker.returncode is None:
                    locker.terminate()
                await stop_locker(locker)
    finally:
        bot.stop()
    add_stderr_notes(bot, results[-1] if results else None)


def fill_schedules(folder: Path, api_url: str) -> None:
    """SCHEDULES tip schedules, each in its own channel, all due a minute ago and set yesterday."""
    env = server_env(api_url, folder / "bot.db")
    made = subprocess.run([backend_bot(), "schedule", "list"], env=env, cwd=folder, capture_output=True, text=True,
                          timeout=60)
    if made.returncode != 0:
        raise BenchError(f"`backend-bot schedule list` failed ({made.returncode}):\n{made.stderr}")
    now = datetime.now(timezone.utc)
    # A minute ago, but never yesterday: a time from before midnight would not be due until tomorrow.
    due = max(now - timedelta(minutes=1), now.replace(hour=0, minute=0, second=0, microsecond=0))
    updated = (now - timedelta(days=1)).isoformat(timespec="seconds")
    rows = [("slack", TEAM_ID, f"C{number:07d}", "tip", due.strftime("%H:%M"), "UTC", "daily", 480, 1, "",
             updated, "bench") for number in range(SCHEDULES)]
    insert_rows(folder / "bot.db", rows)


def insert_rows(database: Path, rows: list[tuple]) -> None:
    sql = ("INSERT INTO schedules (platform, workspace, channel, kind, time, timezone, days, close_minutes, enabled, "
           "paused_reason, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
    con = sqlite3.connect(database)
    try:
        with con:
            con.executemany(sql, rows)
    except sqlite3.Error as error:
        columns = [row[1] for row in con.execute("PRAGMA table_info(schedules)")]
        raise BenchError(f"cannot insert schedules ({error}); the table's columns are {columns}") from error
    finally:
        con.close()


async def scenario_schedules_due(run: Run, results: list[LevelStats]) -> None:
    """Each level on a new bot whose database holds SCHEDULES due tips: the posting starts as the level runs."""
    for concurrency in run.levels:
        folder = run.fresh_folder(f"schedules-due-{concurrency}")
        fill_schedules(folder, run.standin.api_url)
        run.standin.tips.clear()
        bot = await start_bot(run.standin.api_url, folder)
        ready = time.monotonic()
        try:
            # No warm-up: the posting starts as soon as the bot is up, and its first seconds are what is measured.
            log(f"  backend-bot, c={concurrency}, {SCHEDULES} tips due")
            stats = await measure(bot, run.standin, run.events, concurrency, run.reply_timeout,
                                  count=run.count_for(concurrency), spread=run.burst_seconds)
        finally:
            bot.stop()
        stats.tips = len(run.standin.tips)
        add_tip_note(stats, run.standin.tips, ready)
        add_stderr_notes(bot, stats)
        results.append(stats)


def add_tip_note(stats: LevelStats, tips: list[float], ready: float) -> None:
    if tips:
        stats.notes.append(f"c={stats.concurrency}: {len(tips)}/{SCHEDULES} tips, the first at "
                           f"{tips[0] - ready:+.1f} s and the last at {tips[-1] - ready:+.1f} s from the bot's first "
                           "200 on /healthz")
    else:
        stats.notes.append(f"c={stats.concurrency}: no tip arrived during the level")


def add_stderr_notes(server: Server, stats: LevelStats | None) -> None:
    """What the server complained about over its life (it logs warnings and errors only), errors first."""
    lines = server.stderr_text().splitlines()
    errors = [line for line in lines if any(word in line for word in ("ERROR", "CRITICAL", "Traceback"))]
    warnings = [line for line in lines if "WARNING" in line]
    if stats is None or not (errors or warnings):
        return
    # Drop the timestamp and fold numbers (event ids, ports), so a message repeated a thousand times shows once.
    kinds = dict.fromkeys(re.sub(r"\d+", "N", line.split(" ", 2)[-1])[:150] for line in errors + warnings)
    stats.notes.append(f"{server.name} stderr: {len(errors)} error and {len(warnings)} warning line(s): "
                       + " | ".join(list(kinds)[:3]))


# ---------------------------------------------------------------- output

COLUMNS = (("target", 11, "{}"), ("sent", 6, "{:d}"), ("err", 4, "{:d}"), ("acks/s", 7, "{:.0f}"),
           ("ack p50", 8, "{:.1f}"), ("ack p99", 8, "{:.1f}"), ("ack max", 8, "{:.0f}"), (">3s", 4, "{:d}"),
           ("rep p50", 8, "{:.0f}"), ("rep p99", 8, "{:.0f}"), ("rep/s", 6, "{:.0f}"), ("miss", 5, "{:d}"),
           ("double", 6, "{:d}"), ("CPU/reply", 9, "{:.2f}"), ("x bare", 6, "{:.1f}"), ("RSS MiB", 8, "{:.0f}"),
           ("tips", 6, "{:d}"))


def row(concurrency: str, target: str, stats: LevelStats, ratio: float | None) -> str:
    values = {"target": target, "sent": stats.sent, "err": stats.errors, "acks/s": stats.acks_per_s,
              "ack p50": stats.ack_p50_ms, "ack p99": stats.ack_p99_ms, "ack max": stats.ack_max_ms,
              ">3s": stats.slow_acks, "rep p50": stats.reply_p50_ms, "rep p99": stats.reply_p99_ms,
              "rep/s": stats.replies_per_s, "miss": stats.missing, "double": stats.doubled,
              "CPU/reply": stats.cpu_ms_per_reply, "x bare": ratio, "RSS MiB": stats.rss_mib, "tips": stats.tips}
    cells = [f"{concurrency:>5}"]
    for name, width, form in COLUMNS:
        value = values[name]
        text = "-" if value is None or (isinstance(value, float) and math.isnan(value)) else form.format(value)
        cells.append(f"{text:<{width}}" if name == "target" else f"{text:>{width}}")
    return " ".join(cells)


def ratio_of(numerator: float, denominator: float | None) -> float:
    return numerator / denominator if denominator else math.nan


def totals(stats: list[LevelStats]) -> tuple[float, float]:
    """(CPU ms per reply over every level, worst ack ms)."""
    replies = sum(s.replies for s in stats)
    cpu = sum(s.cpu_ms_per_reply * s.replies for s in stats if s.replies)
    return (cpu / replies if replies else math.nan), max((s.ack_max_ms for s in stats), default=math.nan)


def print_scenario(name: str, bot: list[LevelStats], baseline: dict[int, LevelStats],
                   args: argparse.Namespace) -> None:
    print(f"\n== {name}: {describe_load(name, args)}; times in ms; bare Bolt under plain load")
    print(" " * 6 + " ".join(f"{title:<{w}}" if title == "target" else f"{title:>{w}}" for title, w, _ in COLUMNS))
    for stats in bot:
        base = baseline.get(stats.concurrency)
        ratio = ratio_of(stats.cpu_ms_per_reply, base.cpu_ms_per_reply) if base else None
        print(row(f"c={stats.concurrency}", "backend-bot", stats, ratio))
        if base:
            print(row("", "bare Bolt", base, None))
    bot_cpu, bot_max = totals(bot)
    base_cpu, base_max = totals([baseline[s.concurrency] for s in bot if s.concurrency in baseline])
    print(f"CPU per reply: bot {bot_cpu:.2f} ms, bare Bolt {base_cpu:.2f} ms, ratio {ratio_of(bot_cpu, base_cpu):.1f}")
    print(f"max ack: bot {bot_max:.0f} ms, bare Bolt {base_max:.0f} ms")
    for stats in [*bot, *(baseline[s.concurrency] for s in bot if s.concurrency in baseline)]:
        for note in stats.notes:
            print(f"  note: {note}")
        if stats.client_cpu_share > 0.9:
            print(f"  note: c={stats.concurrency}: the benchmark process used {stats.client_cpu_share:.0%} of a core "
                  "while sending; the client may have been the limit")


def describe_load(name: str, args: argparse.Namespace) -> str:
    counts = "/".join(str(count) for count in sorted({requests_for(c, args.requests) for c in args.levels}))
    if name == "db-lock":
        return (f"{counts} requests per level spread over {LOCKED_WINDOW:g} s, while another process holds the "
                f"write lock for {LOCK_SECONDS:g} s")
    if name == "schedules-due":
        return (f"a new bot per level with {SCHEDULES} tips due; {counts} requests per level spread over "
                f"{args.burst_seconds:g} s from when it is up; CPU/reply includes the tips")
    return f"{counts} requests per level, back to back"


def as_json(results: dict[str, list[LevelStats]], baseline: dict[int, LevelStats]) -> dict:
    scenarios = {}
    for name, stats in results.items():
        paired = [(s, baseline.get(s.concurrency)) for s in stats]
        bot_cpu, bot_max = totals(stats)
        base_cpu, base_max = totals([base for _, base in paired if base])
        scenarios[name] = {
            "levels": [{"concurrency": s.concurrency, "bot": asdict(s), "baseline": asdict(base) if base else None}
                       for s, base in paired],
            "cpu_ms_per_reply": {"bot": bot_cpu, "baseline": base_cpu, "ratio": ratio_of(bot_cpu, base_cpu)},
            "max_ack_ms": {"bot": bot_max, "baseline": base_max}}
    return without_nan({"clock_ticks_per_s": CLOCK_TICKS, "scenarios": scenarios})


def without_nan(value):
    """NaN (no values to take a percentile of) is not JSON; null is."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {key: without_nan(item) for key, item in value.items()}
    if isinstance(value, list):
        return [without_nan(item) for item in value]
    return value


# ---------------------------------------------------------------- main


@dataclass
class Report:
    """What has been measured so far: filled as the levels finish, so a failure late in a run keeps the rest."""

    results: dict[str, list[LevelStats]] = field(default_factory=dict)
    baseline: dict[int, LevelStats] = field(default_factory=dict)


async def bench(args: argparse.Namespace, report: Report) -> None:
    # SIGTERM (a CI timeout, `kill`) unwinds like Ctrl-C does, through the finally blocks that stop the servers.
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, asyncio.current_task().cancel)
    standin = StandIn()
    await standin.start()
    scenarios = {"plain": scenario_plain, "db-lock": scenario_db_lock, "schedules-due": scenario_schedules_due}
    try:
        with tempfile.TemporaryDirectory(prefix="bench-slack-") as folder:
            run = Run(standin, Events(), Path(folder), args.levels, args.requests, args.reply_timeout,
                      args.burst_seconds, report.baseline)
            log("bare Bolt baseline")
            await measure_baseline(run)
            for name in args.scenarios:
                log(f"scenario {name}")
                await scenarios[name](run, report.results.setdefault(name, []))
    finally:
        await standin.stop()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", choices=(*SCENARIOS, "all"), default="all")
    parser.add_argument("--levels", default=DEFAULT_LEVELS, help="concurrency levels, comma-separated")
    parser.add_argument("--requests", type=int, default=None,
                        help="requests per level (default 200 at concurrency 1, else 1000)")
    parser.add_argument("--reply-timeout", type=float, default=30.0, help="seconds to wait for missing replies")
    parser.add_argument("--burst-seconds", type=float, default=10.0,
                        help="schedules-due: seconds over which a level's requests are spread")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON instead of tables")
    parser.add_argument("--baseline-server", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.levels = list(dict.fromkeys(int(part) for part in args.levels.split(",") if part.strip()))
    if not args.levels or min(args.levels) < 1 or (args.requests is not None and args.requests < 1):
        parser.error("levels and --requests must be positive")
    args.scenarios = list(SCENARIOS) if args.scenario == "all" else [args.scenario]
    return args


def warn_if_not_working_tree() -> None:
    spec = importlib.util.find_spec("bot")
    origin = Path(spec.origin).resolve() if spec and spec.origin else None
    if origin is None or REPO not in origin.parents:
        log(f"warning: `bot` imports from {origin}, not this working tree; run `pip install -e {REPO}`")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.baseline_server:
        run_baseline_server(args.baseline_server, args.api_url)
        return 0
    warn_if_not_working_tree()
    # Other work on the machine moves every figure; the load average says whether there was any.
    load_before = os.getloadavg()[0]
    report, failure = Report(), None
    try:
        asyncio.run(bench(args, report))
    except BenchError as error:
        failure = error
    except (KeyboardInterrupt, asyncio.CancelledError):
        log("interrupted; the servers were stopped")
        return 130
    print_report(args, report, load_before)
    if failure is not None:
        log(f"error: {failure}")
        return 1
    return 0


def print_report(args: argparse.Namespace, report: Report, load_before: float) -> None:
    machine = {"cpus": os.cpu_count(), "load_1min_before": load_before, "load_1min_after": os.getloadavg()[0]}
    finished = {name: stats for name, stats in report.results.items() if stats}
    if args.json:
        print(json.dumps({**machine, **as_json(finished, report.baseline)}, indent=2))
        return
    print(f"{machine['cpus']} CPUs; 1-minute load average {load_before:.2f} before the run, "
          f"{machine['load_1min_after']:.2f} after")
    for name, stats in finished.items():
        print_scenario(name, stats, report.baseline, args)


if __name__ == "__main__":
    sys.exit(main())
