"""/tips and /quiz change a channel's schedule for members with Manage Server or BOT_ADMINS; /schedule is for all."""

from discord_schedules import EPHEMERAL, NO_MENTIONS
from discord_standin import (ALICE, CHANNEL_ID, GUILD_ID, MEMBER_PERMISSIONS, discord_bot, discord_client,  # noqa: F401
                             discord_server, discord_settings, running_client)

from bot.wiring import build_bot

MANAGE_SERVER = str(int(MEMBER_PERMISSIONS) | 1 << 5)
ADMINISTRATOR = str(int(MEMBER_PERMISSIONS) | 1 << 3)
VIEW_CHANNEL_ONLY = str(1 << 10)
CHANNEL_MESSAGE, AUTOCOMPLETE_RESULT = 4, 8
GUILD_CONTEXT = 0


def subcommand(name: str, **values: str) -> list[dict]:
    return [{"name": name, "type": 1, "options": [{"name": key, "type": 3, "value": value}
                                                  for key, value in values.items()]}]


async def command_reply(server, name: str, options: list[dict], **member) -> str:
    """What the bot answered, checked to be for the person who typed the command alone and to ping nobody."""
    callback = await server.callback_for(await server.run_command(name, options, **member))
    assert callback["type"] == CHANNEL_MESSAGE
    assert callback["data"]["flags"] & EPHEMERAL
    assert callback["data"]["allowed_mentions"] == NO_MENTIONS
    return callback["data"]["content"]


def schedules_here(bot):
    return bot.storage.schedules.schedules("discord", str(CHANNEL_ID))


async def test_a_member_with_manage_server_turns_tips_on_for_the_channel(discord_client, discord_server, discord_bot):
    reply = await command_reply(discord_server, "tips", subcommand("on", time="9:00", timezone="europe/berlin",
                                                                   days="mon-fri"), permissions=MANAGE_SERVER)
    assert reply.startswith("Done: Daily tip at 09:00 Europe/Berlin, mon-fri, in this channel. The first one comes ")
    assert "Note:" not in reply
    [schedule] = schedules_here(discord_bot)
    assert (schedule.kind, schedule.time, schedule.timezone, schedule.days, schedule.workspace, schedule.enabled) == (
        "tip", "09:00", "Europe/Berlin", "mon-fri", str(GUILD_ID), True)


async def test_an_administrator_turns_the_quiz_on_with_how_long_it_stays_open(discord_client, discord_server,
                                                                               discord_bot):
    reply = await command_reply(discord_server, "quiz", subcommand("on", time="10:00", days="daily", open_for="4h"),
                                permissions=ADMINISTRATOR)
    assert reply.startswith("Done: Quiz of the day at 10:00 UTC, daily, open for 4h, in this channel.")
    [schedule] = schedules_here(discord_bot)
    assert (schedule.kind, schedule.close_minutes) == ("quiz", 240)


async def test_someone_without_manage_server_is_told_why_and_nothing_is_stored(discord_client, discord_server,
                                                                                discord_bot):
    for name, options, what in (("tips", subcommand("on", time="09:00"), "tips"),
                                ("quiz", subcommand("off"), "the quiz")):
        reply = await command_reply(discord_server, name, options)
        assert reply == (f"Only members with Manage Server or people in BOT_ADMINS can turn {what} on or off. "
                         "Anyone can see this channel's `schedule` and the `leaderboard`.")
    assert schedules_here(discord_bot) == []


async def test_a_user_listed_in_bot_admins_may_change_schedules(discord_server, settings_for):
    bot = build_bot(settings_for(**discord_server.variables(), BOT_ADMINS=f"123, {ALICE['id']}"))
    try:
        async with running_client(bot):
            reply = await command_reply(discord_server, "tips", subcommand("on", time="08:30"))
        [schedule] = schedules_here(bot)
    finally:
        bot.close()
    assert reply.startswith("Done: Daily tip at 08:30 UTC, mon-fri")
    assert schedule.time == "08:30"


async def test_a_bad_time_or_timezone_is_answered_with_a_good_example(discord_client, discord_server, discord_bot):
    bad_time = await command_reply(discord_server, "tips", subcommand("on", time="9am"), permissions=MANAGE_SERVER)
    bad_zone = await command_reply(discord_server, "quiz", subcommand("on", time="10:00", timezone="Berlin"),
                                   permissions=MANAGE_SERVER)
    bad_days = await command_reply(discord_server, "quiz", subcommand("on", time="10:00", days="someday"),
                                   permissions=MANAGE_SERVER)
    assert bad_time == "'9am' is not a time: use 24-hour HH:MM, for example 09:00 or 17:30"
    assert bad_zone.startswith("'Berlin' is not a timezone I know: use an IANA name such as Europe/Berlin")
    assert "mon,wed,fri" in bad_days
    assert schedules_here(discord_bot) == []


async def test_turning_off_and_the_channels_schedule_are_shown_to_anyone(discord_client, discord_server):
    assert (await command_reply(discord_server, "schedule", [])).startswith("Nothing is scheduled in this channel.")
    await command_reply(discord_server, "quiz", subcommand("on", time="10:00"), permissions=MANAGE_SERVER)
    await command_reply(discord_server, "tips", subcommand("on", time="09:00"), permissions=MANAGE_SERVER)
    off = await command_reply(discord_server, "tips", subcommand("off"), permissions=MANAGE_SERVER)
    assert off == "Daily tips are off in this channel."
    assert await command_reply(discord_server, "schedule", []) == (
        "This channel has:\n• Quiz of the day at 10:00 UTC, mon-fri, open for 8h\n"
        "• Daily tip at 09:00 UTC, mon-fri (off)")


async def test_turning_tips_on_where_the_bot_cannot_post_warns_the_admin(discord_client, discord_server, discord_bot):
    reply = await command_reply(discord_server, "tips", subcommand("on", time="09:00"), permissions=MANAGE_SERVER,
                                app_permissions=VIEW_CHANNEL_ONLY)
    assert reply.startswith("Done: Daily tip at 09:00 UTC")
    assert reply.endswith("Note: I can't post here yet. Give me Send Messages, Embed Links, Read Message History "
                          "in this channel, or the first post will pause the schedule.")
    assert len(schedules_here(discord_bot)) == 1


async def test_the_timezone_option_suggests_iana_names_as_you_type(discord_client, discord_server):
    typed = [{"name": "time", "type": 3, "value": "09:00"},
             {"name": "timezone", "type": 3, "value": "berl", "focused": True}]
    callback = await discord_server.callback_for(await discord_server.autocomplete("tips", "on", typed))
    assert callback["type"] == AUTOCOMPLETE_RESULT
    assert callback["data"]["choices"] == [{"name": "Europe/Berlin", "value": "Europe/Berlin"}]


async def test_the_schedule_commands_are_offered_in_servers_not_in_direct_messages(discord_client, discord_server):
    registered = {command["name"]: command for command in discord_server.commands["global"]}
    for name in ("tips", "quiz", "schedule", "leaderboard"):
        assert (registered[name]["contexts"], registered[name]["dm_permission"]) == ([GUILD_CONTEXT], False)
