"""When the bot is unsure it offers "Did you mean" buttons and "None of these", which is logged as feedback."""

from discord_standin import (ALICE, discord_bot, discord_client, discord_server,  # noqa: F401
                             discord_settings)

EPHEMERAL = 64
# Vague phrasings from the development set; the matcher is tuned over time, so the test uses the first it is unsure of.
VAGUE_QUESTIONS = [
    "explain idempotnce pls",
    "whats the idempotency thing people talk about",
    "app gets super slow when too many ppl log in at once, how do we scale it",
    "relying on webhooks is flaky, any fallback?",
    "retry logic causes the same transfer to go through twice, how to stop it",
]


def a_question_the_bot_is_unsure_about(bot) -> str:
    return next(question for question in VAGUE_QUESTIONS if bot.responder.reply_to(question).status == "suggest")


async def ask_something_vague(server, client, bot) -> tuple[dict, object]:
    question = a_question_the_bot_is_unsure_about(bot)
    await server.post_message(f"<@{client.user.id}> {question}")
    [message] = await server.wait_until(lambda: server.messages)
    return message, bot.responder.reply_to(question)


async def test_unsure_answer_offers_did_you_mean_buttons_and_none_of_these(discord_client, discord_server,
                                                                            discord_bot):
    message, reply = await ask_something_vague(discord_server, discord_client, discord_bot)
    [embed] = message["embeds"]
    assert embed["title"] == "Did you mean…"
    for match in reply.suggestions:
        assert match.entry.question in embed["description"]
    [question] = discord_bot.storage.questions.questions()
    assert discord_server.button_ids(message) == [
        *[f"bb:answer:{match.entry.id}" for match in reply.suggestions], f"bb:none:{question['id']}"]
    assert discord_server.button_labels(message)[-1] == "None of these"


async def test_none_of_these_is_logged_against_the_question(discord_client, discord_server, discord_bot):
    message, _ = await ask_something_vague(discord_server, discord_client, discord_bot)
    clicked = await discord_server.click(message, discord_server.button_ids(message)[-1])
    callback = await discord_server.callback_for(clicked)
    assert callback["data"]["flags"] & EPHEMERAL
    assert "other words" in callback["data"]["embeds"][0]["description"]
    [question] = discord_bot.storage.questions.questions()
    [vote] = discord_bot.storage.questions.feedback()
    assert (vote["question_id"], vote["user"], vote["verdict"]) == (question["id"], ALICE["id"], "none_of_these")
    assert question["status"] == "suggest"


async def test_picking_a_suggestion_answers_it(discord_client, discord_server, discord_bot):
    message, reply = await ask_something_vague(discord_server, discord_client, discord_bot)
    chosen = reply.suggestions[1].entry
    clicked = await discord_server.click(message, f"bb:answer:{chosen.id}")
    callback = await discord_server.callback_for(clicked)
    assert callback["data"]["embeds"][0]["title"] == chosen.question
    assert [row["entry_id"] for row in discord_bot.storage.questions.questions()] == [None, chosen.id]
