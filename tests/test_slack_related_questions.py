"""A related-question or "did you mean" button answers that question in the same thread."""

from slack_requests import CHANNEL, button_click, mention, slack_over_http, slash_command, unsure_question

LEDGER = "How do I handle concurrent updates to a shared resource like a ledger balance?"


async def test_related_question_button_answers_in_the_same_thread(settings_for):
    async with slack_over_http(settings_for) as (slack, bot, http):
        await http.send_event(mention("how do I make a request idempotent?", ts="1.1"), event_id="Ev1")
        [first] = await slack.wait_for_calls("chat.postMessage")
        labels = [element["text"]["text"] for block in first["blocks"] if block.get("block_id") == "related"
                  for element in block["elements"]]
        answer = await http.send_click(button_click(first, "Concurrent updates", slack.response_url()))
        second = (await slack.wait_for_calls("chat.postMessage", 2))[1]
        logged = bot.storage.questions.questions()

    assert answer.status == 200
    # The 80-character question shows as its short label, within Slack's 75 characters a button.
    assert "Concurrent updates to a shared balance" in labels and all(len(label) <= 75 for label in labels)
    assert (second["channel"], second["thread_ts"]) == (CHANNEL, "1.1")
    assert second["text"].startswith(LEDGER)
    assert [row["entry_id"] for row in logged] == ["make-idempotent", "concurrency-shared-resource"]


async def test_did_you_mean_button_answers_the_chosen_question(settings_for):
    async with slack_over_http(settings_for) as (slack, bot, http):
        question = unsure_question(bot)
        await http.send_event(mention(question, ts="2.1"), event_id="Ev2")
        [first] = await slack.wait_for_calls("chat.postMessage")
        suggestions = next(block for block in first["blocks"] if block.get("block_id") == "suggestions")
        chosen = suggestions["elements"][0]["text"]["text"]
        await http.send_click(button_click(first, chosen, slack.response_url()))
        second = (await slack.wait_for_calls("chat.postMessage", 2))[1]

    assert first["text"].startswith("Did you mean: ")
    assert [element["text"]["text"] for element in suggestions["elements"]][-1] == "None of these"
    assert second["thread_ts"] == "2.1"
    assert f"*{chosen.rstrip('…')}" in second["blocks"][0]["text"]["text"]


async def test_buttons_on_a_slash_command_answer_work_where_the_bot_is_not_a_member(settings_for):
    async with slack_over_http(settings_for) as (slack, bot, http):
        await http.send_command(slash_command("how do I make a request idempotent?", slack.response_url("cmd")))
        [answer] = await slack.wait_for_calls("response_url")
        shown = {**answer, "channel": CHANNEL, "ts": "5.5"}  # as the channel shows the command's answer
        slack.refuse_next("chat.postMessage", "not_in_channel")
        await http.send_click(button_click(shown, "Concurrent updates", slack.response_url("click")))
        slack.refuse_next("chat.update", "not_in_channel")
        await http.send_click(button_click(shown, "👍 Helpful", slack.response_url("vote")))
        responses = await slack.wait_for_calls("response_url", 3)
        refused = [call.answer["error"] for call in slack.calls if not call.ok]

    assert refused == ["not_in_channel", "not_in_channel"]
    related, vote = responses[1], responses[2]
    assert related["response_type"] == "in_channel" and related["replace_original"] is False
    assert related["text"].startswith(LEDGER)
    assert vote["replace_original"] is True
    assert vote["blocks"][-1]["elements"][0]["text"].startswith("Thanks for the feedback! 1 person")
