"""Slack buttons: related questions and "did you mean" answer in the thread; votes, misses and quiz answers go to
the service, and what it says comes back under the message or to the clicker alone."""

import asyncio
import logging
from collections.abc import Callable

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from ...core.feedback import NONE_OF_THESE
from ...core.replies import Note, NoteKind
from ...service import STALE_BUTTON, Service
from . import render as blocks
from . import requests as events
from .commands import ADMINS, is_workspace_admin
from .render_daily import decode_quiz_value
from .render_review import NEW
from .forms import open_entry_form
from .transport import post_message, send_to_response_url

log = logging.getLogger(__name__)

# Slack's errors when the bot may not post where the button was clicked; the response_url still works there.
NOT_A_MEMBER = ("not_in_channel", "channel_not_found")
MESSAGES_REMEMBERED = 10_000


class Clicks:
    """The Bolt action listeners, each acknowledging at once, then asking the service."""

    def __init__(self, service: Service, session: aiohttp.ClientSession | None = None):
        self.service = service
        self.session = session
        # One update at a time per message, each showing the votes as stored when it is sent: a slow or
        # rate-limited update can never land after a newer one and show a smaller count.
        self.updating: dict[tuple, asyncio.Lock] = {}

    def on_click(self, decode: Callable, handle: Callable) -> Callable:
        """Acknowledge, read the button's value and who clicked, then `handle` them; a value the bot did not
        write (stale or tampered) gets a note for the clicker instead."""

        async def listener(ack, body, action, client):
            await ack()
            try:
                value = decode(action.get("value"))
                user = events.clicked_user(body)
            except ValueError as error:
                log.warning("ignored a Slack button click the bot cannot use: %s", error)
                await self.tell_clicker(client, body, "", STALE_BUTTON)
                return
            await handle(body, action, client, value, user)

        return listener

    def follow(self):
        """A related-question or "did you mean" button: answer that entry in the same thread."""

        async def handle(body, action, client, value, user):
            question_id, entry_id = value
            reply = await self.service.follow(events.click_request(body, user), entry_id, from_question=question_id)
            if isinstance(reply, Note):
                await self.tell_clicker(client, body, user, blocks.render(reply)["text"])
                return
            channel, _, ephemeral = events.clicked_place(body)
            await self.post_in_thread(client, body, blocks.render(reply), channel if not ephemeral else None)

        return self.on_click(blocks.decode_value, handle)

    def vote(self):
        """Helpful / not helpful, or "none of these": the message shows the service's note under it."""

        async def handle(body, action, client, value, user):
            question_id, entry_id = value
            verdict = action["action_id"].removeprefix("feedback_")
            if verdict == NONE_OF_THESE:
                note = await self.service.none_of_these(question_id, user)
            else:
                note = await self.service.vote(question_id, user, verdict, entry_id)
            if note.kind == NoteKind.APOLOGY:
                await self.tell_clicker(client, body, user, blocks.render(note)["text"])
            elif note.kind == NoteKind.THANKS:
                await self.show_votes(client, body, question_id)
            else:
                await self.replace_clicked_message(client, body, note.text)

        return self.on_click(blocks.decode_value, handle)

    async def show_votes(self, client: AsyncWebClient, body: dict, question_id: int) -> None:
        if len(self.updating) > MESSAGES_REMEMBERED:
            self.updating = {key: lock for key, lock in self.updating.items() if lock.locked()}
        async with self.updating.setdefault(events.clicked_place(body)[:2], asyncio.Lock()):
            note = await self.service.votes_note(question_id)
            await self.replace_clicked_message(client, body, note.text)

    def review(self):
        """A review button: teach, ignore (the clicker sees what happened), or open the new-entry form."""

        async def handle(body, action, client, value, user):
            question_id, entry_id = value
            what = action["action_id"].split("_")[1]
            place = events.click_place(body, user)
            is_admin = lambda: is_workspace_admin(client, user)  # noqa: E731
            if what == NEW:
                refused = await open_entry_form(self.service, client, body.get("trigger_id"), place, is_admin,
                                                question_id)
                if refused:
                    await self.tell_clicker(client, body, user, blocks.escape(refused))
                return
            note = await self.service.review(what, question_id, entry_id, place,
                                             is_admin, ADMINS)
            await self.tell_clicker(client, body, user, blocks.render(note)["text"])

        return self.on_click(blocks.decode_value, handle)

    def quiz_answer(self):
        """A quiz option: only the person who clicked sees how it went."""

        async def handle(body, action, client, value, user):
            quiz_id, letter = value
            note = await self.service.answer_quiz(quiz_id, user, letter)
            await self.tell_clicker(client, body, user, blocks.render(note)["text"])

        return self.on_click(decode_quiz_value, handle)

    async def post_in_thread(self, client: AsyncWebClient, body: dict, message: dict, channel: str | None) -> None:
        if channel and await post_message(client, channel, events.clicked_thread(body), message) not in NOT_A_MEMBER:
            return
        if body.get("response_url"):
            await send_to_response_url(body["response_url"], self.session, replace_original=False,
                                       response_type="ephemeral" if not channel else "in_channel", **message)

    async def replace_clicked_message(self, client: AsyncWebClient, body: dict, note: str) -> None:
        """The clicked message, with `note` under it: chat.update when the bot can, else its response_url."""
        message = {"text": events.clicked_text(body) or blocks.escape(note),
                   "blocks": blocks.with_note(events.clicked_blocks(body), note)}
        channel, message_ts, ephemeral = events.clicked_place(body)
        if channel and message_ts and not ephemeral:
            try:
                await client.chat_update(channel=channel, ts=message_ts, **message)
                return
            except SlackApiError as error:
                log.info("chat.update refused (%s); updating through the response_url", error.response.get("error"))
        if body.get("response_url"):
            await send_to_response_url(body["response_url"], self.session, replace_original=True, **message)

    async def tell_clicker(self, client: AsyncWebClient, body: dict, user: str, text: str) -> None:
        """A note only the person who clicked sees: by the click's response_url, else chat.postEphemeral."""
        if isinstance(body.get("response_url"), str):
            if await send_to_response_url(body["response_url"], self.session, response_type="ephemeral",
                                          replace_original=False, text=text):
                return
        channel, _, _ = events.clicked_place(body)
        if channel and user:
            try:
                await client.chat_postEphemeral(channel=channel, user=user, text=text)
            except SlackApiError as error:
                log.error("could not tell %s what their click did: %s", user, error.response.get("error"))
