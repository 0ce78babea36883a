"""The scheduler's Discord side: posts tips, quizzes and reveals to a channel; Discord errors become SendError."""

import hashlib
import logging
from contextlib import asynccontextmanager

import aiohttp
import discord

from ...core.quiz import QuizCard, QuizResult
from ...core.review import Review
from ...core.tips import Tip
from ...scheduler import SendError
from .render import render_text
from .review import render_digest
from .render_daily import post_marker, render_quiz, render_quiz_result, render_reveal, render_tip

log = logging.getLogger(__name__)

# Discord's JSON error code for a message that was deleted (the channel itself is still there).
UNKNOWN_MESSAGE = 10008
# Discord's limit on a nonce's length.
MAX_NONCE = 25
# How far back a post whose send outcome is unknown is looked for: a day's channel traffic, newest first.
LOOK_BACK = 100
# 403: the bot was removed from the channel or lost a permission there; 404: the channel is gone.
CHANNEL_GONE = (403, 404)


class DiscordPublisher:
    """Sends through the connected client's REST session; every call returns or takes a Discord message id."""

    def __init__(self, client: discord.Client):
        self.client = client

    def channel(self, channel: str) -> discord.PartialMessageable:
        # A partial channel needs no cache and no extra request: posting is one REST call.
        return self.client.get_partial_messageable(int(channel))

    async def post_tip(self, channel: str, tip: Tip, post_id: int) -> str:
        async with discord_errors():
            message = await self.channel(channel).send(nonce=nonce_for("tip", channel, post_id),
                                                       **render_tip(tip, post_id).as_message())
        return str(message.id)

    async def post_quiz(self, channel: str, quiz_id: int, card: QuizCard, post_id: int) -> str:
        async with discord_errors():
            message = await self.channel(channel).send(nonce=nonce_for("quiz", channel, quiz_id),
                                                       **render_quiz(quiz_id, card, post_id).as_message())
        return str(message.id)

    async def post_digest(self, channel: str, review: Review, post_id: int) -> str:
        async with discord_errors():
            message = await self.channel(channel).send(nonce=nonce_for("digest", channel, post_id),
                                                       **render_digest(review, post_id).as_message())
        return str(message.id)

    async def post_notice(self, channel: str, text: str) -> str:
        async with discord_errors():
            message = await self.channel(channel).send(**render_text(text).as_message())
        return str(message.id)

    async def find_post(self, channel: str, post_id: int) -> str | None:
        """The id of the bot's message in the channel whose footer carries this post's marker, or None."""
        marker = post_marker(post_id)
        async with discord_errors():
            async for message in self.channel(channel).history(limit=LOOK_BACK):
                footers = [embed.footer.text or "" for embed in message.embeds]
                if message.author.id == self.client.user.id and any(text.endswith(marker) for text in footers):
                    return str(message.id)
        return None

    async def update_quiz(self, channel: str, message_ref: str, quiz_id: int, result: QuizResult) -> None:
        message = self.channel(channel).get_partial_message(int(message_ref))
        async with discord_errors():
            try:
                await message.edit(**render_quiz_result(quiz_id, result).as_message())
            except discord.NotFound as error:
                # Someone deleted the quiz message: the reveal still goes out, and the schedule carries on.
                if error.code != UNKNOWN_MESSAGE:
                    raise
                log.info("discord: quiz %s's message in %s was deleted; revealing without updating it",
                         quiz_id, channel)

    async def post_reveal(self, channel: str, message_ref: str, quiz_id: int, result: QuizResult) -> str:
        reply_to = None
        if message_ref:
            reply_to = discord.MessageReference(message_id=int(message_ref), channel_id=int(channel),
                                                fail_if_not_exists=False)
        async with discord_errors():
            message = await self.channel(channel).send(reference=reply_to, nonce=nonce_for("reveal", channel, quiz_id),
                                                       **render_reveal(result))
        return str(message.id)


def nonce_for(*parts) -> str:
    """The same nonce for every attempt at one post. discord.py sends it with enforce_nonce, so when a response
    was lost and the scheduler tries again within a few minutes, Discord returns the message it already created
    instead of posting it twice. The channel is part of it because Discord checks nonces per author."""
    return hashlib.sha256(":".join(str(part) for part in parts).encode()).hexdigest()[:MAX_NONCE]


@asynccontextmanager
async def discord_errors():
    """Raises SendError for what Discord or the network answered: permanent for a channel that is gone."""
    try:
        yield
    except discord.RateLimited as error:
        # discord.py waits out short rate limits itself; a longer one comes here, to be retried by the scheduler.
        raise rate_limited(error.retry_after) from error
    except discord.HTTPException as error:
        raise as_send_error(error) from error
    except (aiohttp.ClientError, OSError) as error:
        raise SendError(f"cannot reach Discord: {type(error).__name__}") from error


def as_send_error(error: discord.HTTPException) -> SendError:
    """The reason reads well in `/schedule`: 'Discord 403 Missing Access: the bot cannot post in this channel'."""
    reason = f"Discord {error.status} {error.text}".strip()
    if error.status in CHANNEL_GONE:
        return SendError(f"{reason}: the bot cannot post in this channel", permanent=True)
    if error.status == 429:
        return rate_limited(retry_after_of(error))
    return SendError(reason)


def rate_limited(retry_after: float | None) -> SendError:
    wait = f" for {retry_after:.0f} s" if retry_after else ""
    return SendError(f"Discord 429: rate limited{wait}", retry_after=retry_after)


def retry_after_of(error: discord.HTTPException) -> float | None:
    try:
        return float(error.response.headers.get("Retry-After", ""))
    except (AttributeError, ValueError):
        return None
