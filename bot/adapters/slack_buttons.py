"""Slack buttons: related questions and "did you mean" answer in the thread; votes, misses, quiz answers are stored."""

import logging
from collections.abc import Callable
from datetime import datetime

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from ..app import Bot
from ..core.replies import Request
from ..quiz_storage import QuizStorage
from ..storage import StorageError
from . import slack_blocks as blocks
from . import slack_events as events
from .slack_daily_blocks import decode_quiz_value
from .slack_transport import post_message, send_to_response_url

log = logging.getLogger(__name__)

QUIZ_TROUBLE = "Sorry, your answer could not be recorded just now. Please click again in a moment."
STALE_BUTTON = "That button no longer works (the question may have been removed). Please ask again."
# Slack's errors when the bot may not post where the button was clicked; the response_url still works there.
NOT_A_MEMBER = ("not_in_channel", "channel_not_found")


def on_click(decode: Callable, handle: Callable) -> Callable:
    """A Bolt action listener: acknowledge at once, read the button's value and who clicked, then `handle` them;
    a value the bot did not write (stale or tampered) gets a note for the clicker instead."""

    async def listener(ack, body, action, client):
        await ack()
        try:
            value = decode(action.get("value"))
            user = events.clicked_user(body)
        except ValueError as error:
            await explain_stale_button(body, error)
            return
        await handle(body, action, client, value, user)

    return listener


def answer_chosen_entry(bot: Bot):
    """A related-question or "did you mean" button: answer that entry in the same thread."""

    async def handle(body, action, client, value, user):
        _, entry_id = value
        entry = bot.responder.knowledge.get(entry_id)
        if entry is None:
            await explain_stale_button(body, f"unknown entry {entry_id!r}")
            return
        channel, _, ephemeral = events.clicked_place(body)
        reply = bot.responder.answer(entry)
        request = Request(text=entry.question, user=user, channel=channel or "", platform=events.PLATFORM)
        message = blocks.render_reply(reply, bot.storage.log_question(request, reply))
        await post_in_thread(client, body, message, channel if not ephemeral else None)

    return on_click(blocks.decode_value, handle)


async def post_in_thread(client: AsyncWebClient, body: dict, message: dict, channel: str | None) -> None:
    if channel and await post_message(client, channel, events.clicked_thread(body), message) not in NOT_A_MEMBER:
        return
    if body.get("response_url"):
        await send_to_response_url(body["response_url"], response_type="ephemeral" if not channel else "in_channel",
                                   replace_original=False, **message)


def record_vote(bot: Bot):
    """Helpful / not helpful: one vote per person per answer (a second click changes it); the message thanks them."""

    async def handle(body, action, client, value, user):
        question_id, entry_id = value
        verdict = action["action_id"].removeprefix("feedback_")
        bot.storage.record_feedback(question_id, user, verdict, entry_id or None)
        votes = bot.storage.verdicts_for(question_id)
        await replace_clicked_message(client, body, blocks.feedback_note(votes))

    return on_click(blocks.decode_value, handle)


def record_miss(bot: Bot):
    """"None of these": the question is logged as one the knowledge base could not answer."""

    async def handle(body, action, client, value, user):
        question_id, _ = value
        bot.storage.record_feedback(question_id, user, blocks.NONE_OF_THESE)
        await replace_clicked_message(client, body, blocks.MISS_NOTE)

    return on_click(blocks.decode_value, handle)


async def replace_clicked_message(client: AsyncWebClient, body: dict, note: str) -> None:
    """The clicked message, with `note` under it: chat.update when the bot can, else its response_url."""
    message = {"text": events.clicked_text(body) or note, "blocks": blocks.with_note(events.clicked_blocks(body), note)}
    channel, message_ts, ephemeral = events.clicked_place(body)
    if channel and message_ts and not ephemeral:
        try:
            await client.chat_update(channel=channel, ts=message_ts, **message)
            return
        except SlackApiError as error:
            log.info("chat.update refused (%s); updating through the response_url", error.response.get("error"))
    if body.get("response_url"):
        await send_to_response_url(body["response_url"], replace_original=True, **message)


async def explain_stale_button(body: dict, error) -> None:
    log.warning("ignored a Slack button click the bot cannot use: %s", error)
    if isinstance(body.get("response_url"), str):
        await send_to_response_url(body["response_url"], response_type="ephemeral", replace_original=False,
                                   text=STALE_BUTTON)


def record_quiz_answer(quizzes: QuizStorage, clock: Callable[[], datetime]):
    """A quiz option: the first answer per person counts (the unique index decides); only they see how it went."""

    async def handle(body, action, client, value, user):
        quiz_id, letter = value
        try:
            message = quizzes.answer(quiz_id, user, letter, clock()).message
        except StorageError as error:
            log.error("cannot record an answer to quiz %s: %s", quiz_id, error)
            message = QUIZ_TROUBLE
        await tell_clicker(client, body, user, message)

    return on_click(decode_quiz_value, handle)


async def tell_clicker(client: AsyncWebClient, body: dict, user: str, text: str) -> None:
    """A note only the person who clicked sees: by the click's response_url, else chat.postEphemeral."""
    if isinstance(body.get("response_url"), str):
        if await send_to_response_url(body["response_url"], response_type="ephemeral", replace_original=False,
                                      text=text):
            return
    channel, _, _ = events.clicked_place(body)
    if channel:
        try:
            await client.chat_postEphemeral(channel=channel, user=user, text=text)
        except SlackApiError as error:
            log.error("could not tell %s how their quiz answer went: %s", user, error.response.get("error"))
