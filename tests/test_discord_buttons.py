"""Related-question buttons answer when clicked, and keep working after the bot restarts."""

from discord_standin import (ALICE, discord_bot, discord_client, discord_server,  # noqa: F401
                             discord_settings, running_client)

from bot.wiring import build_bot

CHANNEL_MESSAGE = 4


async def ask_by_mention(server, client, question: str) -> dict:
    await server.post_message(f"<@{client.user.id}> {question}")
    return (await server.wait_until(lambda: server.messages))[-1]


async def test_related_question_button_answers_that_question(discord_client, discord_server, discord_bot):
    answer = await ask_by_mention(discord_server, discord_client, "How do I make a function or request idempotent?")
    first_related = discord_server.button_ids(answer)[0]
    related_id = first_related.removeprefix("bb:answer:")
    related = discord_bot.responder.knowledge.get(related_id)
    clicked = await discord_server.click(answer, first_related)
    callback = await discord_server.callback_for(clicked)
    assert callback["type"] == CHANNEL_MESSAGE
    [embed] = callback["data"]["embeds"]
    assert (embed["title"], embed["description"]) == (related.question, related.answer_text)
    assert embed["footer"]["text"].endswith(f"entry: {related_id}")
    assert callback["data"]["allowed_mentions"] == {"parse": []}
    logged = discord_bot.storage.questions.questions()
    assert [(row["entry_id"], row["user"]) for row in logged] == [
        ("make-idempotent", ALICE["id"]), (related_id, ALICE["id"])]


async def test_buttons_keep_working_after_the_bot_restarts(discord_server, discord_settings):
    before = build_bot(discord_settings)
    async with running_client(before) as client:
        answer = await ask_by_mention(discord_server, client, "When should I use a state machine?")
    before.close()
    after = build_bot(discord_settings)
    try:
        async with running_client(after):
            related = discord_server.button_ids(answer)[0]
            clicked = await discord_server.click(answer, related)
            callback = await discord_server.callback_for(clicked)
            helpful = discord_server.button_ids(answer)[-2]
            voted = await discord_server.click(answer, helpful)
            await discord_server.callback_for(voted)
        [feedback] = after.storage.questions.feedback()
    finally:
        after.close()
    assert callback["data"]["embeds"][0]["footer"]["text"].endswith(related.removeprefix("bb:answer:"))
    assert (feedback["verdict"], feedback["entry_id"]) == ("helpful", "when-state-machine")
    assert len(discord_server.identifies) == 2


async def test_button_for_an_entry_no_longer_known_says_so(discord_client, discord_server, discord_bot):
    answer = await ask_by_mention(discord_server, discord_client, "How do I scale a backend?")
    stale = {**answer, "components": [{"type": 1, "components": [
        {"type": 2, "style": 2, "label": "Old question", "custom_id": "bb:answer:removed-entry"}]}]}
    clicked = await discord_server.click(stale, "bb:answer:removed-entry")
    callback = await discord_server.callback_for(clicked)
    assert "no longer works" in callback["data"]["embeds"][0]["description"]
    assert len(discord_bot.storage.questions.questions()) == 1
