"""`run_slack` starts only fully configured: HTTP mode listens with /healthz, refused tokens name the variable."""

import asyncio
import contextlib
import json
import re

import aiohttp
import pytest

from bot.adapters.slack.app import run_slack
from bot.wiring import build_bot
from bot.config import ConfigError
from bot.wiring import build_scheduler
from slack_requests import APP_TOKEN, LogWatch, SlackOverHttp, mention, slack_settings
from slack_standin import SlackStandIn


async def test_http_mode_serves_healthz_events_and_slacks_url_check(settings_for):
    async with SlackStandIn() as slack:
        bot = build_bot(slack_settings(settings_for, slack))
        scheduler = build_scheduler(bot)
        with LogWatch("bot.adapters.slack.app") as log:
            running = asyncio.create_task(run_slack(bot.service, bot.settings, port=0, host="127.0.0.1", scheduler=scheduler))
            port = re.search(r"port (\d+)", await log.wait_for("listening for Slack")).group(1)
        try:
            async with aiohttp.ClientSession() as session:
                http = SlackOverHttp(f"http://127.0.0.1:{port}", session)
                health = await http.get("/healthz")
                check = await http.post(json.dumps({"type": "url_verification", "challenge": "c-123"}))
                await http.send_event(mention("how do I make a request idempotent?", ts="1.1"), "Ev1")
                [post] = await slack.wait_for_calls("chat.postMessage")
        finally:
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running
            bot.close()

    assert health.status == 200 and json.loads(health.text) == {"ok": True, "entries": len(
        bot.responder.knowledge.entries)}
    assert check.status == 200 and "c-123" in check.text
    assert post["thread_ts"] == "1.1"
    assert list(scheduler.publishers) == ["slack"]  # tips and quizzes can go out once the server listens


async def test_refused_bot_token_stops_startup_naming_the_variable(settings_for):
    async with SlackStandIn() as slack:
        slack.refuse_next("auth.test")
        bot = build_bot(slack_settings(settings_for, slack))
        try:
            with pytest.raises(ConfigError, match=r"SLACK_BOT_TOKEN was refused by Slack \(invalid_auth\).*xoxb-"):
                await run_slack(bot.service, bot.settings, port=0)
        finally:
            bot.close()

    assert slack.open_sockets() == [] and [call.method for call in slack.calls] == ["auth.test"]


async def test_refused_app_token_stops_socket_mode_naming_the_variable(settings_for):
    async with SlackStandIn() as slack:
        slack.refuse_next("apps.connections.open")
        bot = build_bot(slack_settings(settings_for, slack, SLACK_APP_TOKEN=APP_TOKEN))
        try:
            with pytest.raises(ConfigError, match=r"SLACK_APP_TOKEN was refused by Slack \(invalid_auth\).*xapp-"):
                await run_slack(bot.service, bot.settings)
        finally:
            bot.close()

    assert slack.sockets == []


async def test_half_configured_slack_does_not_start(settings_for):
    async with SlackStandIn() as slack:
        bot = build_bot(slack_settings(settings_for, slack, SLACK_SIGNING_SECRET=""))
        try:
            with pytest.raises(ConfigError, match="SLACK_APP_TOKEN"):
                await run_slack(bot.service, bot.settings)
        finally:
            bot.close()

    assert slack.calls == []



async def test_slack_out_of_reach_at_startup_stops_it_in_one_line(settings_for):
    async with SlackStandIn() as slack:
        settings = slack_settings(settings_for, slack)
    # The stand-in has closed: its address now refuses connections.
    bot = build_bot(settings)
    try:
        with pytest.raises(ConfigError, match=r"^cannot reach Slack at http://127\.0\.0\.1:\d+/api/: ") as raised:
            await run_slack(bot.service, bot.settings, port=0)
    finally:
        bot.close()

    assert "\n" not in str(raised.value)
