"""A missing or rejected DISCORD_TOKEN stops with a message naming the variable, once, instead of a crash loop."""

import asyncio
import os
import socket
import sys

import pytest

from discord_standin import discord_server  # noqa: F401

from bot.adapters.discord.app import run_discord
from bot.wiring import build_bot
from bot.config import ConfigError

REVOKED = "MTEwMDAwMDAwMDAwMDAwMDAwMQ.GstAnd.revoked-token-part"


async def test_missing_token_names_the_variable(settings_for):
    bot = build_bot(settings_for())
    try:
        with pytest.raises(ConfigError, match="DISCORD_TOKEN is not set"):
            await run_discord(bot.service, bot.settings)
    finally:
        bot.close()


async def test_rejected_token_names_the_variable_and_is_tried_once(settings_for, discord_server):
    bot = build_bot(settings_for(**discord_server.variables(REVOKED)))
    try:
        with pytest.raises(ConfigError, match="DISCORD_TOKEN was rejected by Discord"):
            await run_discord(bot.service, bot.settings)
    finally:
        bot.close()
    assert [(call.path, call.status) for call in discord_server.calls] == [("/users/@me", 401)]
    assert discord_server.identifies == []


async def test_serve_with_a_rejected_token_exits_once_with_a_clear_message(tmp_path, discord_server):
    environment = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "BOT_DATABASE": str(tmp_path / "bot.db"),
                   **discord_server.variables(REVOKED)}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "serve", cwd=tmp_path, env=environment,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _, errors = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 2
    assert "error: DISCORD_TOKEN was rejected by Discord" in errors.decode()
    assert "Traceback" not in errors.decode()
    assert REVOKED not in errors.decode()
    assert len(discord_server.calls_to("GET", "^/users/@me$")) == 1


async def test_discord_out_of_reach_at_startup_stops_it_in_one_line(settings_for):
    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    bot = build_bot(settings_for(DISCORD_TOKEN=REVOKED, DISCORD_API_URL=f"http://127.0.0.1:{port}/api/v10",
                                 DISCORD_GATEWAY_URL=f"ws://127.0.0.1:{port}/"))
    try:
        with pytest.raises(ConfigError, match=rf"^cannot reach Discord at http://127\.0\.0\.1:{port}/api/v10: ") as raised:
            await run_discord(bot.service, bot.settings)
    finally:
        bot.close()
    assert "\n" not in str(raised.value) and REVOKED not in str(raised.value)
