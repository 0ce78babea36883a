"""The scheduler posts tips and quizzes to Discord through the real client: once, retried on 429, paused on 403/404."""

from datetime import timedelta

import pytest

from discord_schedules import CHANNEL_POSTS, MONDAY_9, NO_MENTIONS, schedule_here
from discord_standin import (CHANNEL_ID, discord_bot, discord_scheduler, discord_server,  # noqa: F401
                             discord_settings)


async def test_a_due_tip_is_posted_once_as_tip_of_the_day_with_related_question_buttons(
        discord_scheduler, discord_server, discord_bot):
    schedule_here(discord_scheduler, "tip")
    assert await discord_scheduler.run_once(MONDAY_9 - timedelta(minutes=1)) == {}
    await discord_scheduler.run_once(MONDAY_9)
    await discord_scheduler.run_once(MONDAY_9 + timedelta(hours=2))
    [call] = discord_server.calls_to("POST", CHANNEL_POSTS)
    [message] = discord_server.messages
    [post] = discord_scheduler.schedules.posts()
    entry = discord_bot.responder.knowledge.get(post.entry_id)
    [embed] = message["embeds"]
    assert embed["author"]["name"] == "Tip of the day"
    assert (embed["title"], embed["description"]) == (entry.question, entry.answer_text)
    assert discord_server.button_ids(message) == [
        f"bb:answer:{related.id}" for related in discord_bot.responder.related_to(entry)]
    assert call.body["allowed_mentions"] == NO_MENTIONS
    assert (post.status, post.message_ref) == ("sent", message["id"])


async def test_a_tips_related_question_button_answers_it(discord_scheduler, discord_server, discord_bot):
    schedule_here(discord_scheduler, "tip")
    await discord_scheduler.run_once(MONDAY_9)
    [tip] = discord_server.messages
    first_related = discord_server.button_ids(tip)[0]
    clicked = await discord_server.click(tip, first_related)
    callback = await discord_server.callback_for(clicked)
    related = discord_bot.responder.knowledge.get(first_related.removeprefix("bb:answer:"))
    assert callback["data"]["embeds"][0]["title"] == related.question


async def test_a_due_quiz_is_posted_with_its_question_and_four_answer_buttons(discord_scheduler, discord_server):
    schedule_here(discord_scheduler, "quiz")
    assert await discord_scheduler.run_once(MONDAY_9) == {"sent": 1}
    [message] = discord_server.messages
    [post] = discord_scheduler.schedules.posts()
    quiz = discord_scheduler.quizzes.quiz(post.quiz_id)
    [embed] = message["embeds"]
    assert embed["title"] == "Quiz of the day"
    assert embed["description"] == quiz.card.body
    assert "One answer per person" in embed["footer"]["text"]
    assert discord_server.button_ids(message) == [f"bb:quiz:{quiz.id}:{letter}" for letter in "ABCD"]
    labels = discord_server.button_labels(message)
    assert all(label.startswith(letter) and len(label) <= 80 for letter, label in zip("ABCD", labels))
    assert quiz.message_ref == message["id"]


async def test_a_rate_limited_post_is_waited_out_and_posted_once(discord_scheduler, discord_server):
    schedule_here(discord_scheduler, "tip")
    discord_server.rate_limit_once("POST", CHANNEL_POSTS)
    assert await discord_scheduler.run_once(MONDAY_9) == {"sent": 1}
    assert [call.status for call in discord_server.calls_to("POST", CHANNEL_POSTS)] == [429, 200]
    assert len(discord_server.messages) == 1
    [post] = discord_scheduler.schedules.posts()
    assert (post.status, post.attempts) == ("sent", 1)


