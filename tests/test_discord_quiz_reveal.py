"""At closing time the Discord quiz message shows the answer with its buttons greyed out, and a reveal names winners."""

from discord_schedules import (BOB, CAROL, CHANNEL_POSTS, CLOSING, NO_MENTIONS, click_option, post_a_quiz,
                               wrong_letter)
from discord_standin import (ALICE, CHANNEL_ID, discord_bot, discord_scheduler, discord_server,  # noqa: F401
                             discord_settings)

SUCCESS, SECONDARY = 3, 2


async def test_closing_updates_the_quiz_message_and_posts_who_got_it_right(discord_scheduler, discord_server):
    message, quiz = await post_a_quiz(discord_scheduler, discord_server)
    await click_option(discord_server, message, quiz, quiz.card.correct)
    await click_option(discord_server, message, quiz, wrong_letter(quiz), user=BOB)
    assert await discord_scheduler.run_once(CLOSING) == {"revealed": 1}
    right = quiz.card.right_option
    [update] = discord_server.calls_to("PATCH", rf"^/channels/{CHANNEL_ID}/messages/{message['id']}$")
    [embed] = message["embeds"]
    assert embed["title"] == "Quiz of the day: closed"
    assert embed["description"].endswith(f"The answer: {right.letter}. {right.text}\n"
                                         "2 people answered, 50% got it right.")
    buttons = [button for row in message["components"] for button in row["components"]]
    assert all(button["disabled"] for button in buttons)
    assert [button["style"] for button in buttons] == [SUCCESS if letter == right.letter else SECONDARY
                                                      for letter in "ABCD"]
    assert update.status == 200
    reveal = discord_server.messages[-1]
    assert reveal["content"] == f"Today's correct answers came from <@{ALICE['id']}>."
    assert reveal["embeds"][0]["title"] == "Quiz of the day: the answer"
    assert reveal["message_reference"]["message_id"] == int(message["id"])
    assert discord_server.calls_to("POST", CHANNEL_POSTS)[-1].body["allowed_mentions"] == NO_MENTIONS
    assert discord_scheduler.quizzes.quiz(quiz.id).state == "revealed"


async def test_the_reveal_of_a_quiz_nobody_got_right_says_so(discord_scheduler, discord_server):
    message, quiz = await post_a_quiz(discord_scheduler, discord_server)
    await click_option(discord_server, message, quiz, wrong_letter(quiz), user=CAROL)
    await discord_scheduler.run_once(CLOSING)
    assert message["embeds"][0]["description"].endswith("1 person answered, 0% got it right.")
    assert discord_server.messages[-1]["content"] == "Nobody got today's quiz right. There's always tomorrow!"


async def test_a_deleted_quiz_message_is_still_revealed_and_the_schedule_carries_on(discord_scheduler,
                                                                                    discord_server):
    message, quiz = await post_a_quiz(discord_scheduler, discord_server)
    discord_server.messages.remove(message)
    assert await discord_scheduler.run_once(CLOSING) == {"revealed": 1}
    [update] = discord_server.calls_to("PATCH", rf"^/channels/{CHANNEL_ID}/messages/")
    assert update.status == 404
    [reveal] = discord_server.messages
    assert reveal["content"] == "Nobody answered today's quiz. There's a new one on the next quiz day!"
    [schedule] = discord_scheduler.schedules.schedules("discord")
    assert schedule.is_active


async def test_a_channel_the_bot_was_removed_from_before_the_reveal_pauses_the_schedule(discord_scheduler,
                                                                                       discord_server):
    _, quiz = await post_a_quiz(discord_scheduler, discord_server)
    discord_server.refuse_channel(CHANNEL_ID, 403)
    assert await discord_scheduler.run_once(CLOSING) == {"paused": 1}
    [schedule] = discord_scheduler.schedules.schedules("discord")
    assert schedule.paused_reason == "Discord 403 Missing Access: the bot cannot post in this channel"
    stored = discord_scheduler.quizzes.quiz(quiz.id)
    assert (stored.state, stored.reveal_status) == ("closed", "failed")
    assert len(discord_server.messages) == 1
