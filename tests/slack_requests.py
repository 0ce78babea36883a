"""What Slack sends the bot, built for tests: signed requests, events, slash commands and button clicks."""

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass
from urllib.parse import urlencode

import aiohttp

from bot.adapters.slack.app import build_slack_app, health_of, run_slack
from bot.adapters.slack.transport import build_web_app, start_http_server
from bot.wiring import build_bot
from slack_standin import BOT_USER_ID, SlackStandIn

SIGNING_SECRET = "test-signing-secret-0123456789"
BOT_TOKEN = "xoxb-1-test-token"
APP_TOKEN = "xapp-1-test-token"
ANN, BEN = "U0ANN", "U0BEN"
CHANNEL = "C0GENERAL"
FORM = "application/x-www-form-urlencoded"


def signed_headers(body: str, secret: str = SIGNING_SECRET, timestamp: str | None = None) -> dict:
    """Slack's signature: HMAC-SHA256 of `v0:{timestamp}:{body}` with the signing secret."""
    timestamp = timestamp or str(int(time.time()))
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": f"v0={digest}"}


def event_callback(event: dict, event_id: str) -> dict:
    return {"token": "unused", "team_id": "T0TEAM", "api_app_id": "A0APP", "type": "event_callback",
            "event_id": event_id, "event_time": 1700000000, "event": event}


def mention(text: str, ts: str, user: str = ANN, channel: str = CHANNEL, thread_ts: str | None = None) -> dict:
    event = {"type": "app_mention", "user": user, "text": f"<@{BOT_USER_ID}> {text}", "ts": ts,
             "channel": channel, "event_ts": ts}
    return {**event, "thread_ts": thread_ts} if thread_ts else event


def direct_message(text: str, ts: str, user: str = ANN, channel: str = "D0ANN", **extra) -> dict:
    return {"type": "message", "channel_type": "im", "user": user, "text": text, "ts": ts, "channel": channel,
            "event_ts": ts, **extra}


def slash_command(text: str, response_url: str, user: str = ANN, channel: str = CHANNEL) -> dict:
    return {"token": "unused", "team_id": "T0TEAM", "channel_id": channel, "channel_name": "general",
            "user_id": user, "user_name": "ann", "command": "/backend", "text": text,
            "response_url": response_url, "trigger_id": "1.2.3", "api_app_id": "A0APP"}


def find_button(blocks: list[dict], text: str) -> tuple[dict, dict]:
    """The (actions block, button) whose label starts with `text`, as a person would pick it."""
    for block in blocks:
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element["text"]["text"].startswith(text):
                return block, element
    raise AssertionError(f"no button labelled {text!r} in {json.dumps(blocks)[:400]}")


def button_click(posted: dict, label: str, response_url: str, user: str = ANN) -> dict:
    """The block_actions payload Slack sends when `user` clicks `label` on the message the bot `posted`."""
    block, element = find_button(posted["blocks"], label)
    return click_on(posted, block, element, response_url, user)


def click_on(posted: dict, block: dict, element: dict, response_url: str, user: str = ANN) -> dict:
    """The block_actions payload for a click on `element` of `block` in the message the bot `posted`."""
    channel = posted["channel"]
    message = {"type": "message", "user": BOT_USER_ID, "bot_id": "BBOTBACKEND", "text": posted["text"],
               "blocks": posted["blocks"], "ts": posted["ts"]}
    if posted.get("thread_ts"):
        message["thread_ts"] = posted["thread_ts"]
    return {"type": "block_actions", "user": {"id": user, "username": user.lower(), "team_id": "T0TEAM"},
            "api_app_id": "A0APP", "token": "unused", "trigger_id": "1.2.3", "team": {"id": "T0TEAM"},
            "container": {"type": "message", "message_ts": posted["ts"], "channel_id": channel,
                          "is_ephemeral": False},
            "channel": {"id": channel, "name": "general"}, "message": message, "response_url": response_url,
            "actions": [{"type": "button", "block_id": block.get("block_id"), "action_id": element["action_id"],
                         "text": element["text"], "value": element["value"], "action_ts": "1700000001.0"}]}


@dataclass
class Answer:
    status: int
    text: str


