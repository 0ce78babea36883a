"""Runs the chat commands on schedules and scores for any platform: parse, check the admin rule, store, reply."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from .core.commands import (EXAMPLE, LEADERBOARD, OFF, ON, QUIZ, SHOW, TIP, Command, CommandError, describe_spec,
                            parse_command, refusal)
from .core.scores import format_leaderboard
from .quiz_storage import QuizStorage
from .schedule_storage import ScheduleStorage
from .scheduler import next_slot
from .storage import utc_now


@dataclass(frozen=True)
class Place:
    """Where and by whom a command was typed; `workspace` is the Slack team or Discord guild id."""

    platform: str
    channel: str
    user: str
    workspace: str = ""


def run_command(text: str, place: Place, is_admin: bool, schedules: ScheduleStorage, quizzes: QuizStorage,
                now: datetime | None = None, admins: str = "admins",
                mention: Callable[[str], str] = lambda user: f"<@{user}>") -> str:
    """The reply, for the person who typed `text` alone; `admins` names who may change schedules here."""
    now = now or utc_now()
    try:
        command = parse_command(text)
    except CommandError as error:
        return str(error)
    refused = refusal(command, is_admin, admins)
    if refused:
        return refused
    if command.action == ON:
        return _turn_on(command, place, schedules, now)
    if command.action == OFF:
        turned_off = schedules.turn_off(place.platform, place.channel, command.kind, by=place.user, now=now)
        what = "Daily tips are" if command.kind == TIP else "The quiz of the day is"
        return f"{what} off in this channel." if turned_off else f"{what} not on in this channel; nothing to do."
    if command.action == SHOW:
        return describe_channel(place, schedules)
    if command.action == LEADERBOARD:
        board = quizzes.leaderboard(place.platform, place.workspace, place.channel, place.user, now)
        return format_leaderboard(board, mention)
    raise AssertionError(f"unhandled command {command!r}")


def _turn_on(command: Command, place: Place, schedules: ScheduleStorage, now: datetime) -> str:
    schedule = schedules.set_schedule(place.platform, place.channel, command.kind, command.spec,
                                      workspace=place.workspace, by=place.user, now=now)
    reply = f"Done: {describe_spec(command.kind, command.spec)}, in this channel."
    first = next_slot(schedule, now)
    if first is not None:
        reply += f" The first one comes {first:%a %d %b at %H:%M} ({schedule.timezone})."
    return reply


def describe_channel(place: Place, schedules: ScheduleStorage) -> str:
    found = schedules.schedules(place.platform, place.channel)
    if not found:
        return (f"Nothing is scheduled in this channel. An admin can start tips with `{EXAMPLE[TIP]}` "
                f"or a quiz with `{EXAMPLE[QUIZ]}`.")
    return "This channel has:\n" + "\n".join(f"• {schedule.describe()}" for schedule in found)
