"""Schedule values and chat commands both platforms share: parsed here, with a friendly error and an example."""

import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from .text import well_formed

TIP, QUIZ, DIGEST = "tip", "quiz", "digest"
KINDS = (TIP, QUIZ, DIGEST)
ON, OFF, SHOW, LEADERBOARD = "on", "off", "show", "leaderboard"
TEACH, UNTEACH = "teach", "unteach"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEFAULT_TIMEZONE = "UTC"
DEFAULT_DAYS = "mon-fri"
# The review of what the bot did not answer well comes once a week unless days are given.
DIGEST_DAYS = "mon"
# The default: a quiz stays open for answers for 8 hours after it is posted.
DEFAULT_CLOSE_MINUTES = 8 * 60
MIN_CLOSE_MINUTES, MAX_CLOSE_MINUTES = 5, 23 * 60
EXAMPLE = {TIP: "tips on 09:00 Europe/Berlin mon-fri", QUIZ: "quiz on 10:00 Europe/Berlin mon-fri 8h",
           DIGEST: "digest on 09:00 Europe/Berlin mon"}
USAGE = ("Commands: `tips on 09:00 Europe/Berlin mon-fri`, `tips off`, `quiz on 10:00 America/New_York daily 4h`, "
         "`quiz off`, `schedule` (what this channel has), `leaderboard`, and for admins "
         "`teach ENTRY-ID: how people ask it` (`unteach how people ask it`), `digest on 09:00 Europe/Berlin mon` "
         "(a weekly review of what I could not answer, posted here) and `entry` (add a new entry).")
TEACH_EXAMPLE = "teach make-idempotent: how do we stop charging a card twice"
_TIME = re.compile(r"^([0-9]{1,2}):([0-9]{2})$")
_DURATION = re.compile(r"^(?:([0-9]+)h)?(?:([0-9]+)m(?:in)?)?$")
_DAY_WORDS = {"daily": WEEKDAYS, "everyday": WEEKDAYS, "weekdays": WEEKDAYS[:5], "weekends": WEEKDAYS[5:]}
_KIND_WORDS = {"tip": TIP, "tips": TIP, "quiz": QUIZ, "quizzes": QUIZ, "digest": DIGEST, "review": DIGEST}
_FILLER = {"at", "on", "every", "close", "closes", "closing", "after", "for", "in"}


class CommandError(ValueError):
    """A command or value a person typed cannot be used; the message says why and shows a good one."""


@dataclass(frozen=True)
class ScheduleSpec:
    time: str
    timezone: str = DEFAULT_TIMEZONE
    days: str = DEFAULT_DAYS
    close_minutes: int = DEFAULT_CLOSE_MINUTES


@dataclass(frozen=True)
class Place:
    """Where and by whom a command was typed; `workspace` is the Slack team or Discord guild id."""

    platform: str
    channel: str
    user: str
    workspace: str = ""


@dataclass(frozen=True)
class Command:
    action: str
    kind: str = ""
    spec: ScheduleSpec | None = None
    text: str = ""
    entry_id: str = ""

    def __post_init__(self) -> None:
        # A phrasing to teach is stored: whatever bytes it came as, it is text (see well_formed).
        object.__setattr__(self, "text", well_formed(self.text))

    @property
    def needs_admin(self) -> bool:
        """Changing a schedule or what the bot knows is for admins; looking is for everyone."""
        return self.action in (ON, OFF, TEACH, UNTEACH)


def parse_time(text: str) -> str:
    """'HH:MM' on a 24-hour clock ('9:00' becomes '09:00')."""
    found = _TIME.match(text.strip())
    if not found or int(found[1]) > 23 or int(found[2]) > 59:
        raise CommandError(f"{text!r} is not a time: use 24-hour HH:MM, for example 09:00 or 17:30")
    return f"{int(found[1]):02d}:{found[2]}"


def parse_timezone(text: str) -> str:
    """An IANA timezone name, spelled as the tz database spells it ('europe/berlin' becomes 'Europe/Berlin')."""
    name = text.strip()
    try:
        ZoneInfo(name)
        return name
    except (ZoneInfoNotFoundError, ValueError):
        pass
    matches = [known for known in available_timezones() if known.casefold() == name.casefold()]
    if matches:
        return matches[0]
    raise CommandError(f"{text!r} is not a timezone I know: use an IANA name such as Europe/Berlin, "
                       "America/New_York, Asia/Kolkata or UTC")


def _day(word: str) -> int:
    for number, day in enumerate(_DAY_NAMES):
        if len(word) >= 3 and day.startswith(word):
            return number
    raise ValueError(word)


def parse_days(text: str) -> str:
    """Weekdays in their stored form: 'daily', 'mon-fri' or a list like 'mon,wed,fri'."""
    cleaned = text.strip().lower().replace(" ", "")
    try:
        if cleaned in _DAY_WORDS:
            numbers = {WEEKDAYS.index(day) for day in _DAY_WORDS[cleaned]}
        else:
            numbers = set()
            for part in cleaned.split(","):
                first, _, last = part.partition("-")
                start, end = _day(first), _day(last or first)
                # Ranges may wrap the week: fri-mon is Friday to Monday.
                numbers.update((start + step) % 7 for step in range((end - start) % 7 + 1))
    except ValueError:
        raise CommandError(f"{text!r} is not a list of weekdays I understand: use mon-fri, daily, weekends "
                           "or a list such as mon,wed,fri") from None
    return format_days(numbers)


