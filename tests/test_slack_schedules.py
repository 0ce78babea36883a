"""The scheduler posts Slack's daily tips and quizzes through the real publisher, once, pausing where it cannot."""

import asyncio
import contextlib
from datetime import timedelta

from bot.adapters.slack.app import run_slack
from bot.wiring import build_bot
from bot.core.commands import ScheduleSpec
from bot.wiring import build_scheduler
from slack_requests import APP_TOKEN, CHANNEL, LogWatch, button_click, slack_settings
from slack_scheduling import MONDAY_9, SET_AT, client_without_retries, slack_with_scheduler
from slack_standin import SlackStandIn


def labels_in(message: dict, block_id: str) -> list[str]:
    block = next(block for block in message["blocks"] if block.get("block_id") == block_id)
    return [element["text"]["text"] for element in block["elements"]]


async def test_a_due_tip_is_posted_with_its_related_questions_and_their_buttons_answer(settings_for):
    async with slack_with_scheduler(settings_for) as scene:
        scene.schedule("tip")
        report = await scene.run(MONDAY_9)
        [tip] = scene.slack.successful("chat.postMessage")
        [post] = scene.scheduler.schedules.posts()
        entry = scene.bot.responder.knowledge.get(post.entry_id)
        related = scene.bot.responder.related_to(entry)
        first = related[0].short_label
        await scene.http.send_click(button_click(tip, first, scene.slack.response_url()))
        answer = (await scene.slack.wait_for_calls("chat.postMessage", 2))[1]

    assert report["sent"] == 1
    assert tip["channel"] == CHANNEL and "thread_ts" not in tip
    assert tip["blocks"][0] == {"type": "header", "block_id": "tip_title",
                                "text": {"type": "plain_text", "text": "Tip of the day", "emoji": True}}
    assert tip["text"].startswith(f"Tip of the day: {entry.question}")
    assert tip["blocks"][1]["text"]["text"].startswith(f"*{entry.question}*")
    assert labels_in(tip, "related") == [item.short_label for item in related]
    assert not any(block.get("block_id") == "feedback" for block in tip["blocks"])
    assert (post.status, post.message_ref) == ("sent", tip["ts"])
    # A click on a tip's related question answers it in a thread under the tip.
    assert answer["thread_ts"] == tip["ts"] and answer["text"].startswith(related[0].question)


async def test_a_due_quiz_is_posted_with_a_button_per_option_that_names_the_quiz(settings_for):
    async with slack_with_scheduler(settings_for) as scene:
        scene.schedule("quiz")
        await scene.run(MONDAY_9)
        [message] = scene.slack.successful("chat.postMessage")
        [post] = scene.scheduler.schedules.posts()
        quiz = scene.scheduler.quizzes.quiz(post.quiz_id)

    buttons = next(block for block in message["blocks"] if block.get("block_id") == "quiz_answers")["elements"]
    assert message["blocks"][0]["text"]["text"] == "Quiz of the day"
    assert [button["action_id"] for button in buttons] == ["quiz_answer_A", "quiz_answer_B", "quiz_answer_C",
                                                           "quiz_answer_D"]
    assert [button["value"] for button in buttons] == [f"{quiz.id}|{letter}" for letter in "ABCD"]
    assert [button["text"]["text"] for button in buttons] == [label for _, label in quiz.card.button_labels()]
    shown = "\n".join(block["text"]["text"] for block in message["blocks"] if block["type"] == "section")
    assert f"*{quiz.card.prompt}*" in shown
    if not quiz.card.has_text_buttons:
        assert all(f"*{option.letter}.*" in shown for option in quiz.card.options)
    assert (quiz.state, quiz.message_ref) == ("open", message["ts"])
    assert quiz.close_at == MONDAY_9 + timedelta(hours=8)


async def test_a_channel_the_bot_was_removed_from_pauses_its_schedule_and_says_why(settings_for):
    async with slack_with_scheduler(settings_for) as scene:
        scene.schedule("tip")
        scene.schedule("quiz", channel="C0ARCHIVED")
        scene.slack.refuse_next("chat.postMessage", "not_in_channel")
        scene.slack.refuse_next("chat.postMessage", "is_archived")
        report = await scene.run(MONDAY_9)
        await scene.run(MONDAY_9 + timedelta(days=1))
        shown = await scene.command("schedule", "schedule")
        tip, quiz = scene.scheduler.schedules.schedules()
        quizzes = scene.scheduler.quizzes.db.rows("SELECT * FROM quizzes")

    assert report["paused"] == 2
    assert {tip.paused_reason, quiz.paused_reason} == {"not_in_channel", "is_archived"}
    assert len(scene.slack.attempts("chat.postMessage")) == 2  # and nothing tried the next day
    assert quizzes == []  # nobody saw that quiz: it must not count as a missed quiz day
    assert shown["response_type"] == "ephemeral"
    assert "Daily tip at 09:00 UTC, daily (paused: " in shown["text"]


