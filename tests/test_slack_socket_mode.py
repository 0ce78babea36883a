"""Socket Mode: envelopes are acknowledged and answered, retries answered once, and a `disconnect` survived."""

import asyncio

from slack_requests import BEN, event_callback, mention, slash_command, slack_over_socket_mode

QUESTION = "how do I make a request idempotent?"


async def test_socket_mode_envelope_is_acknowledged_and_answered(settings_for):
    async with slack_over_socket_mode(settings_for) as (slack, bot):
        payload = event_callback(mention(QUESTION, ts="1.1"), "EvSocket")
        ack = await slack.send_envelope("events_api", payload, envelope_id="env-1")
        [post] = await slack.wait_for_calls("chat.postMessage")
        [opened] = slack.attempts("apps.connections.open")
        logged = bot.storage.questions.questions()

    assert ack == {"envelope_id": "env-1"}
    assert post["thread_ts"] == "1.1" and post["text"].startswith("How do I make a function or request idempotent?")
    assert opened.ok and opened.token_kind == "xapp"
    assert {call.token_kind for call in slack.attempts("chat.postMessage")} == {"xoxb"}
    assert [row["platform"] for row in logged] == ["slack"]


async def test_socket_mode_retry_is_acknowledged_and_answered_once(settings_for):
    async with slack_over_socket_mode(settings_for) as (slack, _bot):
        payload = event_callback(mention(QUESTION, ts="1.1"), "EvSocketRetry")
        first = await slack.send_envelope("events_api", payload, envelope_id="env-1")
        retry = await slack.send_envelope("events_api", payload, envelope_id="env-2", retry_attempt=1)
        await slack.send_envelope("events_api", event_callback(mention("hello", ts="1.2"), "EvNext"), "env-3")
        posts = await slack.wait_for_calls("chat.postMessage", 2)

    assert (first, retry) == ({"envelope_id": "env-1"}, {"envelope_id": "env-2"})
    assert [post["thread_ts"] for post in posts] == ["1.1", "1.2"]


async def test_socket_mode_reconnects_after_disconnect_and_keeps_answering(settings_for):
    async with slack_over_socket_mode(settings_for) as (slack, _bot):
        await slack.send_envelope("events_api", event_callback(mention(QUESTION, ts="1.1"), "Ev1"), "env-1")
        await slack.wait_for_calls("chat.postMessage")
        await slack.ask_to_reconnect()
        await slack.send_envelope("events_api", event_callback(mention(QUESTION, ts="2.1"), "Ev2"), "env-2")
        posts = await slack.wait_for_calls("chat.postMessage", 2)
        opened = slack.attempts("apps.connections.open")

    assert len(slack.sockets) == 2 and slack.sockets[0].closed
    assert len(opened) == 2
    assert [post["thread_ts"] for post in posts] == ["1.1", "2.1"]


async def test_socket_mode_slash_command_is_acknowledged_then_answered(settings_for):
    async with slack_over_socket_mode(settings_for) as (slack, _bot):
        command = slash_command(QUESTION, slack.response_url("socket-cmd"))
        ack = await slack.send_envelope("slash_commands", command, envelope_id="env-cmd")
        [response] = await slack.wait_for_calls("response_url")

    assert ack == {"envelope_id": "env-cmd"}
    assert response["response_type"] == "in_channel"
    assert "idempotency key" in response["blocks"][0]["text"]["text"]


async def test_socket_mode_reconnects_after_the_socket_drops(settings_for):
    async with slack_over_socket_mode(settings_for) as (slack, _bot):
        await slack.close_newest_socket()
        await slack.send_envelope("events_api", event_callback(mention(QUESTION, ts="3.1"), "Ev3"), "env-3")
        [post] = await slack.wait_for_calls("chat.postMessage")

    assert len(slack.attempts("apps.connections.open")) == 2
    assert post["thread_ts"] == "3.1"



async def test_an_answer_never_overtakes_the_one_to_the_question_asked_before_it(settings_for):
    # The first answer is held on the network; the second question is quick to answer (small talk) and must wait.
    async with slack_over_socket_mode(settings_for) as (slack, _bot):
        release = slack.hold_next("chat.postMessage")
        await slack.send_envelope("events_api", event_callback(mention(QUESTION, ts="2.1"), "EvFirst"), "env-first")
        await slack.wait_for(lambda: "chat.postMessage" in slack.waiting)
        await slack.send_envelope("events_api", event_callback(mention("hello", ts="2.2"), "EvSecond"), "env-second")
        await asyncio.sleep(0.5)  # time enough for the second answer to overtake, were it allowed to
        overtaken = [post["thread_ts"] for post in slack.successful("chat.postMessage")]
        release.set()
        posts = await slack.wait_for_calls("chat.postMessage", 2)

    assert overtaken == []
    assert [post["thread_ts"] for post in posts] == ["2.1", "2.2"]


async def test_an_answer_stuck_on_the_network_holds_up_the_next_one_only_for_a_while(settings_for):
    async with slack_over_socket_mode(settings_for) as (slack, bot):
        bot.service.turn_patience = 0.3
        release = slack.hold_next("chat.postMessage")
        await slack.send_envelope("events_api", event_callback(mention(QUESTION, ts="3.1"), "EvStuck"), "env-stuck")
        await slack.wait_for(lambda: "chat.postMessage" in slack.waiting)
        await slack.send_envelope("events_api", event_callback(mention("hello", ts="3.2"), "EvAfter"), "env-after")
        [first] = await slack.wait_for_calls("chat.postMessage")
        release.set()
        posts = await slack.wait_for_calls("chat.postMessage", 2)

    assert first["thread_ts"] == "3.2"
    assert [post["thread_ts"] for post in posts] == ["3.2", "3.1"]


async def test_another_persons_answer_does_not_wait_for_a_held_one(settings_for):
    async with slack_over_socket_mode(settings_for) as (slack, _bot):
        release = slack.hold_next("chat.postMessage")
        await slack.send_envelope("events_api", event_callback(mention(QUESTION, ts="4.1"), "EvAnn"), "env-ann")
        await slack.wait_for(lambda: "chat.postMessage" in slack.waiting)
        await slack.send_envelope("events_api", event_callback(mention("hello", ts="4.2", user=BEN), "EvBen"), "env-ben")
        [first] = await slack.wait_for_calls("chat.postMessage")
        release.set()
        await slack.wait_for_calls("chat.postMessage", 2)

    assert first["thread_ts"] == "4.2"
