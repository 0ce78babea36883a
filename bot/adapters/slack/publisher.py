"""Posts the scheduler's daily tips, quizzes and reveals to Slack, and turns Slack's errors into SendError."""

import asyncio
import logging

import aiohttp
from aiohttp import ClientConnectorError
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from ...core.quiz import MAX_NAMED, QuizCard, QuizResult
from ...core.review import Review
from ...core.tips import Tip
from ...scheduler import SendError
from .render_daily import render_quiz, render_quiz_result, render_reveal, render_tip
from .render import escape
from .render_review import render_digest
from .transport import look_up_user

log = logging.getLogger(__name__)

# A quiz message someone deleted cannot show the answer, but the reveal post still can.
GONE_MESSAGE = ("message_not_found", "cant_update_message")
# Each scheduled post carries its post id in message metadata, read back by conversations.history after a crash.
POST_EVENT = "backend_bot_post"
# How far back a post is looked for: a day's channel traffic, newest first.
LOOK_BACK = 200


def retry_after_of(headers) -> float | None:
    for name, value in (headers or {}).items():
        if name.lower() == "retry-after":
            value = value[0] if isinstance(value, list) else value
            try:
                return float(value)
            except (TypeError, ValueError):
                return None
    return None


def send_error(error: SlackApiError) -> SendError:
    """Slack's refusal as the scheduler's error: the channel being gone pauses, a rate limit waits it out."""
    response = error.response
    code = str(response.get("error") or response.status_code)
    if response.status_code == 429 or code in ("ratelimited", "rate_limited"):
        return SendError("ratelimited", retry_after=retry_after_of(response.headers))
    return SendError.for_reason(code)


def marker(post_id: int) -> dict:
    return {"event_type": POST_EVENT, "event_payload": {"post_id": post_id}}


def display_name(user: dict) -> str:
    profile = user.get("profile") if isinstance(user.get("profile"), dict) else {}
    for name in (profile.get("display_name"), profile.get("real_name"), user.get("real_name"), user.get("name")):
        if isinstance(name, str) and name.strip():
            return name.strip()
    return str(user.get("id") or "someone")


class SlackPublisher:
    """The scheduler's Publisher for Slack; message references are the messages' `ts`."""

    def __init__(self, client: AsyncWebClient):
        self.client = client

    async def post_tip(self, channel: str, tip: Tip, post_id: int) -> str:
        return await self._post(channel, {**render_tip(tip), "metadata": marker(post_id)})

    async def post_quiz(self, channel: str, quiz_id: int, card: QuizCard, post_id: int) -> str:
        return await self._post(channel, {**render_quiz(quiz_id, card), "metadata": marker(post_id)})

    async def post_digest(self, channel: str, review: Review, post_id: int) -> str:
        return await self._post(channel, {**render_digest(review), "metadata": marker(post_id)})

    async def post_notice(self, channel: str, text: str) -> str:
        return await self._post(channel, {"text": escape(text)})

    async def find_post(self, channel: str, post_id: int) -> str | None:
        """The `ts` of the channel's message that carries this post id, or None when it is not there."""
        try:
            response = await self.client.conversations_history(channel=channel, limit=LOOK_BACK,
                                                               include_all_metadata=True)
        except SlackApiError as error:
            raise send_error(error) from error
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            raise SendError(f"cannot reach Slack: {type(error).__name__}") from error
        for message in response.get("messages") or []:
            metadata = message.get("metadata") or {}
            if metadata.get("event_type") == POST_EVENT and \
                    (metadata.get("event_payload") or {}).get("post_id") == post_id:
                return str(message.get("ts"))
        return None

    async def update_quiz(self, channel: str, message_ref: str, quiz_id: int, result: QuizResult) -> None:
        try:
            await self.client.chat_update(channel=channel, ts=message_ref, **render_quiz_result(result))
        except SlackApiError as error:
            if error.response.get("error") in GONE_MESSAGE:
                log.warning("quiz %s: its message in %s is gone (%s); revealing without it", quiz_id, channel,
                            error.response.get("error"))
                return
            raise send_error(error) from error
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            # Updating the same message twice shows the same thing, so any connection error may be retried.
            raise SendError(f"connection error: {type(error).__name__}") from error

    async def post_reveal(self, channel: str, message_ref: str, quiz_id: int, result: QuizResult) -> str:
        names = await self.display_names(result.correct_users[:MAX_NAMED])
        # In the quiz's thread, and also shown in the channel, so the answerers are next to their quiz.
        return await self._post(channel, render_reveal(result, lambda user: names.get(user, user)),
                                thread=message_ref)

    async def display_names(self, users) -> dict[str, str]:
        """Names to show instead of mentions; after the first refusal (say, no users:read) the ids are shown."""
        names: dict[str, str] = {}
        for user_id in dict.fromkeys(users):
            user = await look_up_user(self.client, user_id)
            if user is None:
                break
            names[user_id] = display_name(user)
        return names

    async def _post(self, channel: str, message: dict, thread: str | None = None) -> str:
        extra = {"thread_ts": thread, "reply_broadcast": True} if thread else {}
        try:
            response = await self.client.chat_postMessage(channel=channel, unfurl_links=False, unfurl_media=False,
                                                          **extra, **message)
        except SlackApiError as error:
            raise send_error(error) from error
        except ClientConnectorError as error:
            raise SendError(f"cannot connect to Slack: {type(error).__name__}") from error
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            # chat.postMessage has no idempotency key: the post may be in the channel, and is looked for there.
            raise SendError(f"the connection dropped while posting ({type(error).__name__}); it may have been "
                            "posted", retry=False) from error
        return str(response["ts"])
