"""User text shown back in a reply is escaped as Slack requires: `<!channel>`, `<!here>` or `<@U…>` ping nobody."""

import json

from slack_requests import direct_message, mention, slash_command, slack_over_http, unsure_question

PINGS = "<!channel> <!here> <!everyone> <@U0BEN> <!subteam^S0TEAM>"


def everything_shown(message: dict) -> str:
    return json.dumps({"text": message["text"], "blocks": message["blocks"]}, ensure_ascii=False)


async def test_special_mentions_in_a_question_never_ping(settings_for):
    async with slack_over_http(settings_for) as (slack, bot, http):
        await http.send_event(mention(f"{PINGS} what is the weather in paris?", ts="1.1"), event_id="Ev1")
        await http.send_event(direct_message(f"{unsure_question(bot)} {PINGS}", ts="1.2"), event_id="Ev2")
        await http.send_command(slash_command(f"{PINGS} what is the weather in paris?", slack.response_url()))
        posts = await slack.wait_for_calls("chat.postMessage", 2)
        [response] = await slack.wait_for_calls("response_url")
        logged = bot.storage.questions.questions()

    shown = [everything_shown(message) for message in [*posts, response]]
    assert all("<!" not in text and "<@" not in text for text in shown)
    # What the person typed is still shown, literally, where the reply echoes the question.
    assert all("&lt;!channel&gt; &lt;!here&gt; &lt;!everyone&gt; &lt;@U0BEN&gt;" in text for text in shown)
    # Events are acknowledged first and answered concurrently, so the log's order is the order answers finished.
    assert sorted(row["status"] for row in logged) == ["suggest", "unknown", "unknown"]
    assert sum(row["text"].startswith("<!channel> <!here>") for row in logged) == 2


async def test_ampersands_and_angle_brackets_typed_by_people_show_as_typed(settings_for):
    # Slack sends what people type with &, < and > as entities; the reply must not double or drop them.
    async with slack_over_http(settings_for) as (slack, bot, http):
        await http.send_event(mention("is the weather &lt;b&gt;nice&lt;/b&gt; &amp; warm?", ts="1.1"), "Ev1")
        [post] = await slack.wait_for_calls("chat.postMessage")
        [logged] = bot.storage.questions.questions()

    assert logged["text"] == "is the weather <b>nice</b> & warm?"
    asked = next(block for block in post["blocks"] if block.get("block_id") == "asked")
    assert asked["elements"][0]["text"] == "You asked: “is the weather &lt;b&gt;nice&lt;/b&gt; &amp; warm?”"
