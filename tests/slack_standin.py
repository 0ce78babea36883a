"""A stand-in for Slack in tests: Web API, response URLs and Socket Mode on 127.0.0.1, recording every call."""

import asyncio
import itertools
import json
from collections import defaultdict
from dataclasses import dataclass, field

from aiohttp import WSMsgType, web

BOT_USER_ID, BOT_ID, TEAM_ID = "UBOTBACKEND", "BBOTBACKEND", "T0TEAM"

# The Block Kit limits real Slack enforces (DESIGN.md "Platform limits"); a message breaking one is refused whole.
LIMITS = {"button_text": 75, "action_id": 255, "value": 2000, "section_text": 3000, "header_text": 150,
          "blocks": 50, "actions_elements": 25}


@dataclass
class Call:
    method: str  # a Web API method, or "response_url"
    params: dict
    answer: dict = field(default_factory=dict)
    path: str = ""
    token_kind: str = ""  # "xoxb" or "xapp": which token the call carried (never the token itself)

    @property
    def ok(self) -> bool:
        return bool(self.answer.get("ok"))


def block_problems(blocks) -> list[str]:
    """Why Slack would answer invalid_blocks, or [] for a message it accepts."""
    if not isinstance(blocks, list):
        return ["blocks must be a list"]
    problems = [f"{len(blocks)} blocks, more than {LIMITS['blocks']}"] if len(blocks) > LIMITS["blocks"] else []
    block_ids = [block.get("block_id") for block in blocks if block.get("block_id")]
    if len(block_ids) != len(set(block_ids)):
        problems.append("block_id repeated")
    for block in blocks:
        problems += _problems_of(block)
    return problems


def _problems_of(block: dict) -> list[str]:
    kind = block.get("type")
    if kind == "section":
        text = block.get("text", {}).get("text", "")
        return [] if 0 < len(text) <= LIMITS["section_text"] else [f"section text of {len(text)} characters"]
    if kind == "header":
        text = block.get("text", {}).get("text", "")
        return [] if 0 < len(text) <= LIMITS["header_text"] else [f"header text of {len(text)} characters"]
    if kind == "actions":
        elements = block.get("elements", [])
        problems = [f"{len(elements)} elements"] if not 0 < len(elements) <= LIMITS["actions_elements"] else []
        action_ids = [element.get("action_id") for element in elements]
        if len(action_ids) != len(set(action_ids)):
            problems.append("action_id repeated in one actions block")
        return problems + [problem for element in elements for problem in _button_problems(element)]
    if kind == "context":
        elements = block.get("elements", [])
        return (["context without elements"] if not elements else []) + [
            f"context text of {len(element.get('text', ''))} characters" for element in elements
            if len(element.get("text", "")) > LIMITS["section_text"]]
    if kind == "input":
        label, element = block.get("label", {}).get("text", ""), block.get("element", {})
        problems = [] if 0 < len(label) <= 2000 else [f"input label of {len(label)} characters"]
        if element.get("type") != "plain_text_input" or not element.get("action_id"):
            problems.append("input without a plain_text_input that has an action_id")
        if len(element.get("initial_value", "")) > element.get("max_length", 3000):
            problems.append("initial_value longer than max_length")
        return problems
    return [f"unexpected block type {kind!r}"]


def _button_problems(element: dict) -> list[str]:
    text = element.get("text", {}).get("text", "")
    problems = [] if 0 < len(text) <= LIMITS["button_text"] else [f"button text of {len(text)} characters"]
    if not 0 < len(element.get("action_id", "")) <= LIMITS["action_id"]:
        problems.append("action_id missing or too long")
    if len(element.get("value", "")) > LIMITS["value"]:
        problems.append("button value too long")
    return problems


