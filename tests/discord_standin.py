"""A stand-in Discord for tests: REST and gateway on 127.0.0.1, speaking what discord.py 2.7.1 parses."""

import asyncio
import base64
import itertools
import json
import re
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import pytest
from aiohttp import WSMsgType, web

from bot.adapters.discord import build_discord_client
from bot.app import Bot, build_bot

BOT_ID = 1100000000000000001
GUILD_ID = 2200000000000000002
CHANNEL_ID = 3300000000000000003
DM_CHANNEL_ID = 3300000000000000009
ALICE = {"id": "4400000000000000004", "username": "alice", "global_name": "Alice", "discriminator": "0",
         "avatar": None}
OTHER_BOT = {"id": "5500000000000000005", "username": "otherbot", "discriminator": "0", "avatar": None, "bot": True}
BOT_USER = {"id": str(BOT_ID), "username": "backend-bot", "discriminator": "0", "avatar": None, "bot": True}
TOKEN = base64.b64encode(str(BOT_ID).encode()).decode().rstrip("=") + ".GstAnd.in-secret-part"
ATTACHMENT_LIMIT = 10 * 1024 * 1024
ACK_SECONDS = 3.0
EPOCH = "2026-01-05T09:00:00.000000+00:00"


@dataclass
class Call:
    method: str
    path: str
    body: object
    status: int
    at: float = field(default_factory=time.monotonic)


def as_json(payload, status: int = 200, headers: dict | None = None) -> web.Response:
    # discord.py parses a body only when Content-Type is exactly application/json, without a charset.
    return web.Response(status=status, body=json.dumps(payload).encode(), headers={
        "Content-Type": "application/json", **(headers or {})})


def bad_form_body(problems: list[str]) -> web.Response:
    """A 400 shaped like Discord's: errors keyed by the field's path, each with a list of `_errors`."""
    errors = {}
    for problem in problems:
        path, _, message = problem.partition(": ")
        errors.setdefault(path, {"_errors": []})["_errors"].append({"code": "BASE_TYPE_MAX_LENGTH", "message": message})
    return as_json({"code": 50035, "message": "Invalid Form Body", "errors": errors}, status=400)


