"""A question outside the knowledge gets an honest "I don't know" that names what the bot does know."""

from slack_requests import mention, slack_over_http


async def test_unknown_question_is_answered_honestly_with_known_topics(settings_for):
    async with slack_over_http(settings_for) as (slack, bot, http):
        await http.send_event(mention("what is the weather in paris?", ts="1.1"), event_id="Ev1")
        [post] = await slack.wait_for_calls("chat.postMessage")
        [logged] = bot.storage.questions.questions()

    notice = post["blocks"][0]["text"]["text"]
    assert notice.startswith("I don't know that one")
    assert all(topic in notice for topic in bot.responder.topics[:3])
    assert post["text"] == notice
    assert not any(block["type"] == "actions" for block in post["blocks"])
    assert (logged["status"], logged["entry_id"]) == ("unknown", None)
