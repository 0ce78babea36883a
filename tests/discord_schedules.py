"""Shared steps for the Discord schedule and quiz tests: a schedule in the test channel, a posted quiz, people."""

from datetime import datetime, timedelta, timezone

from discord_payloads import ALICE, CHANNEL_ID, GUILD_ID

from bot.core.commands import ScheduleSpec
from bot.core.quiz import LETTERS

UTC = timezone.utc
SET_AT = datetime(2025, 1, 1, tzinfo=UTC)
MONDAY_9 = datetime(2025, 1, 13, 9, 0, tzinfo=UTC)
# A quiz posted at MONDAY_9 stays open for the default 8 hours.
CLOSING = MONDAY_9 + timedelta(hours=8)
CHANNEL_POSTS = rf"^/channels/{CHANNEL_ID}/messages$"
EPHEMERAL = 64
NO_MENTIONS = {"parse": []}


def person(number: int, name: str) -> dict:
    return {**ALICE, "id": str(4400000000000000100 + number), "username": name.lower(), "global_name": name}


BOB = person(1, "Bob")
CAROL = person(2, "Carol")


def schedule_here(scheduler, kind: str, channel: int = CHANNEL_ID):
    """A daily 09:00 UTC schedule of `kind` in the test server's channel, set well before MONDAY_9."""
    return scheduler.schedules.set_schedule("discord", str(channel), kind, ScheduleSpec("09:00", "UTC", "daily"),
                                            workspace=str(GUILD_ID), now=SET_AT)


async def post_a_quiz(scheduler, server) -> tuple[dict, object]:
    """The quiz message as the channel received it, and the stored quiz."""
    schedule_here(scheduler, "quiz")
    assert await scheduler.run_once(MONDAY_9) == {"sent": 1}
    [message] = server.messages
    [post] = scheduler.schedules.posts()
    return message, scheduler.quizzes.quiz(post.quiz_id)


def wrong_letter(quiz) -> str:
    return next(letter for letter in LETTERS if letter != quiz.card.correct)


async def click_option(server, message: dict, quiz, letter: str, user: dict = ALICE) -> dict:
    """Clicks the option's button as `user`; returns the interaction callback the bot sent back."""
    clicked = await server.click(message, f"bb:quiz:{quiz.id}:{letter}", user=user)
    return await server.callback_for(clicked)