class SlackOverHttp:
    """Sends signed requests to the bot's /slack/events, as Slack does in HTTP mode."""

    def __init__(self, base_url: str, session: aiohttp.ClientSession):
        self.base_url = base_url
        self.session = session

    async def post(self, body: str, content_type: str = "application/json", headers: dict | None = None,
                   signed: bool = True) -> Answer:
        sent = {"Content-Type": content_type, **(signed_headers(body) if signed else {}), **(headers or {})}
        async with self.session.post(self.base_url + "/slack/events", data=body.encode(), headers=sent) as answer:
            return Answer(answer.status, await answer.text())

    async def send_event(self, event: dict, event_id: str, retry_num: int | None = None) -> Answer:
        headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"} if retry_num else {}
        return await self.post(json.dumps(event_callback(event, event_id)), headers=headers)

    async def send_command(self, fields: dict) -> Answer:
        return await self.post(urlencode(fields), FORM)

    async def send_click(self, payload: dict) -> Answer:
        return await self.post(urlencode({"payload": json.dumps(payload)}), FORM)

    async def get(self, path: str) -> Answer:
        async with self.session.get(self.base_url + path) as answer:
            return Answer(answer.status, await answer.text())


def slack_settings(settings_for, standin: SlackStandIn, **variables):
    variables = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                 "SLACK_API_URL": standin.api_url, **variables}
    return settings_for(**variables)


@asynccontextmanager
async def slack_over_http(settings_for, clock=None, **variables):
    """(stand-in Slack, the bot, a signed-request sender) with the bot's HTTP endpoint on a free port.

    `clock`, when given, is the bot's now for quiz answers and schedule commands.
    """
    async with SlackStandIn() as standin:
        settings = slack_settings(settings_for, standin, **variables)
        bot = build_bot(settings, clock) if clock else build_bot(settings)
        app = build_slack_app(bot.service, bot.settings)
        runner = await start_http_server(build_web_app(app, SIGNING_SECRET, health_of(bot.service)), "127.0.0.1", 0)
        port = runner.addresses[0][1]
        try:
            async with aiohttp.ClientSession() as session:
                yield standin, bot, SlackOverHttp(f"http://127.0.0.1:{port}", session)
        finally:
            await runner.cleanup()
            bot.close()


# Questions the matcher is unsure about; the first one that still gets "did you mean" is used, so the tests
# survive tuning of the matcher.
UNSURE_QUESTIONS = ("cache database queue", "queue or cache or database", "caching queues and databases",
                    "tokens sessions cache", "design errors tests")


def unsure_question(bot) -> str:
    for question in UNSURE_QUESTIONS:
        if bot.responder.reply_to(question).status == "suggest":
            return question
    raise AssertionError(f"none of {UNSURE_QUESTIONS} gets a 'did you mean' any more; add one that does")


class LogWatch(logging.Handler):
    """Lets a test wait, on the loop, for a log line that marks the end of background work."""

    def __init__(self, logger_name: str):
        super().__init__(logging.INFO)
        self.logger = logging.getLogger(logger_name)
        self.lines: list[str] = []
        self.changed = asyncio.Event()

    def __enter__(self) -> "LogWatch":
        self.logger.addHandler(self)
        self.previous_level = self.logger.level
        self.logger.setLevel(logging.INFO)
        return self

    def __exit__(self, *exc) -> None:
        self.logger.removeHandler(self)
        self.logger.setLevel(self.previous_level)

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())
        self.changed.set()

    async def wait_for(self, fragment: str, timeout: float = 10.0) -> str:
        async def found() -> str:
            while not any(fragment in line for line in self.lines):
                self.changed.clear()
                await self.changed.wait()
            return next(line for line in self.lines if fragment in line)

        return await asyncio.wait_for(found(), timeout)


@asynccontextmanager
async def slack_over_socket_mode(settings_for):
    """(stand-in Slack, the bot) with `run_slack` connected in Socket Mode, as `backend-bot serve` runs it."""
    async with SlackStandIn() as standin:
        bot = build_bot(slack_settings(settings_for, standin, SLACK_APP_TOKEN=APP_TOKEN, SLACK_SIGNING_SECRET=""))
        running = asyncio.create_task(run_slack(bot.service, bot.settings))
        try:
            await standin.wait_for(lambda: standin.open_sockets() or running.done())
            if running.done():
                running.result()
            yield standin, bot
        finally:
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running
            bot.close()
