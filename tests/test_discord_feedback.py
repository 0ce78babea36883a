"""Helpful / not helpful votes are stored, one per person per answer; the voter gets a private thank-you."""

from discord_standin import (ALICE, discord_bot, discord_client, discord_server,  # noqa: F401
                             discord_settings)

EPHEMERAL = 64


async def answered_message(server, client) -> dict:
    await server.post_message(f"<@{client.user.id}> How do I test a backend?")
    [message] = await server.wait_until(lambda: server.messages)
    return message


def vote_button(server, message: dict, verdict: str) -> str:
    return next(custom_id for custom_id in server.button_ids(message) if f":{verdict}" in custom_id)


async def test_helpful_vote_is_stored_with_the_question_and_entry(discord_client, discord_server, discord_bot):
    message = await answered_message(discord_server, discord_client)
    clicked = await discord_server.click(message, vote_button(discord_server, message, "helpful"))
    callback = await discord_server.callback_for(clicked)
    assert callback["data"]["flags"] & EPHEMERAL
    assert "Thanks" in callback["data"]["embeds"][0]["description"]
    [question] = discord_bot.storage.questions.questions()
    [vote] = discord_bot.storage.questions.feedback()
    assert (vote["question_id"], vote["user"], vote["verdict"], vote["entry_id"]) == (
        question["id"], ALICE["id"], "helpful", "test-backend")
