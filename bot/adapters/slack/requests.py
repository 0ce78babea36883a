"""Turns Slack events, slash commands and button clicks into plain requests, and says where replies go."""

import re

from ...core.replies import Request
from ...core.commands import Place

PLATFORM = "slack"


class MalformedPayload(ValueError):
    """A payload that lacks what the bot needs to answer (a channel, a user, a button value)."""


def unescape(text: str) -> str:
    """Slack sends &, < and > typed by people as entities; the matcher wants the characters."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def question_text(text, bot_user_id: str | None) -> str:
    """What the person asked: the text without the mention of the bot that carried it."""
    text = text if isinstance(text, str) else ""
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>", " ", text)
    return unescape(" ".join(text.split()))


def is_from_a_bot(event: dict) -> bool:
    return bool(event.get("bot_id") or event.get("bot_profile") or event.get("subtype") == "bot_message")


def is_direct_message(event: dict) -> bool:
    """A person's own new message in a DM; edits, joins and other subtypes are not questions."""
    return event.get("channel_type") == "im" and not event.get("subtype") and not is_from_a_bot(event)


def is_dm_channel(channel: str) -> bool:
    return channel.startswith("D")


def event_request(body: dict, bot_user_id: str | None) -> Request:
    """The question in an event callback; its event_id is what tells Slack's retries apart from new questions."""
    event = body.get("event")
    if not isinstance(event, dict) or not isinstance(event.get("channel"), str) or not event["channel"]:
        raise MalformedPayload("event without a channel")
    return Request(text=question_text(event.get("text"), bot_user_id), user=str(event.get("user") or ""),
                   channel=event["channel"], platform=PLATFORM, workspace=str(body.get("team_id") or ""),
                   event_id=str(body.get("event_id") or ""))


def event_thread(event: dict, always_thread: bool) -> str | None:
    """The thread a reply belongs in: the event's own thread, or (for mentions) a new one under it."""
    return event.get("thread_ts") or (event.get("ts") if always_thread else None)


def command_request(command: dict) -> Request:
    return Request(text=question_text(command.get("text"), None), user=str(command.get("user_id") or ""),
                   channel=str(command.get("channel_id") or ""), platform=PLATFORM,
                   workspace=str(command.get("team_id") or ""))


def command_place(command: dict) -> Place:
    return Place(PLATFORM, str(command.get("channel_id") or ""), str(command.get("user_id") or ""),
                 workspace=str(command.get("team_id") or ""))


def click_request(body: dict, user: str) -> Request:
    channel, _, _ = clicked_place(body)
    team = body.get("team") if isinstance(body.get("team"), dict) else {}
    return Request(text="", user=user, channel=channel or "", platform=PLATFORM, workspace=str(team.get("id") or ""))


def clicked_user(body: dict) -> str:
    user = body.get("user")
    user_id = user.get("id") if isinstance(user, dict) else None
    if not user_id:
        raise MalformedPayload("button click without a user")
    return user_id


def clicked_place(body: dict) -> tuple[str | None, str | None, bool]:
    """(channel, message ts, is ephemeral) of the message whose button was clicked."""
    container = body.get("container") if isinstance(body.get("container"), dict) else {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    return channel, container.get("message_ts"), bool(container.get("is_ephemeral"))


def clicked_thread(body: dict) -> str | None:
    """Answers to a clicked button go in the clicked message's thread, or start one under it (not in a DM)."""
    message = clicked_message(body)
    channel, message_ts, _ = clicked_place(body)
    if message.get("thread_ts"):
        return message["thread_ts"]
    return None if channel and is_dm_channel(channel) else message_ts


def clicked_message(body: dict) -> dict:
    return body["message"] if isinstance(body.get("message"), dict) else {}


def clicked_blocks(body: dict) -> list[dict]:
    blocks = clicked_message(body).get("blocks")
    return blocks if isinstance(blocks, list) else []


def clicked_text(body: dict) -> str:
    text = clicked_message(body).get("text")
    return text if isinstance(text, str) else ""


def click_place(body: dict, user: str) -> Place:
    """Where and by whom a button was clicked, as a command's place: for actions with the admin rule."""
    request = click_request(body, user)
    return Place(PLATFORM, request.channel, user, workspace=request.workspace)
