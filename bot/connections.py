"""Keeps the operator's port open to real requests under hostile traffic: a cap on open connections below the
process's open-file limit, and idle connections (none of a request yet, or kept alive after one) are dropped,
oldest first."""

import asyncio
import logging
import resource
import time

from aiohttp import web

log = logging.getLogger(__name__)
# A client that has not sent one whole request by then is not Slack, whose deliveries take milliseconds; a
# connection kept alive after a request waits as long for the next one.
FIRST_REQUEST_SECONDS = 10.0
# New connections the listening socket queues. asyncio accepts up to this many in one turn of its loop, and the
# cap only sees them (and a dropped one's file only closes) a few turns later.
BACKLOG = 16
# Turns of the loop between accepting a connection and closing it when the cap drops it: up to this many bursts of
# accepts are open on top of the cap.
BURSTS_IN_FLIGHT = 4
# Files the process needs besides the capped connections: the bursts in flight, the database, logs, the model, and
# the outgoing connections to Slack (at most 32: slack/app.py) and Discord.
SPARE_FILES = BURSTS_IN_FLIGHT * BACKLOG + 128
MAX_CONNECTIONS = 1000


def connection_cap() -> int:
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return max(16, min(MAX_CONNECTIONS, soft - SPARE_FILES)) if soft != resource.RLIM_INFINITY else MAX_CONNECTIONS


class ConnectionGuard:
    """Watches aiohttp's server through its connection hooks; `mark_served` is its middleware."""

    def __init__(self, cap: int | None = None, first_request_seconds: float = FIRST_REQUEST_SECONDS):
        self.cap = cap or connection_cap()
        self.first_request_seconds = first_request_seconds
        self.waiting: dict[asyncio.BaseTransport, float] = {}  # idle: connected or served, no request since when
        self.open = 0
        self.dropped = 0

    def attach(self, server: web.Server) -> None:
        made, lost = server.connection_made, server.connection_lost

        def connection_made(handler, transport) -> None:
            made(handler, transport)
            self.open += 1
            self.waiting[transport] = time.monotonic()
            if self.open > self.cap:
                self._drop(min(self.waiting, key=self.waiting.get))

        def connection_lost(handler, exc) -> None:
            self.open -= 1
            self.waiting.pop(handler.transport, None) if handler.transport else None
            lost(handler, exc)

        server.connection_made, server.connection_lost = connection_made, connection_lost

    @web.middleware
    async def mark_served(self, request: web.Request, handler):
        transport = request.transport
        self.waiting.pop(transport, None)
        try:
            return await handler(request)
        finally:
            # Kept alive, it is idle again: clients that ask once and hold their connections must not fill the cap
            # and leave only Slack's new connections to be dropped.
            if transport is not None and not transport.is_closing():
                self.waiting[transport] = time.monotonic()

    def sweep(self) -> None:
        """Drops every connection that has been idle too long: no whole request yet, or none since the last."""
        deadline = time.monotonic() - self.first_request_seconds
        for transport in [transport for transport, since in self.waiting.items() if since < deadline]:
            self._drop(transport)

    def _drop(self, transport: asyncio.BaseTransport) -> None:
        self.waiting.pop(transport, None)
        transport.abort()
        self.dropped += 1
        if self.dropped in (1, 10, 100) or self.dropped % 1000 == 0:
            log.warning("dropped %d idle connection(s): no request in time, or over the cap "
                        "(a slow or flooding client)", self.dropped)

    async def sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            self.sweep()
