""""None of these" under a "did you mean" is logged as a miss, and the message says so."""

from slack_requests import ANN, button_click, mention, slack_over_http, unsure_question


async def test_none_of_these_is_logged_as_a_miss(settings_for):
    async with slack_over_http(settings_for) as (slack, bot, http):
        question = unsure_question(bot)
        await http.send_event(mention(question, ts="1.1"), event_id="Ev1")
        [suggestions] = await slack.wait_for_calls("chat.postMessage")
        await http.send_click(button_click(suggestions, "None of these", slack.response_url(), user=ANN))
        [update] = await slack.wait_for_calls("chat.update")
        [logged] = bot.storage.questions.questions()
        stored = bot.storage.questions.feedback()

    assert logged["status"] == "suggest" and logged["text"] == question
    assert [(row["question_id"], row["user"], row["verdict"]) for row in stored] == [
        (logged["id"], ANN, "none_of_these")]
    note = update["blocks"][-1]["elements"][0]["text"]
    assert note.startswith("Thanks, noted that none of these matched")
    assert len(slack.attempts("chat.postMessage")) == 1  # no new message, only the update
