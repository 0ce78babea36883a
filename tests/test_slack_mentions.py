"""A mention in a channel is answered in the thread it started; the bot ignores itself and other bots."""

from slack_requests import CHANNEL, direct_message, mention, slack_over_http
from slack_standin import BOT_ID, BOT_USER_ID

QUESTION = "how do I make a request idempotent?"


async def test_mention_is_answered_in_a_thread_under_it(settings_for):
    async with slack_over_http(settings_for) as (slack, bot, http):
        answer = await http.send_event(mention(QUESTION, ts="1700000100.000100"), event_id="Ev1")
        [post] = await slack.wait_for_calls("chat.postMessage")
        [logged] = bot.storage.questions.questions()

    assert answer.status == 200
    assert post["channel"] == CHANNEL
    assert post["thread_ts"] == "1700000100.000100"
    assert "How do I make a function or request idempotent?" in post["text"]
    shown = " ".join(block["text"]["text"] for block in post["blocks"] if block["type"] == "section")
    assert "idempotency key" in shown
    context = [block for block in post["blocks"] if block["type"] == "context"]
    assert "`make-idempotent`" in context[0]["elements"][0]["text"]
    assert (logged["platform"], logged["text"], logged["entry_id"]) == ("slack", QUESTION, "make-idempotent")


async def test_mention_inside_a_thread_is_answered_in_that_thread(settings_for):
    async with slack_over_http(settings_for) as (slack, _bot, http):
        event = mention(QUESTION, ts="1700000200.000200", thread_ts="1700000150.000150")
        await http.send_event(event, event_id="Ev2")
        [post] = await slack.wait_for_calls("chat.postMessage")

    assert post["thread_ts"] == "1700000150.000150"


async def test_bot_ignores_its_own_messages_and_other_bots(settings_for):
    own = {**direct_message("How do I make a request idempotent?", ts="1.1"), "user": BOT_USER_ID,
           "bot_id": BOT_ID}
    other_bot = {**mention(QUESTION, ts="1.2"), "bot_id": "B0OTHER", "user": "U0OTHERBOT"}
    other_bot_dm = {**direct_message(QUESTION, ts="1.3"), "subtype": "bot_message", "bot_id": "B0OTHER"}
    async with slack_over_http(settings_for) as (slack, bot, http):
        for number, event in enumerate([own, other_bot, other_bot_dm]):
            assert (await http.send_event(event, event_id=f"EvBot{number}")).status == 200
        # A person's question after them: once it is answered, the bots' events have long been handled.
        await http.send_event(mention(QUESTION, ts="1.4"), event_id="EvPerson")
        posts = await slack.wait_for_calls("chat.postMessage")
        logged = bot.storage.questions.questions()

    assert [post["thread_ts"] for post in posts] == ["1.4"]
    assert len(logged) == 1
