"""Slack HTTP mode over 1, 2 and 4 `backend-bot serve` replicas on one PostgreSQL, and 1 on SQLite, in one run:
replies a second, ack p99, CPU per reply, and whether every event was answered exactly once."""

import argparse
import asyncio
import itertools
import math
import os
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from bench_slack_http import (CLOCK_TICKS, REQUEST_TIMEOUT, BenchError, Events, Server, StandIn, backend_bot,
                              free_port, launch, log, percentile, per_second, server_env, wait_ready, warm_up)

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
from postgres_server import NO_SERVER, PostgresServer, find_bindir  # noqa: E402 (the tests' own server, reused)

CONFIGURATIONS = (("postgresql", 1), ("postgresql", 2), ("postgresql", 4), ("sqlite", 1))
RETRY_EVERY = 5  # every 5th event is also delivered, at the same moment, to the next replica as Slack's retry
RETRY_HEADERS = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}


@dataclass
class Figures:
    backend: str
    replicas: int
    events: int
    retries: int
    errors: int
    replies_per_s: float
    ack_p50_ms: float
    ack_p99_ms: float
    bot_cpu_ms_per_reply: float
    db_cpu_ms_per_reply: float
    doubled: int
    missing: int


def database_cpu_ticks(server: PostgresServer | None) -> int:
    """utime + stime of the PostgreSQL server and its live backends (the pool keeps them open through a run)."""
    if server is None:
        return 0
    postmaster = int((server.data / "postmaster.pid").read_text().split()[0])
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        if int(fields[1]) == postmaster or stat.parent.name == str(postmaster):
            total += int(fields[11]) + int(fields[12])
    return total


async def start_replicas(count: int, database: str, api_url: str, folder: Path) -> list[Server]:
    replicas = []
    try:
        for number in range(count):
            port = free_port()
            replicas.append(launch(f"replica-{number + 1}", [backend_bot(), "serve", "--port", str(port)],
                                   server_env(api_url, database), folder, port))
        for replica in replicas:
            await wait_ready(replica)
    except BaseException:
        stop_all(replicas)
        raise
    return replicas


def stop_all(replicas: list[Server]) -> None:
    for replica in replicas:
        if replica.process.poll() is None:
            replica.process.send_signal(signal.SIGTERM)
    for replica in replicas:
        replica.stop()


@dataclass
class Delivery:
    ts: str
    ack_ms: float
    status: int


async def post(session: aiohttp.ClientSession, replica: Server, body: bytes, headers: dict, ts: str) -> Delivery:
    sent_at = time.monotonic()
    try:
        async with session.post(f"{replica.url}/slack/events", data=body, headers=headers) as response:
            await response.read()
            status = response.status
    except (aiohttp.ClientError, asyncio.TimeoutError):
        status = 0
    return Delivery(ts, (time.monotonic() - sent_at) * 1e3, status)


async def drive(replicas: list[Server], events: Events, concurrency: int, seconds: float) -> list[Delivery]:
    """Events round-robin over the replicas for `seconds`, `concurrency` at a time; some with a retry elsewhere."""
    numbers = itertools.count()
    stop_at = time.monotonic() + seconds
    done: list[Delivery] = []
    connector = aiohttp.TCPConnector(limit=concurrency * 2)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        async def worker():
            while time.monotonic() < stop_at:
                number = next(numbers)
                ts, body, headers = events.next()
                sends = [post(session, replicas[number % len(replicas)], body, headers, ts)]
                if number % RETRY_EVERY == 0:
                    retry_to = replicas[(number + 1) % len(replicas)]
                    sends.append(post(session, retry_to, body, {**headers, **RETRY_HEADERS}, ts))
                done.extend(await asyncio.gather(*sends))

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done


