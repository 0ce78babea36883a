"""HTTP mode answers 401 to a request without Slack's valid signature, and nothing is posted or logged."""

import json
import time

from slack_requests import event_callback, mention, signed_headers, slack_over_http

BODY = json.dumps(event_callback(mention("how do I make a request idempotent?", ts="1.1"), "EvForged"))


async def test_requests_without_a_valid_signature_get_401_and_no_reply(settings_for):
    now = str(int(time.time()))
    wrong_secret = signed_headers(BODY, secret="not-the-signing-secret")
    stale = signed_headers(BODY, timestamp="1000000000")  # signed properly, but in 2001
    tampered = {**signed_headers(BODY), "X-Slack-Request-Timestamp": str(int(now) - 1)}
    garbled = {**signed_headers(BODY), "X-Slack-Request-Timestamp": "yesterday"}
    async with slack_over_http(settings_for) as (slack, bot, http):
        answers = [await http.post(BODY, headers=headers, signed=False)
                   for headers in (wrong_secret, stale, tampered, garbled, {})]
        logged = bot.storage.questions.questions()
        seen = list(bot.storage.db.tables["seen_events"].rows)

    assert [answer.status for answer in answers] == [401, 401, 401, 401, 401]
    assert slack.calls == []
    assert logged == [] and seen == []
