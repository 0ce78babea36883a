"""Discord's /tips and /quiz command groups, /schedule and /leaderboard: the shared chat commands, said privately."""

from functools import lru_cache
from zoneinfo import available_timezones

import discord
from discord import app_commands

from ...core.commands import DIGEST, QUIZ, TIP, CommandError, parse_days, parse_duration, parse_time, parse_timezone
from ...core.replies import Note, NoteKind
from .render import ADMINS, Rendered, clip, manages_server, place_of, render, render_text, respond
from .review import open_entry_form

COMMON_TIMEZONES = ("UTC", "Europe/London", "Europe/Berlin", "Europe/Paris", "America/New_York", "America/Chicago",
                    "America/Los_Angeles", "America/Sao_Paulo", "Asia/Kolkata", "Asia/Singapore", "Asia/Tokyo",
                    "Australia/Sydney")
# Discord shows at most 25 autocomplete choices.
MAX_CHOICES = 25
OPTION_HELP = {
    "time": "Local time, 24-hour HH:MM, e.g. 09:00",
    "timezone": "IANA timezone, e.g. Europe/Berlin (default UTC)",
    "days": "mon-fri (default), daily, weekends, or a list such as mon,wed,fri",
    "open_for": "How long answers count, e.g. 8h (default), 4h or 90m",
}


def add_schedule_commands(tree: app_commands.CommandTree) -> None:
    """/tips on|off and /quiz on|off change the channel's schedule (admins only); anyone may use the rest."""
    # Schedules belong to a server's channels, and scores to a server: none of these make sense in a DM.
    servers_only = {"guild_only": True, "allowed_contexts": app_commands.AppCommandContext(guild=True)}
    tips = app_commands.Group(name="tips", description="A daily tip in this channel (admins turn it on or off)",
                              **servers_only)
    quiz = app_commands.Group(name="quiz", description="A quiz of the day in this channel (admins turn it on or off)",
                              **servers_only)

    @tips.command(name="on", description="Post a tip at a local time on chosen days")
    @app_commands.describe(time=OPTION_HELP["time"], timezone=OPTION_HELP["timezone"], days=OPTION_HELP["days"])
    async def tips_on(interaction: discord.Interaction, time: str, timezone: str | None = None,
                      days: str | None = None) -> None:
        await turn_on(interaction, TIP, time, timezone, days)

    @tips.command(name="off", description="Stop the daily tip in this channel")
    async def tips_off(interaction: discord.Interaction) -> None:
        await answer_command(interaction, "tips off")

    @quiz.command(name="on", description="Post a quiz at a local time on chosen days")
    @app_commands.describe(time=OPTION_HELP["time"], timezone=OPTION_HELP["timezone"], days=OPTION_HELP["days"],
                           open_for=OPTION_HELP["open_for"])
    async def quiz_on(interaction: discord.Interaction, time: str, timezone: str | None = None,
                      days: str | None = None, open_for: str | None = None) -> None:
        await turn_on(interaction, QUIZ, time, timezone, days, open_for)

    @quiz.command(name="off", description="Stop the quiz of the day in this channel")
    async def quiz_off(interaction: discord.Interaction) -> None:
        await answer_command(interaction, "quiz off")

    digest = app_commands.Group(name="digest", description="A weekly review of what I could not answer, posted "
                                                           "in this channel (admins turn it on or off)", **servers_only)

    @digest.command(name="on", description="Post the review at a local time on chosen days (default Mondays)")
    @app_commands.describe(time=OPTION_HELP["time"], timezone=OPTION_HELP["timezone"],
                           days="mon (default), or days such as mon,thu")
    async def digest_on(interaction: discord.Interaction, time: str, timezone: str | None = None,
                        days: str | None = None) -> None:
        await turn_on(interaction, DIGEST, time, timezone, days)

    @digest.command(name="off", description="Stop the weekly review in this channel")
    async def digest_off(interaction: discord.Interaction) -> None:
        await answer_command(interaction, "digest off")

    @tree.command(name="entry", description="Add a knowledge entry with a form (admins)")
    async def entry(interaction: discord.Interaction) -> None:
        await open_entry_form(interaction)

    for command in (tips_on, quiz_on, digest_on):
        command.autocomplete("timezone")(suggest_timezones)
    for group in (tips, quiz, digest):
        tree.add_command(group)

    @tree.command(name="schedule", description="What this channel has: its daily tip and quiz of the day")
    @app_commands.guild_only()
    async def schedule(interaction: discord.Interaction) -> None:
        await answer_command(interaction, "schedule")

    @tree.command(name="teach", description="Teach a phrasing people use for a knowledge entry (admins)")
    @app_commands.describe(entry="The entry it should answer with", question="How people ask it")
    async def teach(interaction: discord.Interaction, entry: str,
                    question: app_commands.Range[str, 1, 500]) -> None:
        await answer_command(interaction, f"teach {entry}: {question}")

    @tree.command(name="unteach", description="Forget a taught phrasing (admins)")
    @app_commands.describe(question="The phrasing, as it was taught")
    async def unteach(interaction: discord.Interaction, question: app_commands.Range[str, 1, 500]) -> None:
        await answer_command(interaction, f"unteach {question}")

    teach.autocomplete("entry")(suggest_entries)

    @tree.command(name="leaderboard", description="The quiz's top 10 in this server, and your own rank and streak")
    @app_commands.guild_only()
    async def leaderboard(interaction: discord.Interaction) -> None:
        await answer_command(interaction, "leaderboard")


