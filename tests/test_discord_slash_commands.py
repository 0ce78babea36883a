"""`/ask question:<text>` answers in the interaction callback within Discord's 3 seconds; `/backend help` explains."""

from discord_standin import (GUILD_ID, discord_bot, discord_client, discord_server,  # noqa: F401
                             discord_settings, running_client)

CHANNEL_MESSAGE = 4
EPHEMERAL = 64
DISCORD_ACK_SECONDS = 3.0


async def test_ask_command_is_answered_in_the_interaction_callback(discord_client, discord_server, discord_bot):
    entry = discord_bot.responder.knowledge.get("when-cache")
    asked = await discord_server.ask(entry.question)
    callback = await discord_server.callback_for(asked)
    assert callback["type"] == CHANNEL_MESSAGE
    [embed] = callback["data"]["embeds"]
    assert (embed["title"], embed["description"]) == (entry.question, entry.answer_text)
    assert embed["footer"]["text"].endswith("entry: when-cache")
    assert callback["data"]["allowed_mentions"] == {"parse": []}
    assert "Helpful" in discord_server.button_labels(callback["data"])
    assert discord_server.messages == [discord_server.response_messages[asked]]
    [logged] = discord_bot.storage.questions.questions()
    assert (logged["text"], logged["entry_id"]) == (entry.question, "when-cache")


async def test_interactions_are_acknowledged_within_three_seconds(discord_client, discord_server):
    asked = await discord_server.ask("When should I use a cache?")
    await discord_server.callback_for(asked)
    assert discord_server.answered_at[asked] - discord_server.dispatched_at[asked] < DISCORD_ACK_SECONDS
    [message] = discord_server.messages
    clicked = await discord_server.click(message, discord_server.button_ids(message)[-1])
    await discord_server.callback_for(clicked)
    assert discord_server.answered_at[clicked] - discord_server.dispatched_at[clicked] < DISCORD_ACK_SECONDS


async def test_backend_help_explains_how_to_ask_only_to_the_asker(discord_client, discord_server, discord_bot):
    asked = await discord_server.run_command("backend", [{"name": "help", "type": 1, "options": []}])
    callback = await discord_server.callback_for(asked)
    [embed] = callback["data"]["embeds"]
    assert callback["data"]["flags"] & EPHEMERAL
    assert "/ask question:" in embed["description"]
    assert "mention me" in embed["description"]
    assert discord_bot.responder.topics[0] in embed["description"]


async def test_commands_are_registered_instantly_to_the_development_server(discord_server, settings_for):
    from bot.wiring import build_bot

    bot = build_bot(settings_for(**discord_server.variables(), DISCORD_GUILD_ID=str(GUILD_ID)))
    try:
        async with running_client(bot):
            pass
    finally:
        bot.close()
    assert sorted(command["name"] for command in discord_server.commands[str(GUILD_ID)]) == [
        "ask", "backend", "digest", "entry", "leaderboard", "quiz", "schedule", "teach", "tips", "unteach"]
    assert "global" not in discord_server.commands


async def test_failed_command_still_answers_with_an_apology(discord_client, discord_server, discord_bot):
    discord_bot.storage.close()
    asked = await discord_server.ask("How do I deploy a backend?")
    callback = await discord_server.callback_for(asked)
    assert callback["data"]["flags"] & EPHEMERAL
    assert callback["data"]["embeds"][0]["description"].startswith("Sorry, something went wrong")


async def test_an_answer_slower_than_half_a_second_is_deferred_then_followed_up(discord_client, discord_server,
                                                                                 discord_bot, monkeypatch):
    from bot.adapters.discord import render

    monkeypatch.setattr(render, "DEFER_AFTER", 0.0)  # every answer counts as slow: the deferral path is taken
    entry = discord_bot.responder.knowledge.get("when-cache")
    asked = await discord_server.ask(entry.question)
    assert (await discord_server.callback_for(asked))["type"] == 5  # "thinking..." within Discord's 3 seconds
    answer = await discord_server.answer_for(asked)
    assert [embed["title"] for embed in answer["embeds"]] == [entry.question]
    assert discord_server.followups[asked] == [answer]
