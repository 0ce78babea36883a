"""When the gateway asks the bot to reconnect (op 7), it resumes the same session and keeps answering."""

from discord_standin import discord_bot, discord_client, discord_server, discord_settings  # noqa: F401


async def test_reconnect_request_resumes_the_session_and_answering_continues(discord_client, discord_server):
    mention = f"<@{discord_client.user.id}>"
    await discord_server.post_message(f"{mention} How do I deploy a backend?")
    await discord_server.wait_until(lambda: len(discord_server.messages) == 1)
    sequence_before = discord_server.sequence
    await discord_server.ask_to_reconnect()
    [resume] = await discord_server.wait_until(lambda: discord_server.resumes)
    assert resume["session_id"] == discord_server.session_id
    assert resume["seq"] == sequence_before
    assert len(discord_server.identifies) == 1
    await discord_server.post_message(f"{mention} How do I test a backend?")
    await discord_server.wait_until(lambda: len(discord_server.messages) == 2)
    assert discord_server.messages[-1]["embeds"][0]["title"] == "How do I test a backend?"


async def test_message_replayed_after_resuming_is_answered_once(discord_client, discord_server, discord_bot):
    asked = await discord_server.post_message(f"<@{discord_client.user.id}> How do I deploy a backend?")
    await discord_server.wait_until(lambda: len(discord_server.messages) == 1)
    await discord_server.ask_to_reconnect()
    await discord_server.wait_until(lambda: discord_server.resumes)
    await discord_server.dispatch("MESSAGE_CREATE", asked)
    await discord_server.post_message(f"<@{discord_client.user.id}> How do I test a backend?")
    await discord_server.wait_until(lambda: len(discord_server.messages) == 2)
    assert [message["embeds"][0]["title"] for message in discord_server.messages] == [
        "How do I deploy a backend?", "How do I test a backend?"]
    assert len(discord_bot.storage.questions.questions()) == 2
