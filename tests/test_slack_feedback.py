"""Helpful / not helpful buttons store one vote per person per answer, and the message thanks them."""

from slack_requests import ANN, BEN, button_click, mention, slack_over_http


def note_of(update: dict) -> str:
    [note] = [block for block in update["blocks"] if block.get("block_id") == "feedback_note"]
    return note["elements"][0]["text"]


async def test_feedback_is_stored_and_the_message_thanks_the_voter(settings_for):
    async with slack_over_http(settings_for) as (slack, bot, http):
        await http.send_event(mention("how do I make a request idempotent?", ts="1.1"), event_id="Ev1")
        [answer] = await slack.wait_for_calls("chat.postMessage")
        await http.send_click(button_click(answer, "👍 Helpful", slack.response_url(), user=ANN))
        [update] = await slack.wait_for_calls("chat.update")
        stored = bot.storage.questions.feedback()

    assert [(row["user"], row["verdict"], row["entry_id"]) for row in stored] == [
        (ANN, "helpful", "make-idempotent")]
    assert (update["channel"], update["ts"]) == (answer["channel"], answer["ts"])
    assert note_of(update) == "Thanks for the feedback! 1 person found this helpful, 0 did not."
    # The answer and its buttons stay, so others can vote too.
    assert update["blocks"][:-1] == answer["blocks"]
    assert update["text"] == answer["text"]


async def test_a_second_click_changes_the_vote_and_others_vote_separately(settings_for):
    async with slack_over_http(settings_for) as (slack, bot, http):
        await http.send_event(mention("how do I make a request idempotent?", ts="1.1"), event_id="Ev1")
        [answer] = await slack.wait_for_calls("chat.postMessage")
        await http.send_click(button_click(answer, "👍 Helpful", slack.response_url(), user=ANN))
        await slack.wait_for_calls("chat.update", 1)
        await http.send_click(button_click(answer, "👎 Not helpful", slack.response_url(), user=ANN))
        await slack.wait_for_calls("chat.update", 2)
        await http.send_click(button_click(answer, "👍 Helpful", slack.response_url(), user=BEN))
        updates = await slack.wait_for_calls("chat.update", 3)
        stored = bot.storage.questions.feedback()

    assert sorted((row["user"], row["verdict"]) for row in stored) == [(ANN, "not_helpful"), (BEN, "helpful")]
    assert note_of(updates[1]) == "Thanks for the feedback! 0 people found this helpful, 1 did not."
    assert note_of(updates[2]) == "Thanks for the feedback! 1 person found this helpful, 1 did not."
    assert sum(block.get("block_id") == "feedback_note" for block in updates[2]["blocks"]) == 1


async def test_a_rate_limited_update_never_shows_fewer_votes_than_are_stored(settings_for):
    async with slack_over_http(settings_for) as (slack, bot, http):
        await http.send_event(mention("how do I make a request idempotent?", ts="1.1"), event_id="Ev1")
        [answer] = await slack.wait_for_calls("chat.postMessage")
        slack.rate_limit_next("chat.update", retry_after=1)
        await http.send_click(button_click(answer, "👍 Helpful", slack.response_url("a"), user=ANN))
        await slack.wait_for(lambda: slack.attempts("chat.update"))
        await http.send_click(button_click(answer, "👍 Helpful", slack.response_url("b"), user=BEN))
        updates = await slack.wait_for_calls("chat.update", 2)

    # The retried first update and the second land in order: the count shown never goes down.
    shown = [int(note_of(update).split("! ")[1].split()[0]) for update in updates]
    assert shown == sorted(shown) and shown[-1] == 2
