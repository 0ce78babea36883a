"""A malformed or unexpected gateway event is logged and skipped; the bot keeps answering."""

import logging

from discord_standin import (CHANNEL_ID, GUILD_ID, discord_bot, discord_client, discord_server,  # noqa: F401
                             discord_settings)


async def test_malformed_and_unknown_events_do_not_stop_the_bot(discord_client, discord_server, caplog):
    await discord_server.dispatch("MESSAGE_CREATE", {"id": "not-a-number", "channel_id": str(CHANNEL_ID)})
    await discord_server.dispatch("MESSAGE_CREATE", None)
    await discord_server.dispatch("INTERACTION_CREATE", {"id": "1", "type": 2, "guild_id": str(GUILD_ID)})
    await discord_server.dispatch("GUILD_CREATE", {"id": str(GUILD_ID)})
    await discord_server.dispatch("SOMETHING_DISCORD_ADDED_LATER", {"anything": True})
    await discord_server.send_raw({"op": 42, "d": {"surprise": True}})
    await discord_server.post_message(f"<@{discord_client.user.id}> How do I deploy a backend?")
    [message] = await discord_server.wait_until(lambda: discord_server.messages)
    assert message["embeds"][0]["title"] == "How do I deploy a backend?"
    assert not discord_client.is_closed()
    skipped = [record.getMessage() for record in caplog.records if record.levelno == logging.ERROR]
    assert "discord: skipped a MESSAGE_CREATE event that could not be read" in skipped


async def test_button_click_with_a_tampered_custom_id_is_ignored(discord_client, discord_server):
    await discord_server.post_message(f"<@{discord_client.user.id}> How do I deploy a backend?")
    [message] = await discord_server.wait_until(lambda: discord_server.messages)
    tampered = {**message, "components": [{"type": 1, "components": [
        {"type": 2, "style": 2, "label": "Helpful", "custom_id": "bb:vote:abc:helpful"}]}]}
    await discord_server.click(tampered, "bb:vote:abc:helpful")
    await discord_server.post_message(f"<@{discord_client.user.id}> How do I test a backend?")
    await discord_server.wait_until(lambda: len(discord_server.messages) == 2)
    assert discord_server.callbacks == {}
