"""Slack's 429 with Retry-After: the reply is sent again after the wait, and appears exactly once."""

from slack_requests import mention, slack_over_http


async def test_rate_limited_reply_is_posted_exactly_once(settings_for):
    async with slack_over_http(settings_for) as (slack, _bot, http):
        slack.rate_limit_next("chat.postMessage")
        await http.send_event(mention("how do I make a request idempotent?", ts="1.1"), event_id="Ev1")
        posts = await slack.wait_for_calls("chat.postMessage")
        attempts = slack.attempts("chat.postMessage")

    assert [call.answer.get("error") for call in attempts] == ["ratelimited", None]
    assert len(posts) == 1 and posts[0]["thread_ts"] == "1.1"
    assert posts[0]["text"].startswith("How do I make a function or request idempotent?")