class SlackStandIn:
    """Start with `async with SlackStandIn() as slack:`; point the bot at `slack.api_url`."""

    def __init__(self):
        self.calls: list[Call] = []
        self.acks: list[dict] = []
        self.sockets: list[web.WebSocketResponse] = []
        self.scripts: dict[str, list[str]] = defaultdict(list)
        self.users: dict[str, dict] = {}  # users.info answers, by user id
        self.held: dict[str, asyncio.Event] = {}
        self.waiting: list[str] = []  # methods whose held call has arrived and waits for release
        self.changed = asyncio.Condition()
        self.message_ts = (f"1700000000.{number:06d}" for number in itertools.count(1))
        self.socket_numbers = itertools.count(1)
        self.runner: web.AppRunner | None = None
        self.port = 0

    async def __aenter__(self) -> "SlackStandIn":
        web_app = web.Application()
        web_app.router.add_post("/api/{method}", self.answer_api)
        web_app.router.add_get("/api/{method}", self.answer_api)  # slack_sdk sends users.info as a GET
        web_app.router.add_post("/response/{key}", self.answer_response_url)
        web_app.router.add_get("/socket/{number}", self.open_socket)
        self.runner = web.AppRunner(web_app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = self.runner.addresses[0][1]
        return self

    async def __aexit__(self, *exc) -> None:
        for socket in self.sockets:
            await socket.close()
        await self.runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, key: str = "hook") -> str:
        return f"http://127.0.0.1:{self.port}/response/{key}"

    def rate_limit_next(self, method: str, retry_after: int = 0) -> None:
        """The next call of `method` gets 429 with Retry-After (the retry handler adds up to 1 s of jitter)."""
        self.scripts[method].append(f"ratelimited:{retry_after}")

    def add_user(self, user_id: str, name: str, is_admin: bool = False, is_owner: bool = False) -> None:
        """A person users.info knows; anyone else is user_not_found."""
        self.users[user_id] = {"id": user_id, "team_id": TEAM_ID, "name": name.lower(), "real_name": name,
                               "is_admin": is_admin, "is_owner": is_owner, "is_primary_owner": False,
                               "profile": {"display_name": name, "real_name": name}}

    def refuse_next(self, method: str, error: str = "invalid_auth") -> None:
        """The next call of `method` is refused with Slack's `error` (invalid_auth, not_in_channel, ...)."""
        self.scripts[method].append(f"refuse:{error}")

    def hold_next(self, method: str) -> asyncio.Event:
        """The next call of `method` (or "response_url") waits for the returned event before it is answered."""
        self.scripts[method].append("hold")
        self.held.setdefault(method, asyncio.Event())
        return self.held[method]

    def drop_next(self, method: str) -> None:
        """The next call of `method` is read, then its connection is closed without an answer."""
        self.scripts[method].append("drop")

    def lose_answer_next(self, method: str) -> None:
        """The next call of `method` is carried out (a message is posted), then the answer is lost on the way."""
        self.scripts[method].append("lose")

    async def record(self, call: Call) -> None:
        async with self.changed:
            self.calls.append(call)
            self.changed.notify_all()

    async def wait_for(self, predicate, timeout: float = 10.0):
        """Waits (on the loop, never blocking it) until predicate() is truthy; returns its value."""
        async with self.changed:
            await asyncio.wait_for(self.changed.wait_for(predicate), timeout)
        return predicate()

    def successful(self, method: str) -> list[dict]:
        """The params of each accepted call, with the `ts` Slack gave a posted message."""
        return [{**call.params, **({"ts": call.answer["ts"]} if "ts" in call.answer else {})}
                for call in self.calls if call.method == method and call.ok]

    def attempts(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    async def wait_for_calls(self, method: str, count: int = 1) -> list[dict]:
        return await self.wait_for(lambda: len(self.successful(method)) >= count and self.successful(method))

    async def answer_api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        params = await _params_of(request)
        token_kind = request.headers.get("Authorization", "").removeprefix("Bearer ").split("-", 1)[0]
        script = await self.follow_script(method)
        if script == "drop":
            await self.record(Call(method, params, {"ok": False, "error": "dropped"}, token_kind=token_kind))
            request.transport.close()
            raise ConnectionResetError("dropped by the stand-in")
        if script.startswith("refuse:"):
            answer = {"ok": False, "error": script.removeprefix("refuse:")}
            await self.record(Call(method, params, answer, token_kind=token_kind))
            return web.json_response(answer)
        if script.startswith("ratelimited:"):
            answer = {"ok": False, "error": "ratelimited"}
            await self.record(Call(method, params, answer, token_kind=token_kind))
            return web.json_response(answer, status=429, headers={"Retry-After": script.split(":")[1]})
        answer = self.answer_for(method, params)
        await self.record(Call(method, params, answer, token_kind=token_kind))
        if script == "lose":
            request.transport.close()
            raise ConnectionResetError("answer lost by the stand-in")
        return web.json_response(answer)

    def answer_for(self, method: str, params: dict) -> dict:
        if method == "auth.test":
            return {"ok": True, "url": "https://test.slack.com/", "team": "Test", "user": "backend-bot",
                    "team_id": TEAM_ID, "user_id": BOT_USER_ID, "bot_id": BOT_ID}
        if method == "apps.connections.open":
            return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket/{next(self.socket_numbers)}"}
        if method in ("chat.postMessage", "chat.update"):
            problems = block_problems(params.get("blocks", []))
            if problems:
                return {"ok": False, "error": "invalid_blocks", "errors": problems}
            ts = params.get("ts") or next(self.message_ts)
            return {"ok": True, "channel": params.get("channel"), "ts": ts, "message": {**params, "ts": ts}}
        if method == "views.open":
            view = params.get("view")
            view = json.loads(view) if isinstance(view, str) else view or {}
            problems = block_problems(view.get("blocks", [])) if view.get("type") == "modal" else ["not a modal"]
            return {"ok": False, "error": "invalid_arguments", "errors": problems} if problems else \
                {"ok": True, "view": {**view, "id": "V0VIEW"}}
        if method == "chat.postEphemeral":
            problems = block_problems(params.get("blocks", []))
            return {"ok": False, "error": "invalid_blocks"} if problems else {"ok": True, "message_ts": "1.0"}
        if method == "conversations.history":
            # Newest first, as Slack answers; metadata only when asked for, as Slack does.
            posted = [post for post in self.successful("chat.postMessage") if post.get("channel") == params.get("channel")
                      and not post.get("thread_ts")]
            keep = ("ts", "text", "metadata") if params.get("include_all_metadata") in (True, "true", "1") else ("ts", "text")
            messages = [{key: post[key] for key in keep if key in post} for post in reversed(posted)]
            return {"ok": True, "messages": messages[: int(params.get("limit") or 100)], "has_more": False}
        if method == "users.info":
            user = self.users.get(params.get("user"))
            return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}
        return {"ok": True}

    async def follow_script(self, method: str) -> str:
        script = self.scripts[method].pop(0) if self.scripts[method] else ""
        if script == "hold":
            async with self.changed:
                self.waiting.append(method)
                self.changed.notify_all()
            await self.held[method].wait()
        return script

    async def answer_response_url(self, request: web.Request) -> web.Response:
        params = await request.json()
        await self.follow_script("response_url")
        problems = block_problems(params.get("blocks", []))
        answer = {"ok": not problems, "errors": problems}
        await self.record(Call("response_url", params, answer, path=request.match_info["key"]))
        return web.Response(status=400 if problems else 200, text="invalid_blocks" if problems else "ok")

    async def open_socket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        async with self.changed:
            self.sockets.append(socket)
            self.changed.notify_all()
        await socket.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A1"}})
        async for message in socket:
            if message.type == WSMsgType.TEXT:
                async with self.changed:
                    self.acks.append(json.loads(message.data))
                    self.changed.notify_all()
        async with self.changed:
            self.changed.notify_all()
        return socket

    def open_sockets(self) -> list[web.WebSocketResponse]:
        return [socket for socket in self.sockets if not socket.closed]

    async def send_envelope(self, kind: str, payload: dict, envelope_id: str, retry_attempt: int = 0) -> dict:
        """Sends a Socket Mode envelope on the newest connection and waits for the app's acknowledgement."""
        socket = (await self.wait_for(self.open_sockets))[-1]
        await socket.send_json({"envelope_id": envelope_id, "type": kind, "payload": payload,
                                "accepts_response_payload": kind != "events_api",
                                "retry_attempt": retry_attempt, "retry_reason": "timeout" if retry_attempt else ""})
        return await self.wait_for(lambda: next(
            (ack for ack in self.acks if ack.get("envelope_id") == envelope_id), None))

    async def close_newest_socket(self) -> None:
        """The connection drops from Slack's side, without a `disconnect` message first."""
        old = (await self.wait_for(self.open_sockets))[-1]
        await old.close()
        await self.wait_for(lambda: self.open_sockets())

    async def ask_to_reconnect(self) -> None:
        """Slack's `disconnect` message: the app should fetch a new URL, connect again and drop this socket."""
        old = (await self.wait_for(self.open_sockets))[-1]
        await old.send_json({"type": "disconnect", "reason": "refresh_requested", "debug_info": {"host": "x"}})
        await self.wait_for(lambda: old.closed and self.open_sockets())


async def _params_of(request: web.Request) -> dict:
    if request.method == "GET":
        return dict(request.query)
    if request.content_type == "application/json":
        return await request.json()
    params = dict(await request.post())
    if isinstance(params.get("blocks"), str):
        params["blocks"] = json.loads(params["blocks"])
    return params
