"""Slack re-delivers events it thinks failed: each retry gets a 200, and the question is answered once."""

from slack_requests import mention, slack_over_http

QUESTION = "how do I make a request idempotent?"


async def test_retried_slack_event_is_answered_once(settings_for):
    event = mention(QUESTION, ts="1.1")
    async with slack_over_http(settings_for) as (slack, bot, http):
        first = await http.send_event(event, event_id="EvRetried")
        retries = [await http.send_event(event, event_id="EvRetried", retry_num=number) for number in (1, 2)]
        # A later question is answered after the retries were handled, so a second reply would be visible now.
        await http.send_event(mention("what does idempotent mean?", ts="1.2"), event_id="EvNext")
        posts = await slack.wait_for_calls("chat.postMessage", 2)
        logged = bot.storage.questions.questions()
        seen = list(bot.storage.db.tables["seen_events"].rows)

    assert [answer.status for answer in [first, *retries]] == [200, 200, 200]
    assert [post["thread_ts"] for post in posts] == ["1.1", "1.2"]
    assert [row["text"] for row in logged] == [QUESTION, "what does idempotent mean?"]
    assert sorted(row["event_id"] for row in seen) == ["EvNext", "EvRetried"]
