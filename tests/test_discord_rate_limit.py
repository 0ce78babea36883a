"""A REST 429 from Discord is retried by discord.py, and the answer still goes out exactly once."""

from discord_standin import discord_bot, discord_client, discord_server, discord_settings  # noqa: F401


async def test_rate_limited_reply_is_retried_and_posted_once(discord_client, discord_server, discord_bot):
    discord_server.rate_limit_once("POST", r"^/channels/\d+/messages$")
    await discord_server.post_message(f"<@{discord_client.user.id}> How do I deploy a backend?")
    [message] = await discord_server.wait_until(lambda: discord_server.messages)
    posts = discord_server.calls_to("POST", r"^/channels/\d+/messages$")
    assert [call.status for call in posts] == [429, 200]
    assert message["embeds"][0]["title"] == "How do I deploy a backend?"
    assert len(discord_server.messages) == 1
    assert len(discord_bot.storage.questions.questions()) == 1
