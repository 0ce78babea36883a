"""The Discord bot logs in, registers its slash commands and connects to the gateway without privileged intents."""

import asyncio
import os
import sys

from discord_standin import BOT_ID, discord_bot, discord_client, discord_server, discord_settings  # noqa: F401

MESSAGE_CONTENT_INTENT = 1 << 15


async def test_discord_bot_becomes_ready_with_its_slash_commands(discord_client, discord_server):
    assert discord_client.is_ready()
    assert discord_client.user.id == BOT_ID
    assert [call.path for call in discord_server.calls[:2]] == ["/users/@me", "/oauth2/applications/@me"]
    names = sorted(command["name"] for command in discord_server.commands["global"])
    assert names == ["ask", "backend", "digest", "entry", "leaderboard", "quiz", "schedule", "teach", "tips", "unteach"]
    options = {command["name"]: [option["name"] for option in command.get("options", [])]
               for command in discord_server.commands["global"]}
    assert (options["backend"], options["tips"], options["quiz"]) == (["help"], ["on", "off"], ["on", "off"])


async def test_discord_bot_does_not_ask_for_the_message_content_intent(discord_client, discord_server):
    [identify] = discord_server.identifies
    assert identify["intents"] & MESSAGE_CONTENT_INTENT == 0


async def test_serve_connects_to_discord_and_answers(tmp_path, discord_server):
    environment = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "BOT_DATABASE": str(tmp_path / "bot.db"),
                   **discord_server.variables()}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "serve", cwd=tmp_path, env=environment,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    try:
        await discord_server.wait_until(lambda: discord_server.identifies, timeout=30)
        await discord_server.post_message(f"<@{BOT_ID}> How do I deploy a backend?")
        [message] = await discord_server.wait_until(lambda: discord_server.messages)
    finally:
        process.terminate()
        await process.wait()
    assert message["embeds"][0]["title"] == "How do I deploy a backend?"