async def test_a_long_rate_limit_is_retried_by_the_scheduler_after_discords_retry_after(
        discord_scheduler, discord_server):
    schedule_here(discord_scheduler, "tip")
    discord_server.rate_limit_once("POST", CHANNEL_POSTS, retry_after=300)
    assert await discord_scheduler.run_once(MONDAY_9) == {"retry": 1}
    [post] = discord_scheduler.schedules.posts()
    assert (post.status, post.reason) == ("retry", "Discord 429: rate limited for 300 s")
    assert discord_scheduler.schedules.retries_due(MONDAY_9 + timedelta(seconds=299)) == []
    assert await discord_scheduler.run_once(MONDAY_9 + timedelta(seconds=300)) == {"sent": 1}
    assert [call.status for call in discord_server.calls_to("POST", CHANNEL_POSTS)] == [429, 200]
    assert len(discord_server.messages) == 1


@pytest.mark.parametrize("status, reason", [(403, "Discord 403 Missing Access"), (404, "Discord 404 Unknown Channel")])
async def test_a_channel_the_bot_cannot_post_in_pauses_its_schedule(discord_scheduler, discord_server, status,
                                                                     reason):
    schedule_here(discord_scheduler, "quiz")
    discord_server.refuse_channel(CHANNEL_ID, status)
    assert await discord_scheduler.run_once(MONDAY_9) == {"paused": 1}
    assert await discord_scheduler.run_once(MONDAY_9 + timedelta(days=1)) == {}
    [schedule] = discord_scheduler.schedules.schedules("discord")
    assert schedule.paused_reason == f"{reason}: the bot cannot post in this channel"
    assert schedule.describe().endswith(f"(paused: {reason}: the bot cannot post in this channel)")
    [post] = discord_scheduler.schedules.posts()
    assert post.status == "failed"
    assert discord_scheduler.quizzes.quiz(post.quiz_id) is None
    assert len(discord_server.calls_to("POST", CHANNEL_POSTS)) == 1
    assert discord_server.messages == []


async def test_a_paused_channel_does_not_hold_up_another_channels_post(discord_scheduler, discord_server):
    other_channel = CHANNEL_ID + 1
    schedule_here(discord_scheduler, "tip")
    schedule_here(discord_scheduler, "tip", channel=other_channel)
    discord_server.refuse_channel(other_channel, 403)
    assert await discord_scheduler.run_once(MONDAY_9) == {"sent": 1, "paused": 1}
    assert [message["channel_id"] for message in discord_server.messages] == [str(CHANNEL_ID)]


async def test_a_post_whose_response_was_lost_is_not_posted_twice_when_retried(discord_scheduler, discord_server):
    schedule_here(discord_scheduler, "quiz")
    discord_server.lose_response_once("POST", CHANNEL_POSTS)
    assert await discord_scheduler.run_once(MONDAY_9) == {"retry": 1}
    [post] = discord_scheduler.schedules.posts()
    assert post.reason.startswith("cannot reach Discord")
    assert await discord_scheduler.run_once(MONDAY_9 + timedelta(seconds=30)) == {"sent": 1}
    [first, retried] = discord_server.calls_to("POST", CHANNEL_POSTS)
    assert first.body["nonce"] == retried.body["nonce"]
    [message] = discord_server.messages
    assert discord_scheduler.quizzes.quiz(post.quiz_id).message_ref == message["id"]


async def test_a_post_made_by_a_process_that_died_before_hearing_back_is_found_not_sent_again(discord_scheduler,
                                                                                               discord_server):
    schedule_here(discord_scheduler, "tip")
    # The first process claims the post and sends it; Discord takes it, and the process dies before it hears.
    wave = await discord_scheduler.db.run(discord_scheduler._claim_wave, MONDAY_9)
    [(schedule, post, tip)] = wave.posts
    await discord_scheduler.publishers["discord"].post_tip(schedule.channel, tip, post.id)
    report = await discord_scheduler.run_once(MONDAY_9 + timedelta(minutes=3))
    [stored] = discord_scheduler.schedules.posts()
    [message] = discord_server.messages
    assert report == {"recovered": 1}
    assert (stored.status, stored.message_ref) == ("sent", message["id"])
    assert message["embeds"][0]["footer"]["text"].endswith(f" · post {post.id}")
