"""A connection dropped during chat.postMessage is not retried: a reply is never posted twice."""

from slack_requests import LogWatch, mention, slack_over_http


async def test_reply_is_not_retried_after_a_dropped_connection(settings_for):
    with LogWatch("bot.adapters.slack.transport") as log:
        async with slack_over_http(settings_for) as (slack, bot, http):
            slack.drop_next("chat.postMessage")
            await http.send_event(mention("how do I make a request idempotent?", ts="1.1"), event_id="Ev1")
            line = await log.wait_for("may not have been delivered")
            # The bot keeps answering: the next question gets its reply.
            await http.send_event(mention("what does idempotent mean?", ts="1.2"), event_id="Ev2")
            posts = await slack.wait_for_calls("chat.postMessage")
            attempts = slack.attempts("chat.postMessage")
            logged = bot.storage.questions.questions()

    assert "never posted twice" in line
    assert [call.params["thread_ts"] for call in attempts] == ["1.1", "1.2"]
    assert [post["thread_ts"] for post in posts] == ["1.2"]
    assert len(logged) == 2
