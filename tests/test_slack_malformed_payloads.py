"""A malformed payload is logged and answered, never a crash: the bot keeps answering the next question."""

import json
from urllib.parse import urlencode

from slack_requests import FORM, LogWatch, button_click, event_callback, mention, slack_over_http

QUESTION = "how do I make a request idempotent?"


async def test_unreadable_bodies_get_400_and_the_bot_keeps_answering(settings_for):
    with LogWatch("bot.adapters.slack.transport") as log:
        async with slack_over_http(settings_for) as (slack, bot, http):
            broken_json = await http.post('{"type": "event_callback", "event": {')
            broken_form = await http.post(urlencode({"payload": "{not json"}), FORM)
            not_an_object = await http.post('["event_callback"]')
            await http.send_event(mention(QUESTION, ts="1.1"), event_id="Ev1")
            [post] = await slack.wait_for_calls("chat.postMessage")

    assert (broken_json.status, broken_form.status, not_an_object.status) == (400, 400, 400)
    # Rejections are logged at most once every 10 s, so a flood of bad requests cannot flood the log.
    assert sum("malformed Slack payload" in line for line in log.lines) == 1
    assert post["thread_ts"] == "1.1"


async def test_events_missing_what_the_bot_needs_are_logged_and_skipped(settings_for):
    no_channel = {"type": "app_mention", "user": "U0ANN", "text": "how do I scale?", "ts": "1.1"}
    not_text = {**mention(QUESTION, ts="1.2"), "text": {"unexpected": "object"}}
    with LogWatch("bot.adapters.slack") as log:
        async with slack_over_http(settings_for) as (slack, bot, http):
            answers = [await http.send_event(no_channel, event_id="EvNoChannel"),
                       await http.post(json.dumps({**event_callback(no_channel, "EvBroken"), "event": "oops"})),
                       await http.send_event(not_text, event_id="EvNotText")]
            await log.wait_for("cannot answer: event without a channel")
            await http.send_event(mention(QUESTION, ts="1.3"), event_id="Ev2")
            posts = await slack.wait_for_calls("chat.postMessage", 2)

    assert [answer.status for answer in answers] == [200, 400, 200]
    # A mention whose text is not text is still answered: with what it means, an empty question.
    assert [post["thread_ts"] for post in posts] == ["1.2", "1.3"]
    assert "Ask me a backend question" in posts[0]["text"]


async def test_buttons_with_values_the_bot_did_not_write_get_a_polite_note(settings_for):
    async with slack_over_http(settings_for) as (slack, bot, http):
        await http.send_event(mention(QUESTION, ts="1.1"), event_id="Ev1")
        [answer] = await slack.wait_for_calls("chat.postMessage")
        tampered = button_click(answer, "👍 Helpful", slack.response_url("tampered"))
        tampered["actions"][0]["value"] = "DROP TABLE questions"
        removed = button_click(answer, "What does idempotent mean", slack.response_url("removed"))
        removed["actions"][0]["value"] = "1|no-such-entry"
        statuses = [(await http.send_click(tampered)).status, (await http.send_click(removed)).status]
        notes = await slack.wait_for_calls("response_url", 2)
        stored = bot.storage.questions.feedback()

    assert statuses == [200, 200]
    assert all(note["response_type"] == "ephemeral" and "no longer works" in note["text"] for note in notes)
    assert stored == []
    assert len(slack.successful("chat.postMessage")) == 1


async def test_signed_clicks_of_the_wrong_shape_and_absurd_timestamps_get_400_or_401_never_500(settings_for):
    async with slack_over_http(settings_for) as (slack, bot, http):
        bad_actions = await http.post(urlencode({"payload": json.dumps({"type": "block_actions", "actions": "oops",
                                                                        "user": {"id": "U0ANN"}})}), FORM)
        no_user = await http.post(urlencode({"payload": json.dumps({"type": "block_actions",
                                                                    "actions": [{"action_id": "x"}]})}), FORM)
        huge_stamp = await http.post("{}", headers={"X-Slack-Request-Timestamp": "9" * 400})
        other_digits = await http.post("{}", headers={"X-Slack-Request-Timestamp": "١٧٠٠٠٠٠٠٠٠"})
        await http.send_event(mention(QUESTION, ts="1.9"), event_id="Ev9")
        [post] = await slack.wait_for_calls("chat.postMessage")

    assert (bad_actions.status, no_user.status) == (400, 400)
    assert (huge_stamp.status, other_digits.status) == (401, 401)
    assert post["thread_ts"] == "1.9"


async def test_a_lone_surrogate_escaped_in_the_json_is_answered_and_stored(settings_for):
    async with slack_over_http(settings_for) as (slack, bot, http):
        await http.send_event(mention("\ud800 when should we use a cache?", ts="1.1"), event_id="EvHalfPair")
        [post] = await slack.wait_for_calls("chat.postMessage")
        [stored] = bot.storage.db.rows("SELECT text, status, entry_id FROM questions")

    assert "When should I use a cache?" in post["text"]
    assert (stored["text"], stored["status"], stored["entry_id"]) == ("\ufffd when should we use a cache?", "answered",
                                                                       "when-cache")
