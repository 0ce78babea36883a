"""Holding a lease: one process of many runs a piece of work (the Discord gateway session) while it holds the
lease, and stops it the moment it cannot be sure it still does.

The lease runs out on the database's clock, `seconds` after its last renewal. The holder counts its own
validity from *before* it asked to renew, minus a margin, on its monotonic clock, so it always believes it holds
the lease for less time than the database grants it: a holder that is paused (SIGSTOP), cut off from the
database or starved stops answering before any other process can take over. Every event the work handles asks
`is_held()` first: that is the fence.
"""

import asyncio
import logging
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

# A holder renews every RENEW_SECONDS; another process takes over at most `seconds` after the holder's last
# renewal plus one WAIT_SECONDS look, which with the default 15 s stays well inside the 30 s the issue allows.
DEFAULT_SECONDS = 15.0
# The holder stops trusting its lease this much before the database says it runs out.
MARGIN_SECONDS = 2.0

Acquire = Callable[[], Awaitable[int | None]]
Renew = Callable[[int], Awaitable[bool]]
Release = Callable[[int], Awaitable[None]]


def holder_name() -> str:
    """This process, as the lease table names it: host, pid and a random part (pids are reused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class LeaseHolder:
    def __init__(self, name: str, acquire: Acquire, renew: Renew, release: Release,
                 seconds: float = DEFAULT_SECONDS):
        self.name = name
        self._acquire, self._renew, self._release = acquire, renew, release
        self.seconds = seconds
        self.renew_every = seconds / 5
        self.wait_every = min(2.0, seconds / 5)
        self.margin = min(MARGIN_SECONDS, seconds / 5)
        self.token: int | None = None
        self.valid_until = 0.0
        self.on_change: Callable[[bool], None] = lambda held: None

    def is_held(self) -> bool:
        """True only while this process certainly holds the lease; asked before every answer."""
        return self.token is not None and time.monotonic() < self.valid_until

    async def hold(self, work: Callable[[], Awaitable[None]]) -> None:
        """Waits for the lease, runs `work` while it is held, stops it when the lease is lost, and waits again;
        returns when `work` returns, raises what it raises. Cancelled (a clean stop), it gives the lease back."""
        while True:
            await self._wait_for_lease()
            running = asyncio.create_task(work(), name=f"{self.name} (lease holder)")
            try:
                await self._keep_while(running)
            except asyncio.CancelledError:
                await asyncio.shield(self._give_back())
                raise
            finally:
                self._lose()
                if not running.done():
                    running.cancel()
                    await asyncio.gather(running, return_exceptions=True)
            if running.done() and not running.cancelled():
                running.result()  # the work ended by itself: its outcome (or its error) is the platform's
                return
            log.warning("%s: lease lost; stopped, and waiting to hold it again", self.name)

    async def _give_back(self) -> None:
        """A clean stop ends the lease now, so another process need not wait for it to run out."""
        if self.token is None:
            return
        try:
            await self._release(self.token)
        except Exception as error:  # the lease then simply runs out
            log.warning("%s: could not give the lease back (%s); it runs out by itself", self.name, error)

    async def _wait_for_lease(self) -> None:
        waited = False
        while True:
            started = time.monotonic()
            try:
                token = await self._acquire()
            except Exception as error:
                log.warning("%s: cannot reach the lease (%s); trying again", self.name, error)
                token = None
            if token is not None:
                self.token, self.valid_until = token, started + self.seconds - self.margin
                log.info("%s: holding the lease (fencing token %s)", self.name, token)
                self.on_change(True)
                return
            if not waited:
                log.info("%s: another process holds the lease; standing by", self.name)
                self.on_change(False)
                waited = True
            await asyncio.sleep(self.wait_every)

    async def _keep_while(self, running: asyncio.Task) -> None:
        """Renews until the work ends or the lease is lost (refused, or not renewed before it runs out)."""
        while not running.done():
            await asyncio.wait({running}, timeout=self.renew_every)
            if running.done():
                return
            started = time.monotonic()
            try:
                renewed = await asyncio.wait_for(self._renew(self.token), max(0.1, self.valid_until - started))
            except Exception as error:
                renewed = None
                log.warning("%s: could not renew the lease (%s)", self.name, error or type(error).__name__)
            if renewed:
                self.valid_until = started + self.seconds - self.margin
            elif renewed is False or not self.is_held():
                return

    def _lose(self) -> None:
        if self.token is not None:
            self.token = None
            self.on_change(False)

    def __repr__(self) -> str:
        return f"LeaseHolder({self.name!r}, held={self.is_held()})"
