"""The new-entry form in Slack: opened as a modal from `/backend entry` or a review button; its submission is
checked by the service, and the knowledge rules' errors are shown beside the fields they are about."""

import asyncio
import logging
from collections.abc import Awaitable, Callable

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from ...core.commands import Place
from ...core.entries import FormProblems
from ...core.replies import Note
from ...service import Service
from . import requests as events
from .commands import ADMINS, is_workspace_admin
from .render import escape
from .render_review import entry_modal, modal_fields

log = logging.getLogger(__name__)
# Slack waits 3 seconds for the answer to a submission; errors can be shown beside the fields only within it.
SUBMIT_WAIT = 2.5


async def open_entry_form(service: Service, client: AsyncWebClient, trigger_id, place: Place,
                          is_admin: Callable[[], Awaitable[bool]], question_id: int = 0) -> str | None:
    """Opens the form; the text to tell the person instead when it cannot be opened (not an admin, say)."""
    form = await service.entry_form(place, is_admin, ADMINS, question_id)
    if isinstance(form, Note):
        return form.text
    if not isinstance(trigger_id, str) or not trigger_id:
        return "Slack sent no trigger to open the form with; please try again."
    try:
        await client.views_open(trigger_id=trigger_id, view=entry_modal(form, place.channel))
    except SlackApiError as error:
        log.warning("could not open the new-entry form: %s", error.response.get("error"))
        return "I could not open the form (Slack said no); please try again."
    return None


def submit_entry(service: Service):
    """The view_submission listener: errors go back into the form; success closes it and says so in the channel
    the form was opened from, to the admin alone."""

    async def listener(ack, body, view, client):
        user = events.clicked_user(body) if isinstance(body.get("user"), dict) else ""
        channel = str(view.get("private_metadata") or "")
        team = body.get("team") if isinstance(body.get("team"), dict) else {}
        place = Place(events.PLATFORM, channel, user, workspace=str(team.get("id") or ""))
        adding = asyncio.ensure_future(service.add_entry(modal_fields(view), place,
                                                         lambda: is_workspace_admin(client, user), ADMINS))
        try:
            result = await asyncio.wait_for(asyncio.shield(adding), SUBMIT_WAIT)
        except asyncio.TimeoutError:
            await ack()  # the form closes; what happened is said below once the service is done
            result = await adding
        else:
            if isinstance(result, FormProblems):
                await ack(response_action="errors", errors=result.problems)
                return
            await ack()
        if channel and user:
            try:
                await client.chat_postEphemeral(channel=channel, user=user, text=escape(result.text))
            except SlackApiError as error:
                log.info("could not tell %s the entry was added: %s", user, error.response.get("error"))

    return listener
