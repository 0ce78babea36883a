"""A direct message to the bot is answered in the DM; edits and other message subtypes are not questions."""

from slack_requests import direct_message, slack_over_http


async def test_direct_message_is_answered_in_the_dm(settings_for):
    async with slack_over_http(settings_for) as (slack, bot, http):
        await http.send_event(direct_message("our api falls over at peak traffic", ts="1.1"), event_id="EvDm")
        [post] = await slack.wait_for_calls("chat.postMessage")
        [logged] = bot.storage.questions.questions()

    assert post["channel"] == "D0ANN"
    assert "thread_ts" not in post
    assert post["text"].startswith("How do I scale a backend?")
    assert (logged["channel"], logged["entry_id"]) == ("D0ANN", "scale-backend")


async def test_edited_and_joined_messages_are_not_answered(settings_for):
    edited = direct_message("how do I scale?", ts="1.1", subtype="message_changed")
    joined = direct_message("ann has joined", ts="1.2", subtype="channel_join")
    async with slack_over_http(settings_for) as (slack, bot, http):
        await http.send_event(edited, event_id="EvEdit")
        await http.send_event(joined, event_id="EvJoin")
        await http.send_event(direct_message("hello", ts="1.3"), event_id="EvHello")
        posts = await slack.wait_for_calls("chat.postMessage")
        logged = bot.storage.questions.questions()

    assert len(posts) == 1 and posts[0]["text"].startswith("Hi!")
    assert [row["intent"] for row in logged] == ["greeting"]