class DiscordStandIn:
    """One aiohttp server: REST under /api/v10 and the gateway at /gateway; every REST call is recorded."""

    def __init__(self):
        self.calls: list[Call] = []
        self.messages: list[dict] = []
        self.callbacks: dict[str, dict] = {}
        self.answered_at: dict[str, float] = {}
        self.response_messages: dict[str, dict] = {}
        self.commands: dict[str, list[dict]] = {}
        self.identifies: list[dict] = []
        self.resumes: list[dict] = []
        self.dispatched_at: dict[str, float] = {}
        self.rate_limits: list[tuple[str, re.Pattern]] = []
        self.accepted_token = TOKEN
        self.session_id = "standin-session-1"
        self.socket: web.WebSocketResponse | None = None
        self.sequence = 0
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

    def rate_limit_once(self, method: str, pattern: str) -> None:
        self.rate_limits.append((method, re.compile(pattern)))

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body = await request.json() if request.can_read_body else None
        response = self._respond(request, path, body)
        self.calls.append(Call(request.method, path, body, response.status))
        await self._note()
        return response

    def _respond(self, request: web.Request, path: str, body) -> web.Response:
        # Interaction callbacks and follow-ups are authorised by the interaction token in the path instead.
        needs_token = not path.startswith(("/interactions/", "/webhooks/"))
        if needs_token and request.headers.get("Authorization") != f"Bot {self.accepted_token}":
            return as_json({"message": "401: Unauthorized", "code": 0}, status=401)
        for index, (method, pattern) in enumerate(self.rate_limits):
            if method == request.method and pattern.search(path):
                del self.rate_limits[index]
                # discord.py treats a 429 without Via as a Cloudflare ban and raises instead of retrying.
                return as_json({"message": "You are being rate limited.", "retry_after": 0.05, "global": False},
                               status=429, headers={"Via": "1.1 google", "X-RateLimit-Scope": "user"})
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
        if "message_reference" in body:
            message["message_reference"] = body["message_reference"]
        self.messages.append(message)
        return message

    def _post_message(self, body, channel) -> web.Response:
        problems = problems_with_message(body)
        if problems:
            return bad_form_body(problems)
        return as_json(self._store_message(channel, body))

    def _post_callback(self, body, interaction, token) -> web.Response:
        data = body.get("data") or {}
        problems = problems_with_message(data) if body.get("type") in (4, 7) else []
        if problems:
            return bad_form_body(problems)
        if interaction in self.callbacks:
            return as_json({"message": "Interaction has already been acknowledged.", "code": 40060}, status=400)
        # Discord forgets an interaction that is not acknowledged within 3 seconds.
        if time.monotonic() - self.dispatched_at.get(interaction, time.monotonic()) > ACK_SECONDS:
            return as_json({"message": "Unknown interaction", "code": 10062}, status=404)
        self.callbacks[interaction] = body
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
        return as_json(self._store_message(str(CHANNEL_ID), body))

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self.socket = socket
        # Frames go out as uncompressed text, which discord.py reads whatever compression it asked for.
        await socket.send_json({"op": 10, "d": {"heartbeat_interval": 41250}})
        async for frame in socket:
            if frame.type == WSMsgType.TEXT:
                await self._on_frame(socket, json.loads(frame.data))
        return socket

    async def _on_frame(self, socket: web.WebSocketResponse, frame: dict) -> None:
        op, data = frame.get("op"), frame.get("d")
        if op == 1:
            await socket.send_json({"op": 11})
        elif op == 2:
            self.identifies.append(data)
            self.sequence = 0
            await self.dispatch("READY", {
                "v": 10, "user": BOT_USER, "guilds": [{"id": str(GUILD_ID), "unavailable": True}],
                "session_id": self.session_id, "resume_gateway_url": self.gateway_url,
                "application": {"id": str(BOT_ID), "flags": 0}})
            await self.dispatch("GUILD_CREATE", guild())
        elif op == 6:
            self.resumes.append(data)
            if data.get("session_id") == self.session_id:
                await self.dispatch("RESUMED", {})
            else:
                await socket.send_json({"op": 9, "d": False})
        await self._note()

    async def dispatch(self, event: str, data: dict) -> None:
        self.sequence += 1
        await self.socket.send_json({"op": 0, "t": event, "s": self.sequence, "d": data})

    async def send_raw(self, frame: dict) -> None:
        await self.socket.send_json(frame)

    async def ask_to_reconnect(self) -> None:
        await self.socket.send_json({"op": 7, "d": None})

    async def post_message(self, content: str, *, author: dict = ALICE, in_dm: bool = False,
                           mentions_bot: bool = True, mention_everyone: bool = False) -> dict:
        channel = DM_CHANNEL_ID if in_dm else CHANNEL_ID
        message = message_payload(self.next_id(), str(channel), author, content)
        message.update({"mentions": [BOT_USER] if mentions_bot else [], "mention_everyone": mention_everyone})
        if not in_dm:
            message.update({"guild_id": str(GUILD_ID), "member": member(author)})
        await self.dispatch("MESSAGE_CREATE", message)
        return message

    async def run_command(self, name: str, options: list[dict], user: dict = ALICE) -> str:
        command = next((item for stored in self.commands.values() for item in stored if item["name"] == name),
                       {"id": self.next_id()})
        data = {"id": command["id"], "name": name, "type": 1, "options": options}
        return await self._interact(2, data, user)

    async def ask(self, question: str, user: dict = ALICE) -> str:
        return await self.run_command("ask", [{"name": "question", "type": 3, "value": question}], user)

    async def click(self, message: dict, custom_id: str, user: dict = ALICE) -> str:
        data = {"custom_id": custom_id, "component_type": 2}
        return await self._interact(3, data, user, message=message)

    async def _interact(self, kind: int, data: dict, user: dict, message: dict | None = None) -> str:
        interaction = self.next_id()
        payload = interaction_payload(interaction, kind, data, user)
        if message is not None:
            payload["message"] = message
        self.dispatched_at[interaction] = time.monotonic()
        await self.dispatch("INTERACTION_CREATE", payload)
        return interaction

    async def callback_for(self, interaction: str) -> dict:
        return await self.wait_until(lambda: self.callbacks.get(interaction))

    def button_ids(self, message: dict) -> list[str]:
        return [button["custom_id"] for row in message["components"] for button in row["components"]
                if "custom_id" in button]

    def button_labels(self, message: dict) -> list[str]:
        return [button["label"] for row in message["components"] for button in row["components"]]


def problems_with_message(body: dict) -> list[str]:
    """What Discord would reject in a message body, as it does with a 400 Invalid Form Body."""
    problems = []
    if len(body.get("content") or "") > 2000:
        problems.append("content: must be 2000 or fewer in length")
    for number, embed in enumerate(body.get("embeds") or []):
        problems += [f"embeds.{number}.{problem}" for problem in problems_with_embed(embed)]
    rows = body.get("components") or []
    if len(rows) > 5:
        problems.append("components: must be 5 or fewer in length")
    custom_ids = []
    for number, row in enumerate(rows):
        buttons = row.get("components", [])
        if len(buttons) > 5:
            problems.append(f"components.{number}.components: must be 5 or fewer in length")
        for button in buttons:
            if len(button.get("label") or "") > 80:
                problems.append(f"components.{number}: label must be 80 or fewer in length")
            if len(button.get("custom_id") or "") > 100:
                problems.append(f"components.{number}: custom_id must be 100 or fewer in length")
            custom_ids.append(button.get("custom_id"))
    if len([item for item in custom_ids if item]) != len({item for item in custom_ids if item}):
        problems.append("components: custom_id values must be unique")
    return problems


