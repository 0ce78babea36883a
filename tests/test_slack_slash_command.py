"""`/backend <question>` is acknowledged at once and answered in the channel; `/backend help` explains the bot."""

from slack_requests import slash_command, slack_over_http


async def test_slash_command_is_acknowledged_then_answered_in_the_channel(settings_for):
    async with slack_over_http(settings_for) as (slack, bot, http):
        fields = slash_command("how do I make a request idempotent?", slack.response_url("cmd1"))
        answer = await http.send_command(fields)
        [response] = await slack.wait_for_calls("response_url")
        [logged] = bot.storage.questions.questions()

    assert (answer.status, answer.text) == (200, "")
    assert response["response_type"] == "in_channel"
    assert "How do I make a function or request idempotent?" in response["text"]
    assert any(block.get("block_id") == "feedback" for block in response["blocks"])
    assert (logged["platform"], logged["user"], logged["entry_id"]) == ("slack", "U0ANN", "make-idempotent")


async def test_slash_command_help_explains_the_bot_to_the_asker_only(settings_for):
    async with slack_over_http(settings_for) as (slack, _bot, http):
        await http.send_command(slash_command("help", slack.response_url("cmd2")))
        [response] = await slack.wait_for_calls("response_url")

    assert response["response_type"] == "ephemeral"
    assert "backend-engineering questions" in response["text"]
    assert "`/backend <question>`" in response["text"]
    assert "mentioning me in a channel" in response["blocks"][0]["text"]["text"]


async def test_empty_slash_command_says_how_to_ask(settings_for):
    async with slack_over_http(settings_for) as (slack, _bot, http):
        await http.send_command(slash_command("", slack.response_url("cmd3")))
        [response] = await slack.wait_for_calls("response_url")

    assert response["response_type"] == "ephemeral"
    assert "Ask me a backend question" in response["text"]