async def test_a_rate_limited_tip_is_posted_exactly_once(settings_for):
    async with slack_with_scheduler(settings_for) as scene:
        scene.schedule("tip")
        scene.slack.rate_limit_next("chat.postMessage")
        await scene.run(MONDAY_9)
        await scene.run(MONDAY_9 + timedelta(minutes=10))
        attempts = scene.slack.attempts("chat.postMessage")
        [post] = scene.scheduler.schedules.posts()

    assert [call.answer.get("error") for call in attempts] == ["ratelimited", None]
    assert (post.status, post.attempts) == ("sent", 1)


async def test_a_rate_limit_the_client_did_not_wait_out_is_retried_after_slacks_retry_after(settings_for):
    async with slack_with_scheduler(settings_for, client_for=client_without_retries) as scene:
        scene.schedule("tip")
        scene.slack.rate_limit_next("chat.postMessage", retry_after=300)
        await scene.run(MONDAY_9)
        [waiting] = scene.scheduler.schedules.posts()
        await scene.run(MONDAY_9 + timedelta(seconds=299))
        tried_early = len(scene.slack.attempts("chat.postMessage"))
        await scene.run(MONDAY_9 + timedelta(seconds=300))
        [post] = scene.scheduler.schedules.posts()

    assert (waiting.status, waiting.reason) == ("retry", "ratelimited")
    assert tried_early == 1
    assert (post.status, post.attempts) == ("sent", 2)
    assert len(scene.slack.successful("chat.postMessage")) == 1


async def test_a_tip_whose_answer_was_lost_after_slack_posted_it_is_found_and_not_sent_again(settings_for):
    async with slack_with_scheduler(settings_for) as scene:
        scene.schedule("tip")
        scene.slack.lose_answer_next("chat.postMessage")
        first = await scene.run(MONDAY_9)
        second = await scene.run(MONDAY_9 + timedelta(minutes=1))
        [post] = scene.scheduler.schedules.posts()
        [schedule] = scene.scheduler.schedules.schedules()

    assert (first, second) == ({"unresolved": 1}, {"recovered": 1})
    assert len(scene.slack.attempts("chat.postMessage")) == 1
    [posted] = scene.slack.successful("chat.postMessage")
    assert post.status == "sent" and post.message_ref == posted["ts"]
    assert posted["metadata"] == {"event_type": "backend_bot_post", "event_payload": {"post_id": post.id}}
    assert schedule.is_active  # tomorrow's tip still goes out


async def test_a_tip_dropped_before_slack_took_it_is_looked_for_then_sent_once(settings_for):
    async with slack_with_scheduler(settings_for) as scene:
        scene.schedule("tip")
        scene.slack.drop_next("chat.postMessage")
        await scene.run(MONDAY_9)
        second = await scene.run(MONDAY_9 + timedelta(minutes=1))
        [post] = scene.scheduler.schedules.posts()

    assert second == {"sent": 1}
    assert len(scene.slack.attempts("conversations.history")) == 1
    assert len(scene.slack.successful("chat.postMessage")) == 1 and post.status == "sent"


async def test_an_unknown_outcome_found_out_only_the_next_day_is_marked_missed_not_sent(settings_for):
    async with slack_with_scheduler(settings_for) as scene:
        scene.schedule("tip")
        scene.slack.drop_next("chat.postMessage")
        await scene.run(MONDAY_9)
        later = await scene.run(MONDAY_9 + timedelta(days=1) - timedelta(minutes=30))
        [first, *_] = scene.scheduler.schedules.posts()

    assert later["missed"] == 1
    assert first.status == "missed" and "day is over" in first.reason


async def test_run_slack_gives_the_scheduler_its_publisher_once_connected(settings_for):
    async with SlackStandIn() as slack:
        bot = build_bot(slack_settings(settings_for, slack, SLACK_APP_TOKEN=APP_TOKEN, SLACK_SIGNING_SECRET=""))
        scheduler = build_scheduler(bot)
        scheduler.schedules.set_schedule("slack", CHANNEL, "tip", ScheduleSpec("09:00", days="daily"), now=SET_AT)
        before = dict(scheduler.publishers)
        with LogWatch("bot.adapters.slack.app") as log:
            running = asyncio.create_task(run_slack(bot.service, bot.settings, scheduler=scheduler))
            try:
                await log.wait_for("connected to Slack in Socket Mode")
                report = await scheduler.run_once(MONDAY_9)
                [tip] = slack.successful("chat.postMessage")
            finally:
                running.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await running
                bot.close()

    assert before == {} and list(scheduler.publishers) == ["slack"]
    assert report["sent"] == 1 and tip["channel"] == CHANNEL
    assert {call.token_kind for call in slack.attempts("chat.postMessage")} == {"xoxb"}