def spec_words(time: str, timezone: str | None, days: str | None, open_for: str | None = None) -> str:
    """The options as command words, each checked on its own so a bad one gets its own example."""
    words = [parse_time(time)]
    if timezone:
        words.append(parse_timezone(timezone))
    if days:
        words.append(parse_days(days))
    if open_for:
        words.append(f"{parse_duration(open_for)}m")
    return " ".join(words)


async def turn_on(interaction: discord.Interaction, kind: str, time: str, timezone: str | None, days: str | None,
                  open_for: str | None = None) -> None:
    try:
        words = spec_words(time, timezone, days, open_for)
    except CommandError as error:
        await send(interaction, render_text(str(error)))
        return
    await answer_command(interaction, f"{kind} on {words}")


async def answer_command(interaction: discord.Interaction, text: str) -> None:
    def present(result) -> Rendered:
        if isinstance(result, Note) and result.kind == NoteKind.SCHEDULE_ON:
            return render_text(result.text + posting_warning(interaction))
        return render_text(result.text) if isinstance(result, Note) else render(result)

    command = interaction.client.service.command(text, place_of(interaction), lambda: manages_server(interaction),
                                                 ADMINS)
    await respond(interaction, command, ephemeral=True, present=present)


def posting_warning(interaction: discord.Interaction) -> str:
    """A note when the bot lacks what posting here needs, so the admin can fix it before the first post fails."""
    allowed = interaction.app_permissions
    in_thread = isinstance(interaction.channel, discord.Thread)
    send = allowed.send_messages_in_threads if in_thread else allowed.send_messages
    needed = {"View Channel": allowed.view_channel, "Send Messages": send, "Embed Links": allowed.embed_links,
              "Read Message History": allowed.read_message_history}
    missing = [name for name, granted in needed.items() if not granted]
    if not missing:
        return ""
    return (f"\nNote: I can't post here yet. Give me {', '.join(missing)} in this channel, or the first post will "
            "pause the schedule.")


async def send(interaction: discord.Interaction, rendered: Rendered) -> None:
    # Only the person who typed the command sees the answer; the leaderboard's names never ping anyone.
    await interaction.response.send_message(**rendered.as_response())


async def suggest_entries(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """Entry ids whose id or question contains what was typed; Discord shows at most 25."""
    typed = current.strip().casefold()
    entries = interaction.client.service.responder.knowledge.entries
    found = [entry for entry in entries if typed in entry.id or typed in entry.question.casefold()]
    return [app_commands.Choice(name=clip(f"{entry.id}: {entry.question}", 100), value=entry.id)
            for entry in found[:MAX_CHOICES]]


async def suggest_timezones(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=zone, value=zone) for zone in matching_timezones(current)]


def matching_timezones(typed: str, limit: int = MAX_CHOICES) -> list[str]:
    """IANA names containing what was typed, those starting with it first; common ones when nothing is typed."""
    wanted = typed.strip().casefold().replace(" ", "_")
    if not wanted:
        return list(COMMON_TIMEZONES[:limit])
    found = [zone for zone in known_timezones() if wanted in zone.casefold()]
    found.sort(key=lambda zone: (not zone.casefold().startswith(wanted), zone))
    return found[:limit]


@lru_cache(maxsize=1)
def known_timezones() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))
