"""The chat commands both platforms share: tips/quiz on and off for admins only, schedule, leaderboard."""

import asyncio
from datetime import datetime, timezone

import pytest

from bot.core.commands import QUIZ, TIP, CommandError, Place, ScheduleSpec, parse_command, refusal
from bot.core.replies import Note
from bot.core.scores import format_leaderboard
from bot.wiring import build_bot

NOW = datetime(2025, 1, 13, 15, 0, tzinfo=timezone.utc)
HERE = Place("slack", "C1", "U1", workspace="T1")


@pytest.fixture
def run(settings_for):
    """The service's command, as a platform calls it, with the platform's own admin rule answering `is_admin`."""
    bot = build_bot(settings_for(), clock=lambda: NOW)

    def run_as(text, is_admin=True, place=HERE):
        async def is_platform_admin():
            return is_admin

        async def command():
            return await bot.service.command(text, place, is_platform_admin,
                                             admins="workspace admins or people in BOT_ADMINS")

        result = asyncio.run(command())
        return result.text if isinstance(result, Note) else format_leaderboard(result)

    run_as.schedules = bot.storage.schedules
    yield run_as
    bot.close()


def test_an_admin_turns_tips_on_and_is_told_when_the_first_one_comes(run):
    reply = run("tips on 09:00 Europe/Berlin mon-fri")
    assert reply == ("Done: Daily tip at 09:00 Europe/Berlin, mon-fri, in this channel. "
                     "The first one comes Tue 14 Jan at 09:00 (Europe/Berlin).")
    [schedule] = run.schedules.schedules("slack", "C1")
    assert (schedule.kind, schedule.time, schedule.timezone, schedule.days, schedule.workspace) == (
        "tip", "09:00", "Europe/Berlin", "mon-fri", "T1")


def test_someone_who_is_not_an_admin_is_told_why_and_nothing_changes(run):
    run("quiz on 10:00 UTC daily")
    for text in ("tips on 09:00 Europe/Berlin mon-fri", "quiz off"):
        reply = run(text, is_admin=False)
        assert reply.startswith("Only workspace admins or people in BOT_ADMINS can turn")
        assert "Anyone can see this channel's `schedule`" in reply
    [schedule] = run.schedules.schedules("slack", "C1")
    assert (schedule.kind, schedule.enabled) == ("quiz", True)


def test_anyone_can_see_the_channels_schedule_and_the_leaderboard(run):
    assert run("schedule", is_admin=False).startswith("Nothing is scheduled in this channel.")
    run("quiz on 10:00 America/New_York daily 4h")
    run("tips on 09:00 Europe/Berlin mon-fri")
    run("tips off")
    assert run("schedule", is_admin=False) == (
        "This channel has:\n• Quiz of the day at 10:00 America/New_York, daily, open for 4h\n"
        "• Daily tip at 09:00 Europe/Berlin, mon-fri (off)")
    assert run("leaderboard", is_admin=False).startswith("No correct quiz answers yet.")


def test_a_paused_schedule_says_why_and_turning_it_on_again_resumes_it(run):
    run("tips on 09:00 UTC daily")
    schedule = run.schedules.find_schedule("slack", "C1", TIP)
    run.schedules.pause_schedule(schedule.id, "not_in_channel")
    assert "(paused: not_in_channel)" in run("schedule")
    run("tips on 09:00 UTC daily")
    assert run.schedules.find_schedule("slack", "C1", TIP).is_active


def test_turning_off_what_is_not_on_says_so(run):
    assert run("quiz off") == "The quiz of the day is not on in this channel; nothing to do."
    run("quiz on 10:00 UTC")
    assert run("quiz off") == "The quiz of the day is off in this channel."


@pytest.mark.parametrize("text, expected", [
    ("tips on 25:00", "'25:00' is not a time: use 24-hour HH:MM, for example 09:00 or 17:30"),
    ("tips on 09:00 Europe/Berlim", "is not a timezone I know: use an IANA name such as Europe/Berlin"),
    ("tips on Europe/Berlin", "Say when, with a 24-hour time. Try: tips on 09:00 Europe/Berlin mon-fri"),
    ("quiz on 10:00 30h", "give hours or minutes between 5m and 23h, for example 8h"),
    ("tips on 09:00 8h", "Only a quiz has a closing time"),
    ("tips sometimes", "Try: tips on 09:00 Europe/Berlin mon-fri"),
    ("weather", "I don't know the command 'weather'. Commands: `tips on 09:00 Europe/Berlin mon-fri`"),
])
def test_a_bad_command_gets_a_clear_message_with_a_good_example(run, text, expected):
    assert expected in run(text)
    assert run.schedules.schedules() == []


def test_words_may_come_in_any_order_and_timezones_in_any_case():
    command = parse_command("/quiz on mon,wed,fri america/new_york 7:30 close after 90m")
    assert (command.action, command.kind) == ("on", QUIZ)
    assert command.spec == ScheduleSpec("07:30", "America/New_York", "mon,wed,fri", 90)
    assert parse_command("tips on 09:00").spec == ScheduleSpec("09:00", "UTC", "mon-fri")
    with pytest.raises(CommandError, match="gives the time twice"):
        parse_command("tips on 09:00 10:00")


def test_the_admin_rule_is_a_plain_function_the_adapters_call():
    assert refusal(parse_command("tips off"), is_admin=False) is not None
    assert refusal(parse_command("tips off"), is_admin=True) is None
    assert refusal(parse_command("leaderboard"), is_admin=False) is None
