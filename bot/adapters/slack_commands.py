"""`/backend tips|quiz|schedule|leaderboard`: which texts are commands, who is an admin, and the reply."""

import logging
from collections.abc import Callable
from datetime import datetime

from slack_sdk.web.async_client import AsyncWebClient

from ..app import Bot
from ..core.commands import LEADERBOARD, ON, CommandError, parse_command
from ..quiz_storage import QuizStorage
from ..schedule_commands import Place, run_command
from ..schedule_storage import ScheduleStorage
from . import slack_events as events
from .slack_blocks import escape
from .slack_transport import look_up_user

log = logging.getLogger(__name__)

ADMINS = "workspace admins and owners, or people listed in BOT_ADMINS"
INVITE_HINT = (" I post here as a member of the channel: if I'm not in it yet, invite me with "
               "`/invite @backend-bot`, or the posts will pause.")
_KIND_WORDS = {"tip", "tips", "quiz", "quizzes"}
_ALONE_WORDS = {"schedule", "schedules", "leaderboard", "scores"}


def is_schedule_command(text) -> bool:
    """True for `tips on 09:00 ...`, `quiz off`, `schedule`, `leaderboard`; anything else is still a question.

    `tips on caching` asks about caching: an `on` counts as a command only with something that looks like a
    time or a timezone after it (a digit or a slash), or with nothing, which gets the example of a good one.
    """
    words = str(text or "").lower().split()
    if not words:
        return False
    if words[0] in _ALONE_WORDS:
        return len(words) == 1
    if words[0] not in _KIND_WORDS:
        return False
    if len(words) == 1 or words[1] == "off":
        return True
    rest = words[2:]
    return words[1] == "on" and (not rest or any(char.isdigit() or char == "/" for word in rest for char in word))


async def is_workspace_admin(client: AsyncWebClient, user_id: str, bot_admins: frozenset[str]) -> bool:
    """A user listed in BOT_ADMINS, or a workspace admin or owner by users.info (the users:read scope)."""
    if user_id in bot_admins:
        return True
    user = await look_up_user(client, user_id)
    return bool(user and (user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner")))


class ScheduleCommands:
    """Runs the schedule commands typed after /backend against the bot's database; replies are for the asker."""

    def __init__(self, bot: Bot, clock: Callable[[], datetime]):
        self.bot = bot
        self.schedules = ScheduleStorage(bot.storage.db)
        self.quizzes = QuizStorage(bot.storage.db)
        self.clock = clock

    async def reply_to(self, command: dict, client: AsyncWebClient) -> str:
        text = events.question_text(command.get("text"), None)
        place = Place(events.PLATFORM, str(command.get("channel_id") or ""), str(command.get("user_id") or ""),
                      workspace=str(command.get("team_id") or ""))
        try:
            parsed = parse_command(text)
        except CommandError as error:
            return escape(str(error))
        # users.info only when it matters: anyone may see the schedule and the leaderboard.
        admin = parsed.changes_schedule and await is_workspace_admin(client, place.user, self.bot.settings.bot_admins)
        reply = run_command(text, place, admin, self.schedules, self.quizzes, now=self.clock(), admins=ADMINS)
        if parsed.action == LEADERBOARD:
            # Only user ids from the database: <@U…> shows each person's name, and in a message only the asker
            # sees it notifies nobody.
            return reply
        if parsed.action == ON and admin and not events.is_dm_channel(place.channel):
            reply += INVITE_HINT
        return escape(reply)
