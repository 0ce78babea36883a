"""When answering fails inside the bot, the person gets an apology instead of silence, and the bot survives."""

from slack_requests import mention, slack_over_http


async def test_a_broken_database_gets_an_apology_in_the_thread(settings_for):
    async with slack_over_http(settings_for) as (slack, bot, http):
        bot.storage.db.connection.close()  # the disk went away under the bot
        answer = await http.send_event(mention("how do I make a request idempotent?", ts="1.1"), event_id="Ev1")
        [post] = await slack.wait_for_calls("chat.postMessage")

    assert answer.status == 200
    assert post["thread_ts"] == "1.1"
    assert post["text"].startswith("Sorry, something went wrong")
