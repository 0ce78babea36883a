"""`/backend tips|quiz|schedule|leaderboard`: which texts are commands, and who is a workspace admin."""

from slack_sdk.web.async_client import AsyncWebClient

from .transport import look_up_user

ADMINS = "workspace admins and owners, or people listed in BOT_ADMINS"
_KIND_WORDS = {"tip", "tips", "quiz", "quizzes", "digest", "review"}
_ALONE_WORDS = {"schedule", "schedules", "leaderboard", "scores", "entry"}


def is_schedule_command(text) -> bool:
    """True for `tips on 09:00 ...`, `quiz off`, `schedule`, `leaderboard`; anything else is still a question.

    `tips on caching` asks about caching: an `on` counts as a command only with something that looks like a
    time or a timezone after it (a digit or a slash), or with nothing, which gets the example of a good one.
    """
    words = str(text or "").lower().split()
    if not words:
        return False
    if words[0] == "teach":
        # `teach make-idempotent: how ...`; "teach me about caching" is still a question.
        return len(words) > 1 and words[1].endswith(":")
    if words[0] == "unteach":
        return True
    if words[0] in _ALONE_WORDS:
        return len(words) == 1
    if words[0] not in _KIND_WORDS:
        return False
    if len(words) == 1 or words[1] == "off":
        return True
    rest = words[2:]
    return words[1] == "on" and (not rest or any(char.isdigit() or char == "/" for word in rest for char in word))


async def is_workspace_admin(client: AsyncWebClient, user_id: str) -> bool:
    """A workspace admin or owner by users.info (the users:read scope)."""
    user = await look_up_user(client, user_id)
    return bool(user and (user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner")))
