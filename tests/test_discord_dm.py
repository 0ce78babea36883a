"""A direct message to the bot is answered in the DM, without needing a mention."""

from discord_standin import (DM_CHANNEL_ID, discord_bot, discord_client, discord_server,  # noqa: F401
                             discord_settings)


async def test_direct_message_is_answered_in_the_dm(discord_client, discord_server, discord_bot):
    await discord_server.post_message("What does idempotent mean?", in_dm=True, mentions_bot=False)
    [message] = await discord_server.wait_until(lambda: discord_server.messages)
    assert message["channel_id"] == str(DM_CHANNEL_ID)
    assert message["embeds"][0]["footer"]["text"].endswith("what-is-idempotent")
    [logged] = discord_bot.storage.questions.questions()
    assert (logged["channel"], logged["entry_id"]) == (str(DM_CHANNEL_ID), "what-is-idempotent")


async def test_greeting_in_a_dm_gets_a_friendly_pointer_not_a_guess(discord_client, discord_server):
    await discord_server.post_message("hi there", in_dm=True, mentions_bot=False)
    [message] = await discord_server.wait_until(lambda: discord_server.messages)
    assert message["embeds"][0]["description"].startswith("Hi! I answer backend-engineering questions")
