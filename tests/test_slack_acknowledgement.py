"""Slack gets its acknowledgement at once, before the answer is sent, however long sending the answer takes."""

from slack_requests import mention, slash_command, slack_over_http


async def test_event_is_acknowledged_before_its_answer_is_sent(settings_for):
    async with slack_over_http(settings_for) as (slack, _bot, http):
        release = slack.hold_next("chat.postMessage")
        answer = await http.send_event(mention("how do I make a request idempotent?", ts="1.1"), "Ev1")
        # The 200 is back while the answer is still held on its way to Slack.
        waiting = await slack.wait_for(lambda: list(slack.waiting))
        posted_before_release = slack.successful("chat.postMessage")
        release.set()
        [post] = await slack.wait_for_calls("chat.postMessage")

    assert (answer.status, waiting, posted_before_release) == (200, ["chat.postMessage"], [])
    assert post["thread_ts"] == "1.1"


async def test_slash_command_is_acknowledged_before_its_answer_is_sent(settings_for):
    async with slack_over_http(settings_for) as (slack, _bot, http):
        release = slack.hold_next("response_url")
        answer = await http.send_command(slash_command("what does idempotent mean?", slack.response_url()))
        waiting = await slack.wait_for(lambda: list(slack.waiting))
        release.set()
        [response] = await slack.wait_for_calls("response_url")

    assert (answer.status, answer.text, waiting) == (200, "", ["response_url"])
    assert response["response_type"] == "in_channel"
