"""/leaderboard shows this server's top 10 and the asker's own rank and streak, privately and without pinging."""

import random
from datetime import datetime, timedelta, timezone

from discord_schedules import EPHEMERAL, NO_MENTIONS, person
from discord_standin import (ALICE, CHANNEL_ID, GUILD_ID, discord_bot, discord_client, discord_server,  # noqa: F401
                             discord_settings)

from bot.core.quiz import LETTERS, build_quiz

UTC = timezone.utc
FIRST_DAY = datetime(2025, 1, 1, 10, 0, tzinfo=UTC)
PLAYERS = [person(number, f"Player{number}") for number in range(11)]


def play_quiz_days(bot, days: list[set[str]], workspace: str = str(GUILD_ID), channel: int = CHANNEL_ID) -> None:
    """One closed quiz a day in the channel; the people in a day's set answer it right, everyone else wrong."""
    quizzes = bot.storage.quizzes
    rng = random.Random(5)
    everyone = {player["id"] for player in PLAYERS} | {ALICE["id"]}
    for number, right in enumerate(days):
        posted = FIRST_DAY + timedelta(days=number)
        card = build_quiz(bot.responder.knowledge.entries, rng)
        quiz_id = quizzes.create_quiz(card, "discord", str(channel), posted.date().isoformat(), "UTC", workspace)
        quizzes.mark_posted(quiz_id, f"message-{number}", posted)
        wrong = next(letter for letter in LETTERS if letter != card.correct)
        for user in everyone:
            quizzes.answer(quiz_id, user, card.correct if user in right else wrong, posted)
        quizzes.close_due(posted + timedelta(hours=8))


async def test_leaderboard_shows_the_top_ten_and_the_askers_rank_and_streak(discord_client, discord_server,
                                                                            discord_bot):
    # Player k is right on the first 12 - k days; Alice only on the last two, which is her streak.
    days = [{player["id"] for k, player in enumerate(PLAYERS) if day < 12 - k} for day in range(12)]
    days[10].add(ALICE["id"])
    days[11].add(ALICE["id"])
    play_quiz_days(discord_bot, days)
    play_quiz_days(discord_bot, [{ALICE["id"]}] * 3, workspace="9990000000000000999", channel=CHANNEL_ID + 1)
    asked = await discord_server.run_command("leaderboard", [])
    callback = await discord_server.callback_for(asked)
    assert callback["data"]["flags"] & EPHEMERAL
    assert callback["data"]["allowed_mentions"] == NO_MENTIONS
    lines = callback["data"]["content"].split("\n")
    assert lines[0] == "Quiz leaderboard (correct answers: this month / all time)"
    assert lines[1:11] == [f"{k + 1}. <@{player['id']}>: 0 / {12 - k}" for k, player in enumerate(PLAYERS[:10])]
    assert lines[11:] == ["", "You: rank 11, 0 this month, 2 all time.",
                          "Your streak in this channel: 2 quiz days in a row."]


async def test_leaderboard_before_anyone_answered_invites_people_to_play(discord_client, discord_server):
    callback = await discord_server.callback_for(await discord_server.run_command("leaderboard", []))
    assert callback["data"]["content"].startswith("No correct quiz answers yet.")
    assert "You're not on the board yet." in callback["data"]["content"]