async def measure(backend: str, replicas: list[Server], standin: StandIn, events: Events,
                  database: PostgresServer | None, concurrency: int, seconds: float) -> Figures:
    for replica in replicas:
        await warm_up(replica, standin, events)
    bot_before = sum(replica.cpu_ticks() for replica in replicas)
    db_before = database_cpu_ticks(database)
    started = time.monotonic()
    deliveries = await drive(replicas, events, concurrency, seconds)
    expected = {d.ts for d in deliveries}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(ts not in standin.replies for ts in expected):
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)  # a second answer, were there one, shows by now
    for replica in replicas:
        if replica.process.poll() is not None:
            raise BenchError(f"{replica.name} exited during the load:\n{replica.stderr_text()[-3000:]}")
    bot_ms = (sum(replica.cpu_ticks() for replica in replicas) - bot_before) * 1e3 / CLOCK_TICKS
    db_ms = (database_cpu_ticks(database) - db_before) * 1e3 / CLOCK_TICKS
    answered = [ts for ts in expected if ts in standin.replies]
    last_reply = max((standin.replies[ts][0] for ts in answered), default=math.nan)
    acks = [d.ack_ms for d in deliveries if d.status == 200]
    return Figures(backend, len(replicas), len(expected), len(deliveries) - len(expected),
                   sum(d.status != 200 for d in deliveries), per_second(len(answered), last_reply - started),
                   percentile(acks, 0.50), percentile(acks, 0.99), ratio(bot_ms, len(answered)),
                   ratio(db_ms, len(answered)) if database else math.nan,
                   sum(len(standin.replies[ts]) > 1 for ts in answered), len(expected) - len(answered))


def ratio(numerator: float, denominator: int) -> float:
    return numerator / denominator if denominator else math.nan


async def run_configuration(backend: str, count: int, standin: StandIn, events: Events, server: PostgresServer,
                            folder: Path, args: argparse.Namespace) -> Figures:
    if backend == "postgresql":
        name = f"bench_{count}_{os.getpid()}"
        server.admin(f"CREATE DATABASE {name}")
        database = server.url(name)
    else:
        database = str(folder / f"sqlite-{count}.db")
    place = folder / f"{backend}-{count}"
    place.mkdir()
    replicas = await start_replicas(count, database, standin.api_url, place)
    try:
        return await measure(backend, replicas, standin, events, server if backend == "postgresql" else None,
                             args.concurrency, args.seconds)
    finally:
        stop_all(replicas)


async def bench(args: argparse.Namespace) -> list[Figures]:
    bindir = find_bindir()
    if bindir is None:
        raise BenchError(NO_SERVER)
    server = PostgresServer(bindir).start()
    standin = StandIn()
    await standin.start()
    results = []
    try:
        with tempfile.TemporaryDirectory(prefix="bench-replicas-") as folder:
            events = Events()
            for backend, count in CONFIGURATIONS:
                log(f"{count} replica(s) on {backend}")
                results.append(await run_configuration(backend, count, standin, events, server, Path(folder), args))
    finally:
        await standin.stop()
        server.stop()
    return results


def print_table(results: list[Figures], args: argparse.Namespace, load_before: float) -> None:
    print(f"nproc {os.cpu_count()}; load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after; "
          f"{args.seconds:g} s of load per configuration, {args.concurrency} events in flight, "
          f"every {RETRY_EVERY}th also retried to the next replica")
    print("| database | replicas | events (+retries) | replies/s | ack p50 / p99 | bot CPU per reply | "
          "PostgreSQL CPU per reply | answered twice / missing |")
    print("|---|---|---|---|---|---|---|---|")
    for each in results:
        database_cpu = "-" if math.isnan(each.db_cpu_ms_per_reply) else f"{each.db_cpu_ms_per_reply:.2f} ms"
        print(f"| {each.backend} | {each.replicas} | {each.events} (+{each.retries}) | {each.replies_per_s:.0f} | "
              f"{each.ack_p50_ms:.0f} / {each.ack_p99_ms:.0f} ms | {each.bot_cpu_ms_per_reply:.2f} ms | "
              f"{database_cpu} | {each.doubled} / {each.missing} |")
        if each.errors:
            print(f"  ({each.errors} deliveries were not acknowledged with 200)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=4.0, help="seconds of load per configuration")
    parser.add_argument("--concurrency", type=int, default=16, help="events in flight at once")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()[0]
    try:
        results = asyncio.run(bench(args))
    except BenchError as error:
        log(f"error: {error}")
        return 1
    except KeyboardInterrupt:
        log("interrupted; the servers were stopped")
        return 130
    print_table(results, args, load_before)
    return 0 if all(each.doubled == 0 and each.missing == 0 for each in results) else 1


if __name__ == "__main__":
    sys.exit(main())
