"""A mention in a channel is answered with an embed, a footer naming the entry, and buttons; bots are ignored."""

from discord_standin import (BOT_USER, CHANNEL_ID, OTHER_BOT, discord_bot, discord_client,  # noqa: F401
                             discord_server, discord_settings)


async def test_mention_is_answered_with_an_embed_and_buttons(discord_client, discord_server, discord_bot):
    entry = discord_bot.responder.knowledge.get("make-idempotent")
    related = discord_bot.responder.answer(entry).related
    asked = await discord_server.post_message(f"<@{discord_client.user.id}> {entry.question}")
    [message] = await discord_server.wait_until(lambda: discord_server.messages)
    [embed] = message["embeds"]
    assert message["channel_id"] == str(CHANNEL_ID)
    assert message["message_reference"]["message_id"] == int(asked["id"])
    assert embed["title"] == entry.question
    assert embed["description"] == entry.answer_text
    assert embed["description"].startswith("• ")
    assert embed["footer"]["text"].endswith("entry: make-idempotent")
    labels = discord_server.button_labels(message)
    assert labels == [item.short_label for item in related] + ["Helpful", "Not helpful"]
    assert discord_server.button_ids(message)[: len(related)] == [f"bb:answer:{item.id}" for item in related]


async def test_mentioned_question_is_logged_for_the_learning_loop(discord_client, discord_server, discord_bot):
    await discord_server.post_message(f"<@{discord_client.user.id}> How do I scale a backend?")
    await discord_server.wait_until(lambda: discord_server.messages)
    [logged] = discord_bot.storage.questions.questions()
    assert (logged["platform"], logged["text"], logged["status"], logged["entry_id"]) == (
        "discord", "How do I scale a backend?", "answered", "scale-backend")


async def test_question_the_bot_cannot_answer_gets_an_honest_unknown(discord_client, discord_server, discord_bot):
    question = "what's the best pizza topping in Naples?"
    assert discord_bot.responder.reply_to(question).status == "unknown"
    await discord_server.post_message(f"<@{discord_client.user.id}> {question}")
    [message] = await discord_server.wait_until(lambda: discord_server.messages)
    [embed] = message["embeds"]
    assert embed["description"].startswith("I don't know that one")
    assert message["components"] == []


async def test_messages_from_bots_and_messages_not_for_the_bot_are_ignored(discord_client, discord_server, discord_bot):
    mention = f"<@{discord_client.user.id}>"
    await discord_server.post_message(f"{mention} What does idempotent mean?", author=OTHER_BOT)
    await discord_server.post_message(f"{mention} What does idempotent mean?", author=BOT_USER)
    await discord_server.post_message("What does idempotent mean?", mentions_bot=False)
    await discord_server.post_message("@everyone What does idempotent mean?", mentions_bot=False,
                                      mention_everyone=True)
    await discord_server.post_message(f"{mention} How do I scale a backend?")
    [message] = await discord_server.wait_until(lambda: discord_server.messages)
    assert message["embeds"][0]["title"] == "How do I scale a backend?"
    assert [row["text"] for row in discord_bot.storage.questions.questions()] == ["How do I scale a backend?"]