def problems_with_embed(embed: dict) -> list[str]:
    limits = {"title": 256, "description": 4096}
    problems = [f"{key}: must be {limit} or fewer in length"
                for key, limit in limits.items() if len(embed.get(key) or "") > limit]
    footer = (embed.get("footer") or {}).get("text") or ""
    if len(footer) > 2048:
        problems.append("footer.text: must be 2048 or fewer in length")
    fields = embed.get("fields") or []
    for field_ in fields:
        if len(field_.get("name") or "") > 256 or len(field_.get("value") or "") > 1024:
            problems.append("fields: name must be 256 or fewer and value 1024 or fewer in length")
    total = sum(len(embed.get(key) or "") for key in limits) + len(footer)
    total += sum(len(field_.get("name") or "") + len(field_.get("value") or "") for field_ in fields)
    total += len((embed.get("author") or {}).get("name") or "")
    if total > 6000:
        problems.append("size: all embed text must be 6000 or fewer in length")
    return problems


def problems_with_commands(commands: list[dict]) -> list[str]:
    problems = []
    for command in commands:
        for item in [command, *command.get("options", []), *[
                sub for option in command.get("options", []) for sub in option.get("options", [])]]:
            if not re.fullmatch(r"[-_a-z0-9]{1,32}", item.get("name", "")):
                problems.append(f"{item.get('name')!r}: name must be 1-32 lowercase characters")
            if not 1 <= len(item.get("description", "")) <= 100:
                problems.append(f"{item.get('name')!r}: description must be 1-100 characters")
    return problems


def application() -> dict:
    return {"id": str(BOT_ID), "name": "backend-bot", "description": "", "icon": None, "bot_public": True,
            "bot_require_code_grant": False, "owner": ALICE, "verify_key": "00" * 32, "flags": 0,
            "interactions_endpoint_url": None}


def guild() -> dict:
    return {
        "id": str(GUILD_ID), "name": "Backend team", "unavailable": False, "member_count": 3, "owner_id": ALICE["id"],
        "roles": [{"id": str(GUILD_ID), "name": "@everyone", "permissions": "1024", "position": 0, "color": 0,
                   "hoist": False, "managed": False, "mentionable": False}],
        "channels": [{"id": str(CHANNEL_ID), "type": 0, "name": "backend", "position": 0, "guild_id": str(GUILD_ID),
                      "permission_overwrites": [], "nsfw": False, "parent_id": None}],
        "members": [], "threads": [], "emojis": [], "stickers": [], "features": [], "voice_states": [],
        "presences": [], "stage_instances": [], "guild_scheduled_events": [], "soundboard_sounds": [],
        "large": False, "joined_at": EPOCH,
    }


def member(user: dict) -> dict:
    return {"roles": [], "joined_at": EPOCH, "deaf": False, "mute": False, "flags": 0}


def message_payload(message_id: str, channel: str, author: dict, content: str) -> dict:
    return {"id": message_id, "channel_id": channel, "author": author, "content": content, "timestamp": EPOCH,
            "edited_timestamp": None, "tts": False, "mention_everyone": False, "mentions": [], "mention_roles": [],
            "attachments": [], "embeds": [], "components": [], "pinned": False, "type": 0, "flags": 0}


def interaction_payload(interaction: str, kind: int, data: dict, user: dict) -> dict:
    return {
        "id": interaction, "application_id": str(BOT_ID), "type": kind, "data": data, "token": f"tok-{interaction}",
        "version": 1, "guild_id": str(GUILD_ID), "channel_id": str(CHANNEL_ID),
        "channel": {"id": str(CHANNEL_ID), "type": 0, "name": "backend", "guild_id": str(GUILD_ID), "position": 0,
                    "permission_overwrites": [], "nsfw": False, "parent_id": None},
        "member": {**member(user), "user": user, "permissions": "1024"}, "app_permissions": "274877991936",
        "locale": "en-US", "guild_locale": "en-US", "entitlements": [], "authorizing_integration_owners": {},
        "context": 0,
        # discord.py 2.7.1 reads this field unconditionally; an interaction without it fails to parse.
        "attachment_size_limit": ATTACHMENT_LIMIT,
    }


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


@asynccontextmanager
async def running_client(bot: Bot):
    """The real discord.py client, logged in to the stand-in and ready; closed on the way out."""
    # Without a short guild_ready_timeout every start waits 2 s for more GUILD_CREATE events.
    client = build_discord_client(bot, guild_ready_timeout=0.05)
    async with client:
        running = asyncio.create_task(client.start(bot.settings.discord_token))
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
