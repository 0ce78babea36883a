"""`/backend tips|quiz|schedule|leaderboard`: admins change schedules, anyone looks, replies go to the asker alone."""

import random
from datetime import timedelta

from bot.core.quiz import build_quiz
from slack_requests import ANN, BEN, CHANNEL
from slack_scheduling import MONDAY_9, slack_with_scheduler
from slack_standin import TEAM_ID

REFUSAL = ("Only workspace admins and owners, or people listed in BOT_ADMINS can turn tips on or off. "
           "Anyone can see this channel's `schedule` and the `leaderboard`.")


def stored_schedules(scene):
    return [(s.platform, s.workspace, s.channel, s.kind, s.time, s.timezone, s.days, s.close_minutes, s.enabled)
            for s in scene.scheduler.schedules.schedules()]


async def test_a_workspace_admin_turns_tips_on_and_it_is_stored(settings_for):
    async with slack_with_scheduler(settings_for) as scene:
        scene.slack.add_user(ANN, "Ann Archer", is_admin=True)
        shown = await scene.command("tips on 09:00 Europe/Berlin mon-fri", "on", user=ANN)
        stored = stored_schedules(scene)
        [asked] = scene.slack.attempts("users.info")
        logged = scene.bot.storage.questions.questions()

    assert shown["response_type"] == "ephemeral"
    assert shown["text"].startswith("Done: Daily tip at 09:00 Europe/Berlin, mon-fri, in this channel. "
                                    "The first one comes Tue 14 Jan at 09:00 (Europe/Berlin).")
    assert "`/invite @backend-bot`" in shown["text"]
    assert stored == [("slack", TEAM_ID, CHANNEL, "tip", "09:00", "Europe/Berlin", "mon-fri", 480, True)]
    assert asked.params["user"] == ANN
    assert logged == []  # a command is not a question


async def test_someone_in_bot_admins_needs_no_workspace_role(settings_for):
    async with slack_with_scheduler(settings_for, BOT_ADMINS=f"U0OTHER, {BEN}") as scene:
        shown = await scene.command("quiz on 10:00 utc daily 4h", "on", user=BEN)
        stored = stored_schedules(scene)

    assert shown["text"].startswith("Done: Quiz of the day at 10:00 UTC, daily, open for 4h, in this channel.")
    assert stored == [("slack", TEAM_ID, CHANNEL, "quiz", "10:00", "UTC", "daily", 240, True)]
    assert scene.slack.attempts("users.info") == []


async def test_people_who_are_not_admins_are_told_why_and_nothing_is_stored(settings_for):
    async with slack_with_scheduler(settings_for) as scene:
        scene.slack.add_user(BEN, "Ben Baker")
        member = await scene.command("tips on 09:00 Europe/Berlin mon-fri", "member", user=BEN)
        unknown = await scene.command("tips off", "unknown", user="U0GUEST")  # users.info: user_not_found
        stored = stored_schedules(scene)

    assert member["response_type"] == "ephemeral" and member["text"] == REFUSAL
    assert unknown["text"] == REFUSAL
    assert stored == []


async def test_a_bad_time_or_timezone_gets_an_example_of_a_good_one(settings_for):
    async with slack_with_scheduler(settings_for, BOT_ADMINS=ANN) as scene:
        time = await scene.command("tips on 25:00 Europe/Berlin", "time")
        zone = await scene.command("quiz on 10:00 Mars/Olympus_Mons", "zone")
        pings = await scene.command("tips on 09:00 <!channel>", "pings")
        nothing = await scene.command("tips on", "nothing")
        stored = stored_schedules(scene)

    assert time["text"] == "'25:00' is not a time: use 24-hour HH:MM, for example 09:00 or 17:30"
    assert "is not a timezone I know" in zone["text"] and "Europe/Berlin" in zone["text"]
    assert "&lt;!channel&gt;" in pings["text"] and "<!" not in pings["text"]
    assert nothing["text"] == "Say when, with a 24-hour time. Try: tips on 09:00 Europe/Berlin mon-fri"
    assert all(shown["response_type"] == "ephemeral" for shown in (time, zone, pings, nothing))
    assert stored == []


async def test_anyone_sees_the_schedule_and_an_admin_turns_it_off(settings_for):
    async with slack_with_scheduler(settings_for, BOT_ADMINS=ANN) as scene:
        empty = await scene.command("schedule", "empty", user=BEN)
        await scene.command("quiz on 10:00 Asia/Kolkata mon,wed,fri", "on")
        listed = await scene.command("schedule", "listed", user=BEN)
        off = await scene.command("quiz off", "off")
        after = await scene.command("schedule", "after", user=BEN)

    assert empty["text"].startswith("Nothing is scheduled in this channel.")
    assert listed["text"] == "This channel has:\n• Quiz of the day at 10:00 Asia/Kolkata, mon,wed,fri, open for 8h"
    assert off["text"] == "The quiz of the day is off in this channel."
    assert after["text"].endswith("open for 8h (off)")


async def test_a_question_that_starts_like_a_command_is_still_answered_as_a_question(settings_for):
    async with slack_with_scheduler(settings_for, BOT_ADMINS=ANN) as scene:
        shown = await scene.command("tips on caching", "question")
        [logged] = scene.bot.storage.questions.questions()
        stored = stored_schedules(scene)

    assert logged["text"] == "tips on caching"
    assert "not a timezone" not in shown["text"] and "Try:" not in shown["text"]
    assert stored == []


async def test_leaderboard_shows_the_top_ten_and_the_askers_own_rank_and_streak(settings_for):
    # Twelve quiz days; person k got the last k of them right, so the order is certain and Ann, right only on
    # the last day, is 12th: outside the top 10, with a streak of 1.
    people = [f"U{number:02d}" for number in range(12, 1, -1)] + [ANN]
    async with slack_with_scheduler(settings_for) as scene:
        quizzes, entries = scene.scheduler.quizzes, scene.bot.responder.knowledge.entries
        for day in range(12):
            card = build_quiz(entries, random.Random(day))
            posted = MONDAY_9 - timedelta(days=12 - day)
            quiz_id = quizzes.create_quiz(card, "slack", CHANNEL, posted.date().isoformat(), workspace=TEAM_ID)
            quizzes.mark_posted(quiz_id, f"{day}.0", posted)
            for place, person in enumerate(people):
                if day >= place:  # people[place] gets the last 12 - place days right
                    quizzes.answer(quiz_id, person, card.correct, posted)
            quizzes.close_due(posted + timedelta(hours=8))
        shown = await scene.command("leaderboard", "board")

    lines = shown["text"].split("\n")
    assert shown["response_type"] == "ephemeral"
    assert lines[0] == "Quiz leaderboard (correct answers: this month / all time)"
    assert lines[1:11] == [f"{rank}. <@{people[rank - 1]}>: {13 - rank} / {13 - rank}" for rank in range(1, 11)]
    assert lines[-2:] == ["You: rank 12, 1 this month, 1 all time.",
                          "Your streak in this channel: 1 quiz day in a row."]
