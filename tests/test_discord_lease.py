"""One Discord gateway session for many replicas: a lease in the database decides which replica holds it; when
the holder dies another takes over within 30 s, and a holder paused past its lease never answers again, so no
interaction is answered twice. Real `backend-bot serve` processes, real signals, on SQLite and PostgreSQL."""

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from discord_standin import DiscordStandIn

from bot.storage import open_storage

pytestmark = pytest.mark.usefixtures("database")
LEASE_SECONDS = 4


def test_a_lease_has_one_holder_at_a_time_and_every_new_holder_a_larger_token(database):
    first, second = open_storage(database), open_storage(database)
    try:
        token = first.leases.acquire("discord-gateway", "a", 0.6)
        assert token == 1
        assert second.leases.acquire("discord-gateway", "b", 0.6) is None
        assert first.leases.renew("discord-gateway", "a", token, 0.6)
        time.sleep(0.8)  # not renewed: it runs out
        assert second.leases.acquire("discord-gateway", "b", 5) == 2
        assert not first.leases.renew("discord-gateway", "a", token, 5)  # the old holder is fenced off
        assert first.leases.acquire("discord-gateway", "a", 5) is None
        second.leases.release("discord-gateway", "b", 2)
        assert first.leases.acquire("discord-gateway", "a", 5) == 3
    finally:
        first.close()
        second.close()


class Replica:
    def __init__(self, name: str, folder: Path, environment: dict):
        self.name, self.log = name, folder / f"{name}.log"
        self.environment = environment
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> "Replica":
        with self.log.open("w") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "serve", cwd=self.log.parent, env=self.environment,
                stdout=asyncio.subprocess.DEVNULL, stderr=log)
        return self

    def said(self, words: str) -> bool:
        return words in self.log.read_text(errors="replace")

    async def until_said(self, words: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not self.said(words):
            assert time.monotonic() < deadline, f"{self.name} never said {words!r}:\n{self.log.read_text()[-2000:]}"
            await asyncio.sleep(0.1)

    def signal(self, number: int) -> None:
        os.kill(self.process.pid, number)

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.kill()
        await self.process.wait()


@pytest.fixture
async def replicas(database, tmp_path):
    server = await DiscordStandIn().start()
    server.to_every_session = True  # as Discord: every open session of the bot hears its events
    environment = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "BOT_DATABASE": str(database),
                   "BOT_LEASE_SECONDS": str(LEASE_SECONDS), "LOG_LEVEL": "INFO", **server.variables()}
    started: list[Replica] = []

    async def start(name: str) -> Replica:
        started.append(await Replica(name, tmp_path, environment).start())
        return started[-1]

    try:
        yield server, start
    finally:
        for replica in started:
            if replica.process.returncode is None:
                replica.signal(signal.SIGCONT)
            await replica.stop()
        await server.close()


async def answered_once_each(server: DiscordStandIn, questions: list[str]) -> list[str]:
    interactions = [await server.ask(question) for question in questions]
    for interaction in interactions:
        await server.callback_for(interaction)
    await asyncio.sleep(2.0)  # room for a second, fenced-off answer to arrive, if one were coming
    assert [server.callback_attempts[interaction] for interaction in interactions] == [1] * len(interactions)
    return interactions


async def holder_and_standby(replicas) -> tuple[DiscordStandIn, Replica, Replica]:
    """A first replica holding the gateway, and a second standing by."""
    server, start = replicas
    first = await start("first")
    await server.wait_until(lambda: len(server.identifies) == 1, timeout=30)
    await first.until_said("discord: connected as")  # its session is open and reading, not half-way there
    second = await start("second")
    await second.until_said("another process holds the lease; standing by")
    return server, first, second


async def test_when_the_lease_holder_is_killed_another_replica_takes_the_gateway_within_30_seconds(replicas):
    server, first, second = await holder_and_standby(replicas)
    await answered_once_each(server, ["how do I make a request idempotent?", "when should I use a cache?"])
    assert len(server.identifies) == 1  # the standby never opened a second session

    first.signal(signal.SIGKILL)
    killed = time.monotonic()
    await server.wait_until(lambda: len(server.identifies) == 2, timeout=30)
    assert time.monotonic() - killed < 30
    await second.until_said("holding the lease")
    await answered_once_each(server, ["how do I scale a backend?"])


async def test_a_holder_paused_past_its_lease_answers_nothing_once_it_wakes(replicas):
    server, first, second = await holder_and_standby(replicas)

    first.signal(signal.SIGSTOP)  # a partition, a long GC pause, a frozen VM: it cannot renew
    await server.wait_until(lambda: len(server.identifies) == 2, timeout=30)
    await second.until_said("holding the lease")
    # Both sessions hear these: the new holder answers them, and the paused one finds them waiting when it wakes.
    interactions = await answered_once_each(server, ["how do I make a request idempotent?",
                                                     "what does idempotent mean?", "how do I deploy a backend?"])
    first.signal(signal.SIGCONT)
    await first.until_said("arrived after the gateway lease ran out here")  # it did hear them: the fence held
    await first.until_said("lease lost")
    await asyncio.sleep(1.0)  # room for a late answer from the woken replica, if one were coming
    assert [server.callback_attempts[interaction] for interaction in interactions] == [1] * len(interactions)
