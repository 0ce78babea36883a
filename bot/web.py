"""The operator's HTTP port: /healthz and /metrics, and the paths platforms mount (Slack's /slack/events)."""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web

from .adapters.base import Link
from .connections import BACKLOG, ConnectionGuard
from .learning import LiveKnowledge
from .metrics import CONTENT_TYPE, Metrics
from .storage import SqlDatabase

log = logging.getLogger(__name__)
HEALTH_PATH, METRICS_PATH = "/healthz", "/metrics"
# Slow or idle clients are cut off after this, so they cannot hold connections that real deliveries need.
READ_TIMEOUT = 10.0
CHECK_EVERY = 1.0


class OperatorPort:
    def __init__(self, db: SqlDatabase, metrics: Metrics, links: Mapping[str, Link], live: LiveKnowledge):
        self.db, self.metrics, self.links, self.live = db, metrics, links, live
        self.mounted: dict[str, Callable[[web.Request], Awaitable[web.StreamResponse]]] = {}
        self.runner: web.AppRunner | None = None
        self.guard = ConnectionGuard()
        self.sweeper: asyncio.Task | None = None
        self.checked_at, self.problem = float("-inf"), ""

    def mount(self, path: str, handler) -> None:
        self.mounted[path] = handler

    async def health(self) -> tuple[bool, dict]:
        """200 only while every platform is connected and the database answers; the body says which is not."""
        problem = await self.database_problem()
        platforms = {name: link.describe() for name, link in self.links.items()}
        ok = not problem and all(link.is_up for link in self.links.values())
        body = {"ok": ok, "entries": len(self.live.responder.knowledge.entries), "platforms": platforms,
                "database": problem or "ok"}
        if self.live.problem:
            # Still healthy: the last good knowledge keeps serving while the broken edit waits to be fixed.
            body["knowledge"] = self.live.problem
        return ok, body

    async def database_problem(self) -> str:
        """The database's answer, asked at most once a second: a flood of /healthz requests opens no flood of
        connections and threads."""
        now = time.monotonic()
        if now - self.checked_at >= CHECK_EVERY:
            self.checked_at = now
            try:
                self.problem = await asyncio.wait_for(asyncio.to_thread(self.db.check), 2.0)
            except asyncio.TimeoutError:
                self.problem = "the database did not answer within 2 s"
        return self.problem

    async def handle_health(self, _request: web.Request) -> web.Response:
        ok, body = await self.health()
        return web.json_response(body, status=200 if ok else 503)

    async def handle_metrics(self, _request: web.Request) -> web.Response:
        response = web.Response(body=self.metrics.render())
        response.content_type = CONTENT_TYPE.split(";")[0]
        return response

    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        handler = self.mounted.get(request.path)
        if handler is None:
            return web.Response(status=404, text="not found")
        return await handler(request)

    async def start(self, host: str, port: int) -> int:
        """Listening when it returns; the port (useful when `port` is 0)."""
        app = web.Application(client_max_size=1024 ** 2, middlewares=[self.guard.mark_served])
        app.router.add_get(HEALTH_PATH, self.handle_health)
        app.router.add_get(METRICS_PATH, self.handle_metrics)
        app.router.add_route("*", "/{path:.*}", self.dispatch)
        self.runner = web.AppRunner(app, access_log=None, keepalive_timeout=READ_TIMEOUT)
        await self.runner.setup()
        self.guard.attach(self.runner.server)
        self.sweeper = asyncio.create_task(self.guard.sweep_forever())
        await web.TCPSite(self.runner, host, port, backlog=BACKLOG).start()
        bound = self.runner.addresses[0][1]
        log.info("operator port %s: %s and %s", bound, HEALTH_PATH, METRICS_PATH)
        return bound

    async def stop(self) -> None:
        if self.sweeper is not None:
            self.sweeper.cancel()
        if self.runner is not None:
            await self.runner.cleanup()
