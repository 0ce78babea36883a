"""The `schedule`, `tip` and `quiz` subcommands: operators set schedules; anyone tries tips and quizzes."""

import argparse
import getpass
import re
import sys
from datetime import datetime, timezone

from .config import load_settings
from .core.commands import (DEFAULT_CLOSE_MINUTES, DEFAULT_DAYS, DIGEST, DIGEST_DAYS, DEFAULT_TIMEZONE, KINDS, QUIZ, CommandError,
                            ScheduleSpec, parse_days, parse_duration, parse_time, parse_timezone)
from .scheduler import next_slot
from .storage import ScheduleStorage, open_storage
from .wiring import build_bot

EXIT_USAGE = 2
PLATFORMS = ("slack", "discord")
_CHANNEL_IDS = {
    "slack": (re.compile(r"^[CGD][A-Z0-9]{2,}$"), "a Slack channel id such as C0123456789 "
              "(open the channel's details; the id is at the bottom)"),
    "discord": (re.compile(r"^\d{5,25}$"), "a Discord channel id such as 1234567890123456789 "
                "(turn on Developer Mode, then right-click the channel and Copy Channel ID)"),
}


def parse_channel(platform: str, text: str) -> str:
    pattern, example = _CHANNEL_IDS[platform]
    if not pattern.match(text.strip()):
        raise CommandError(f"{text!r} is not a channel id: use {example}")
    return text.strip()


def spec_from(args: argparse.Namespace) -> ScheduleSpec:
    """The schedule the options describe; CommandError (with an example) for a bad time, timezone or days."""
    close_minutes = DEFAULT_CLOSE_MINUTES
    if args.close_after:
        if args.kind != QUIZ:
            raise CommandError("--close-after is for quizzes only (how long a quiz takes answers), "
                               "e.g. --kind quiz --close-after 8h")
        close_minutes = parse_duration(args.close_after)
    days = args.days or (DIGEST_DAYS if args.kind == DIGEST else DEFAULT_DAYS)
    return ScheduleSpec(parse_time(args.time), parse_timezone(args.tz), parse_days(days), close_minutes)


def command_schedule(args: argparse.Namespace) -> int:
    storage = open_storage(load_settings().database)
    schedules = storage.schedules
    try:
        if args.schedule_command == "add":
            return add_schedule(args, schedules)
        if args.schedule_command == "remove":
            if schedules.remove_schedule(args.id):
                print(f"Removed schedule {args.id}.")
                return 0
            print(f"There is no schedule {args.id}; `backend-bot schedule list` shows the ids.", file=sys.stderr)
            return 1
        return list_schedules(schedules)
    finally:
        storage.close()


def add_schedule(args: argparse.Namespace, schedules: ScheduleStorage) -> int:
    try:
        channel = parse_channel(args.platform, args.channel)
        spec = spec_from(args)
    except CommandError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    existed = schedules.find_schedule(args.platform, channel, args.kind) is not None
    now = datetime.now(timezone.utc)
    schedule = schedules.set_schedule(args.platform, channel, args.kind, spec, workspace=args.workspace,
                                      by=f"cli:{terminal_user()}", now=now)
    print(f"{'Updated' if existed else 'Added'} schedule {schedule.id}: {schedule.describe()}, "
          f"in {schedule.platform} channel {schedule.channel}.")
    first = next_slot(schedule, now)
    if first is not None:
        print(f"First post: {first:%a %d %b %Y %H:%M} {schedule.timezone}. A running `backend-bot serve` "
              "picks this up without a restart.")
    return 0


def list_schedules(schedules: ScheduleStorage) -> int:
    found = schedules.schedules()
    if not found:
        print("No schedules yet. Add one with: backend-bot schedule add --platform slack --channel C0123456789 "
              "--kind tip --time 09:00 --tz Europe/Berlin --days mon-fri")
        return 0
    print(f"{'ID':>4}  {'PLATFORM':8}  {'CHANNEL':20}  {'KIND':6}  {'TIME':5}  {'TIMEZONE':20}  {'DAYS':16}  "
          "STATE / LAST POST")
    for schedule in found:
        state = "on" if schedule.is_active else "off" if not schedule.enabled else f"paused: {schedule.paused_reason}"
        posts = schedules.posts(schedule.id)
        if posts:
            last = posts[-1]
            state += f" / {last.local_date} {last.status}" + (f" ({last.reason})" if last.reason else "")
        print(f"{schedule.id:>4}  {schedule.platform:8}  {schedule.channel:20}  {schedule.kind:6}  {schedule.time:5}  "
              f"{schedule.timezone:20}  {schedule.days:16}  {state}")
    return 0


def terminal_user(args: argparse.Namespace | None = None) -> str:
    """Who is at the terminal: --user if given, else the login name; "you" for a user id with no account entry (a
    container run with an arbitrary --user), where getpass raises."""
    try:
        return getattr(args, "user", None) or getpass.getuser()
    except (KeyError, OSError):
        return "you"


def command_tip(args: argparse.Namespace) -> int:
    from .adapters.console import show_tip

    bot = build_bot(load_settings(), counting=False)
    try:
        show_tip(bot.daily, terminal_user(args), sys.stdout)
    finally:
        bot.close()
    return 0


def command_quiz(args: argparse.Namespace) -> int:
    from .adapters.console import run_quiz

    bot = build_bot(load_settings(), counting=False)
    try:
        run_quiz(bot.daily, terminal_user(args), input, sys.stdout)
    finally:
        bot.close()
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:
    from .cli import bounded

    schedule = commands.add_parser("schedule", help="list, add or remove daily tips and quizzes")
    actions = schedule.add_subparsers(dest="schedule_command", required=True)
    actions.add_parser("list", help="every schedule, its state and its last post")
    add = actions.add_parser("add", help="post a daily tip, a quiz or the weekly review (digest) in a channel (replaces that channel's time)")
    add.add_argument("--platform", required=True, choices=PLATFORMS)
    add.add_argument("--channel", required=True, help="the channel id (Slack C0123456789, Discord 1234567890...)")
    add.add_argument("--kind", required=True, choices=KINDS)
    add.add_argument("--time", required=True, help="local time, 24-hour HH:MM, e.g. 09:00")
    add.add_argument("--tz", default=DEFAULT_TIMEZONE, help="IANA timezone, e.g. Europe/Berlin (default UTC)")
    add.add_argument("--days", help="mon-fri (default; mon for the weekly review), daily, weekends or mon,wed,fri")
    add.add_argument("--close-after", help="quizzes only: how long answers count, e.g. 8h (default) or 90m")
    add.add_argument("--workspace", default="", help="Slack team id or Discord server id, for per-server scores")
    remove = actions.add_parser("remove", help="delete a schedule by the id `schedule list` shows")
    remove.add_argument("id", type=bounded(1, 2 ** 63 - 1))
    schedule.set_defaults(run=command_schedule)
    tip = commands.add_parser("tip", help="print a tip; every entry comes once before any repeats")
    tip.add_argument("--user", help="whose rotation (default: your login name)")
    tip.set_defaults(run=command_tip)
    quiz = commands.add_parser("quiz", help="answer a quiz in the terminal; your score and streak are kept")
    quiz.add_argument("--user", help="whose score (default: your login name)")
    quiz.set_defaults(run=command_quiz)