def format_days(numbers) -> str:
    numbers = sorted(set(numbers))
    if len(numbers) == 7:
        return "daily"
    if numbers == [0, 1, 2, 3, 4]:
        return "mon-fri"
    return ",".join(WEEKDAYS[number] for number in numbers)


def weekday_numbers(days: str) -> frozenset[int]:
    """The stored weekdays as datetime.weekday() numbers (Monday is 0)."""
    if days == "daily":
        return frozenset(range(7))
    if days == "mon-fri":
        return frozenset(range(5))
    return frozenset(WEEKDAYS.index(day) for day in days.split(","))


def parse_duration(text: str) -> int:
    """Minutes from '8h', '90m' or '1h30m', between 5 minutes and 23 hours."""
    found = _DURATION.match(text.strip().lower())
    minutes = int(found[1] or 0) * 60 + int(found[2] or 0) if found and (found[1] or found[2]) else 0
    if not MIN_CLOSE_MINUTES <= minutes <= MAX_CLOSE_MINUTES:
        raise CommandError(f"{text!r} is not a closing time I can use: give hours or minutes between 5m and 23h, "
                           "for example 8h, 90m or 1h30m")
    return minutes


def _is_duration(word: str) -> bool:
    return bool(re.match(r"^[0-9]+(h|m|min)", word)) and not _TIME.match(word)


def _is_days(word: str) -> bool:
    try:
        parse_days(word)
        return True
    except CommandError:
        return False


def parse_spec(kind: str, words: list[str]) -> ScheduleSpec:
    """A schedule from words in any order: a time (required), a timezone, weekdays, and for a quiz a duration."""
    values: dict[str, object] = {}
    for word in (word for word in words if word.lower() not in _FILLER):
        if _TIME.match(word) or re.match(r"^[0-9]+:[0-9]+$", word):
            name, value = "time", parse_time(word)
        elif _is_duration(word):
            if kind != QUIZ:
                raise CommandError(f"Only a quiz has a closing time; for tips try: {EXAMPLE[TIP]}")
            name, value = "close_minutes", parse_duration(word)
        elif _is_days(word):
            name, value = "days", parse_days(word)
        else:
            name, value = "timezone", parse_timezone(word)
        if name in values:
            raise CommandError(f"That gives the {name.replace('_', ' ')} twice. Try: {EXAMPLE[kind]}")
        values[name] = value
    if "time" not in values:
        raise CommandError(f"Say when, with a 24-hour time. Try: {EXAMPLE[kind]}")
    if kind == DIGEST:
        values.setdefault("days", DIGEST_DAYS)
    return ScheduleSpec(**values)


def parse_command(text: str) -> Command:
    """A chat command ('tips on 09:00 Europe/Berlin mon-fri', 'quiz off', 'schedule', 'leaderboard')."""
    words = text.strip().lstrip("/").split()
    if not words:
        raise CommandError(USAGE)
    head = words[0].lower()
    if head in ("schedule", "schedules") and len(words) == 1:
        return Command(SHOW)
    if head in ("leaderboard", "scores") and len(words) == 1:
        return Command(LEADERBOARD)
    if head == TEACH:
        if len(words) < 3 or not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*:", words[1].lower()):
            raise CommandError(f"Say which entry and how people ask it. Try: {TEACH_EXAMPLE}")
        return Command(TEACH, text=" ".join(words[2:]), entry_id=words[1][:-1].lower())
    if head == UNTEACH:
        if len(words) < 2:
            raise CommandError("Say the phrasing to forget. Try: unteach how do we stop charging a card twice")
        return Command(UNTEACH, text=" ".join(words[1:]))
    kind = _KIND_WORDS.get(head)
    if kind is None:
        raise CommandError(f"I don't know the command {words[0]!r}. {USAGE}")
    switch = words[1].lower() if len(words) > 1 else ""
    if switch == OFF and len(words) == 2:
        return Command(OFF, kind)
    if switch == ON:
        return Command(ON, kind, parse_spec(kind, words[2:]))
    raise CommandError(f"Say `{head} on` with a time, or `{head} off`. Try: {EXAMPLE[kind]}")


def refusal(command: Command, is_admin: bool, admins: str = "admins") -> str | None:
    """Why this person may not run `command`, or None when they may; only admins change schedules and teach."""
    if not command.needs_admin or is_admin:
        return None
    if command.action in (TEACH, UNTEACH):
        return f"Only {admins} can teach me phrasings. Anyone can ask, vote, and say when none of my suggestions fit."
    what = {TIP: "tips", QUIZ: "the quiz", DIGEST: "the weekly review"}[command.kind]
    return (f"Only {admins} can turn {what} on or off. "
            "Anyone can see this channel's `schedule` and the `leaderboard`.")


def describe_spec(kind: str, spec: ScheduleSpec) -> str:
    """'Daily tip at 09:00 Europe/Berlin, mon-fri' (and how long a quiz stays open)."""
    what = {TIP: "Daily tip", QUIZ: "Quiz of the day", DIGEST: "Weekly review"}[kind]
    text = f"{what} at {spec.time} {spec.timezone}, {spec.days}"
    if kind == QUIZ:
        hours, minutes = divmod(spec.close_minutes, 60)
        text += f", open for {hours}h{minutes:02d}m" if minutes else f", open for {hours}h"
    return text
