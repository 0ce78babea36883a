"""How Discord shows a "did you mean": the candidates in an embed, a button each and "None of these" last.

Picking one and "none of these" are in the conformance suite, the same on every platform."""

from discord_standin import (discord_bot, discord_client, discord_server,  # noqa: F401
                             discord_settings)

EPHEMERAL = 64
# Vague phrasings (the development set's first); the matcher is tuned over time, so the test uses the first it is unsure of.
VAGUE_QUESTIONS = [
    "explain idempotnce pls",
    "whats the idempotency thing people talk about",
    "app gets super slow when too many ppl log in at once, how do we scale it",
    "relying on webhooks is flaky, any fallback?",
    "retry logic causes the same transfer to go through twice, how to stop it",
    "keep the same product list from being fetched from the database again and again",
    "angular state management library",
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
        *[f"bb:answer:{match.entry.id}:{question['id']}" for match in reply.suggestions], f"bb:none:{question['id']}"]
    assert discord_server.button_labels(message)[-1] == "None of these"
