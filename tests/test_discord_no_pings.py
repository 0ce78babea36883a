"""Nobody is pinged because of what a user typed: everything the bot sends allows no mentions."""

from discord_standin import discord_bot, discord_client, discord_server, discord_settings  # noqa: F401

NO_MENTIONS = {"parse": []}


async def test_everyone_in_a_question_is_sent_with_no_allowed_mentions(discord_client, discord_server):
    await discord_server.post_message(f"<@{discord_client.user.id}> @everyone @here <@&123> what is idempotent?",
                                      mention_everyone=True)
    await discord_server.wait_until(lambda: discord_server.messages)
    [post] = discord_server.calls_to("POST", r"^/channels/\d+/messages$")
    assert post.body["allowed_mentions"] == {"parse": [], "replied_user": False}


async def test_slash_command_and_button_replies_allow_no_mentions(discord_client, discord_server):
    asked = await discord_server.ask("@everyone How do I do database migrations?")
    callback = await discord_server.callback_for(asked)
    message = discord_server.response_messages[asked]
    clicked = await discord_server.click(message, discord_server.button_ids(message)[0])
    related = await discord_server.callback_for(clicked)
    assert callback["data"]["allowed_mentions"] == NO_MENTIONS
    assert related["data"]["allowed_mentions"] == NO_MENTIONS
