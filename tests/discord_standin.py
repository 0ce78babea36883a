"""A stand-in Discord for tests: REST and gateway on 127.0.0.1, speaking what discord.py 2.7.1 parses."""

import asyncio
import itertools
import re
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import pytest
from aiohttp import web

from discord_gateway import DiscordGateway
# The ids and users are imported from here by the tests.
from discord_payloads import (ALICE, BOT_ID, BOT_PERMISSIONS, BOT_USER, CHANNEL_ID, DM_CHANNEL_ID,  # noqa: F401
                              GUILD_ID, MEMBER_PERMISSIONS, MISSING_ACCESS, OTHER_BOT, TOKEN, UNKNOWN_CHANNEL,
                              UNKNOWN_MESSAGE, application, as_json, bad_form_body, message_payload,
                              problems_with_commands, problems_with_message)

from bot.adapters.discord.app import build_discord_client
from bot.wiring import Bot, build_bot
from bot.scheduler import Scheduler
from bot.wiring import build_scheduler

ACK_SECONDS = 3.0


@dataclass
class Call:
    method: str
    path: str
    body: object
    status: int
    at: float = field(default_factory=time.monotonic)


class DiscordStandIn(DiscordGateway):
    """One aiohttp server: REST under /api/v10 and the gateway at /gateway; every REST call is recorded."""

    def __init__(self):
        super().__init__()
        self.calls: list[Call] = []
        self.messages: list[dict] = []
        self.callbacks: dict[str, dict] = {}
        self.callback_attempts: dict[str, int] = {}
        self.answered_at: dict[str, float] = {}
        self.response_messages: dict[str, dict] = {}
        # What followed a deferred ("thinking...") callback, by interaction: the answer the person finally sees.
        self.followups: dict[str, list[dict]] = {}
        self._interaction_of_token: dict[str, str] = {}
        self.commands: dict[str, list[dict]] = {}
        self.rate_limits: list[tuple[str, re.Pattern, float]] = []
        self.refused_channels: dict[str, tuple[int, dict]] = {}
        self.lost_responses: list[tuple[str, re.Pattern]] = []
        self.accepted_token = TOKEN
        self._ids = itertools.count(7700000000000000000)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def variables(self, token: str = TOKEN) -> dict[str, str]:
        """The environment that points the bot at this stand-in."""
        return {"DISCORD_TOKEN": token, "DISCORD_API_URL": self.api_url, "DISCORD_GATEWAY_URL": self.gateway_url}

    async def start(self) -> "DiscordStandIn":
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]
        return self

    async def close(self) -> None:
        if self.socket is not None and not self.socket.closed:
            await self.socket.close()
        await self._runner.cleanup()

    def next_id(self) -> str:
        return str(next(self._ids))

    async def _note(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_until(self, condition, timeout: float = 10.0):
        """Waits for `condition()` to be truthy as requests and frames arrive; returns its value."""
        async def watch():
            async with self._changed:
                return await self._changed.wait_for(condition)
        return await asyncio.wait_for(watch(), timeout)

    def calls_to(self, method: str, pattern: str) -> list[Call]:
        return [call for call in self.calls if call.method == method and re.search(pattern, call.path)]

    def rate_limit_once(self, method: str, pattern: str, retry_after: float = 0.05) -> None:
        self.rate_limits.append((method, re.compile(pattern), retry_after))

    def refuse_channel(self, channel: int | str, status: int = 403) -> None:
        """From now on the channel answers like one the bot was removed from (403) or that was deleted (404)."""
        self.refused_channels[str(channel)] = (status, MISSING_ACCESS if status == 403 else UNKNOWN_CHANNEL)

    def lose_response_once(self, method: str, pattern: str) -> None:
        """The next matching request is carried out, but the connection drops before the bot hears back."""
        self.lost_responses.append((method, re.compile(pattern)))

    def message(self, message_id: str) -> dict | None:
        return next((message for message in self.messages if message["id"] == str(message_id)), None)

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body = await request.json() if request.can_read_body else None
        response = self._respond(request, path, body)
        self.calls.append(Call(request.method, path, body, response.status))
        await self._note()
        for index, (method, pattern) in enumerate(self.lost_responses):
            if method == request.method and pattern.search(path):
                del self.lost_responses[index]
                request.transport.close()
        return response

    def _respond(self, request: web.Request, path: str, body) -> web.Response:
        # Interaction callbacks and follow-ups are authorised by the interaction token in the path instead.
        needs_token = not path.startswith(("/interactions/", "/webhooks/"))
        if needs_token and request.headers.get("Authorization") != f"Bot {self.accepted_token}":
            return as_json({"message": "401: Unauthorized", "code": 0}, status=401)
        for index, (method, pattern, retry_after) in enumerate(self.rate_limits):
            if method == request.method and pattern.search(path):
                del self.rate_limits[index]
                # discord.py treats a 429 without Via as a Cloudflare ban and raises instead of retrying.
                return as_json({"message": "You are being rate limited.", "retry_after": retry_after,
                                "global": False}, status=429, headers={
                                    "Via": "1.1 google", "X-RateLimit-Scope": "user", "Retry-After": str(retry_after)})
        refused = re.match(r"/channels/(\d+)/", path)
        if refused and refused[1] in self.refused_channels:
            status, error = self.refused_channels[refused[1]]
            return as_json(error, status=status)
        route = self._route(request.method, path)
        if route is None:
            return as_json({"message": "404: Not Found", "code": 0}, status=404)
        handler, match = route
        return handler(body, **match.groupdict())

    def _route(self, method: str, path: str):
        routes = [
            ("GET", r"/users/@me", lambda body: as_json(BOT_USER)),
            ("GET", r"/oauth2/applications/@me", lambda body: as_json(application())),
            ("PUT", r"/applications/\d+(?:/guilds/(?P<guild>\d+))?/commands", self._put_commands),
            ("POST", r"/channels/(?P<channel>\d+)/messages", self._post_message),
            ("GET", r"/channels/(?P<channel>\d+)/messages", self._channel_history),
            ("PATCH", r"/channels/(?P<channel>\d+)/messages/(?P<message_id>\d+)", self._edit_message),
            ("POST", r"/interactions/(?P<interaction>\d+)/(?P<token>[^/]+)/callback", self._post_callback),
            ("POST", r"/webhooks/\d+/(?P<token>[^/]+)", self._post_followup),
        ]
        for route_method, pattern, handler in routes:
            match = re.fullmatch(pattern, path)
            if route_method == method and match:
                return handler, match
        return None

    def _put_commands(self, body, guild=None) -> web.Response:
        problems = problems_with_commands(body)
        if problems:
            return bad_form_body(problems)
        stored = [{"id": self.next_id(), "application_id": str(BOT_ID), "version": "1", "type": 1, **command}
                  for command in body]
        self.commands[guild or "global"] = stored
        return as_json(stored)

    def _store_message(self, channel: str, body: dict) -> dict:
        message = message_payload(self.next_id(), channel, BOT_USER, body.get("content") or "")
        message.update({"embeds": body.get("embeds", []), "components": body.get("components", []),
                        "flags": body.get("flags", 0)})
        for key in ("message_reference", "nonce"):
            if key in body:
                message[key] = body[key]
        self.messages.append(message)
        return message

    def _post_message(self, body, channel) -> web.Response:
        problems = problems_with_message(body)
        if problems:
            return bad_form_body(problems)
        # Discord returns the message already created with the same nonce instead of creating another.
        nonce = body.get("nonce") if body.get("enforce_nonce") else None
        earlier = next((message for message in self.messages if nonce and message.get("nonce") == nonce), None)
        return as_json(earlier or self._store_message(channel, body))

    def _channel_history(self, body, channel) -> web.Response:
        """The channel's messages, newest first, as GET /channels/{id}/messages answers (limit honoured by callers)."""
        return as_json([message for message in reversed(self.messages) if message["channel_id"] == channel][:100])

    def _edit_message(self, body, channel, message_id) -> web.Response:
        message = self.message(message_id)
        if message is None or message["channel_id"] != channel:
            return as_json(UNKNOWN_MESSAGE, status=404)
        problems = problems_with_message(body)
        if problems:
            return bad_form_body(problems)
        message.update({key: body[key] for key in ("content", "embeds", "components") if key in body})
        message["edited_timestamp"] = message["timestamp"]
        return as_json(message)

    def _post_callback(self, body, interaction, token) -> web.Response:
        data = body.get("data") or {}
        problems = problems_with_message(data) if body.get("type") in (4, 7) else []
        if problems:
            return bad_form_body(problems)
        self.callback_attempts[interaction] = self.callback_attempts.get(interaction, 0) + 1
        if interaction in self.callbacks:
            return as_json({"message": "Interaction has already been acknowledged.", "code": 40060}, status=400)
        # Discord forgets an interaction that is not acknowledged within 3 seconds.
        if time.monotonic() - self.dispatched_at.get(interaction, time.monotonic()) > ACK_SECONDS:
            return as_json({"message": "Unknown interaction", "code": 10062}, status=404)
        self.callbacks[interaction] = body
        self._interaction_of_token[token] = interaction
        self.answered_at[interaction] = time.monotonic()
        message = self._store_message(str(CHANNEL_ID), data) if body.get("type") == 4 else None
        if message:
            self.response_messages[interaction] = message
        result = {"interaction": {"id": interaction, "type": 2, "response_message_id": message and message["id"],
                                  "response_message_ephemeral": bool(data.get("flags", 0) & 64)}}
        if message:
            result["resource"] = {"type": 4, "message": message}
        return as_json(result)

    def _post_followup(self, body, token) -> web.Response:
        problems = problems_with_message(body)
        if problems:
            return bad_form_body(problems)
        message = self._store_message(str(CHANNEL_ID), body)
        if token in self._interaction_of_token:
            self.followups.setdefault(self._interaction_of_token[token], []).append(message)
        return as_json(message)

    async def answer_for(self, interaction: str) -> dict:
        """The message that answers an interaction, as the person sees it: the callback's own, or, when the bot
        deferred it ("thinking..."), the followup that came after."""
        callback = await self.callback_for(interaction)
        if callback.get("type") == 5:
            return (await self.wait_until(lambda: self.followups.get(interaction)))[0]
        return self.response_messages.get(interaction) or callback.get("data", {})

    def button_ids(self, message: dict) -> list[str]:
        return [button["custom_id"] for row in message["components"] for button in row["components"]
                if "custom_id" in button]

    def button_labels(self, message: dict) -> list[str]:
        return [button["label"] for row in message["components"] for button in row["components"]]


@pytest.fixture
async def discord_server():
    server = await DiscordStandIn().start()
    yield server
    await server.close()


@pytest.fixture
def discord_settings(settings_for, discord_server):
    return settings_for(**discord_server.variables())


@pytest.fixture
def discord_bot(discord_settings):
    made = build_bot(discord_settings)
    yield made
    made.close()


@pytest.fixture
async def discord_client(discord_bot):
    async with running_client(discord_bot) as client:
        yield client


@pytest.fixture
async def discord_scheduler(discord_bot):
    """The real scheduler, with the real Discord publisher the client registers once ready."""
    scheduler = build_scheduler(discord_bot)
    async with running_client(discord_bot, scheduler):
        assert "discord" in scheduler.publishers
        yield scheduler


@asynccontextmanager
async def running_client(bot: Bot, scheduler: Scheduler | None = None):
    """The real discord.py client, logged in to the stand-in and ready; closed on the way out."""
    # Without a short guild_ready_timeout every start waits 2 s for more GUILD_CREATE events.
    client = build_discord_client(bot.service, bot.settings, scheduler, guild_ready_timeout=0.05)
    async with client:
        running = asyncio.create_task(client.start(bot.settings.discord.token))
        ready = asyncio.create_task(client.wait_until_ready())
        await asyncio.wait([running, ready], timeout=10, return_when=asyncio.FIRST_COMPLETED)
        if running.done():
            running.result()
        assert ready.done(), "the Discord client did not become ready"
        try:
            yield client
        finally:
            await client.close()
            await asyncio.wait_for(running, 5)
