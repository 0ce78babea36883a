"""The Slack front door: a Bolt AsyncApp whose listeners turn mentions, DMs, /backend and buttons into service
calls, in Socket Mode or HTTP mode."""

import asyncio
import logging
import re
from collections.abc import Callable

import aiohttp
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from ...config import ConfigError, Settings, check_slack
from ...core.replies import Intent, Note, NoteKind, Reply
from ...scheduler import Scheduler
from ...service import Service
from ..base import CONNECTED, Link
from . import render as blocks
from . import requests as events
from .buttons import Clicks
from .commands import ADMINS, is_schedule_command, is_workspace_admin
from .publisher import SlackPublisher
from .forms import open_entry_form, submit_entry
from .render import escape
from .render_daily import QUIZ_ACTION
from .render_review import ENTRY_VIEW, IGNORE, NEW, REVIEW_ACTION, TEACH
from .transport import (EVENTS_PATH, build_web_app, build_web_client, events_handler, post_message,
                        send_to_response_url, start_http_server)

log = logging.getLogger(__name__)
# Connections to Slack's API open at once; more calls wait for one to be free.
OUTGOING_CONNECTIONS = 32
COMMAND = blocks.COMMAND


def build_slack_app(service: Service, settings: Settings, client: AsyncWebClient | None = None,
                    session: aiohttp.ClientSession | None = None) -> AsyncApp:
    """The Bolt app with every listener; `client` defaults to one with the bot's retry rules (transport).

    Signatures are checked once, by the HTTP endpoint (transport.build_web_app); Socket Mode needs none."""
    client = client or build_web_client(settings.slack.bot_token, settings.slack.api_url, session)
    bolt_log = logging.getLogger("bot.adapters.slack.bolt")
    # Bolt also reads SLACK_BOT_TOKEN from the environment and warns that the client's token wins, which it
    # does by design here; only that start-up line is held back.
    level, bolt_log.level = bolt_log.level, logging.ERROR
    try:
        app = AsyncApp(client=client, signing_secret=settings.slack.signing_secret, name="backend-bot",
                       request_verification_enabled=False, logger=bolt_log)
    finally:
        bolt_log.setLevel(level)
    clicks = Clicks(service, session)
    app.event("app_mention")(answer_mention(service))
    app.event("message")(answer_direct_message(service))
    app.command(COMMAND)(answer_command(service, session))
    app.action(re.compile(rf"^{blocks.ANSWER_ACTION}_\d+$"))(clicks.follow())
    app.action(re.compile(rf"^(feedback_({blocks.HELPFUL}|{blocks.NOT_HELPFUL})|{blocks.NONE_OF_THESE})$"))(
        clicks.vote())
    app.action(re.compile(rf"^{QUIZ_ACTION}_[A-Z]$"))(clicks.quiz_answer())
    app.action(re.compile(rf"^{REVIEW_ACTION}_({TEACH}_\d+|{NEW}|{IGNORE})$"))(clicks.review())
    app.view(ENTRY_VIEW)(submit_entry(service))
    return app


def answer_mention(service: Service):
    async def listener(body, event, context, client):
        if events.is_from_a_bot(event) or events.is_dm_channel(str(event.get("channel", ""))):
            return  # other bots' mentions are not questions; in a DM the message event answers
        await answer_event(service, client, body, context.bot_user_id, always_thread=True)

    return listener


def answer_direct_message(service: Service):
    async def listener(body, event, context, client):
        if events.is_direct_message(event):
            await answer_event(service, client, body, context.bot_user_id, always_thread=False)

    return listener


async def answer_event(service: Service, client: AsyncWebClient, body: dict, bot_user_id, always_thread: bool) -> None:
    """Bolt has already acknowledged the event: the claim, the matching and the reply all come after."""
    try:
        request = events.event_request(body, bot_user_id)
    except events.MalformedPayload as error:
        log.warning("ignored a Slack event the bot cannot answer: %s", error)
        return
    thread = events.event_thread(body["event"], always_thread)
    await service.answer(request, lambda reply: post_message(client, request.channel, thread,
                                                             blocks.render(reply, asked=request.text)))


def answer_command(service: Service, session: aiohttp.ClientSession | None):
    async def listener(ack, command, client):
        await ack()  # within Slack's 3 seconds, whatever the answer costs; the answer follows by response_url
        url = command.get("response_url")
        public, message = await answer_slash_command(service, command, client)
        if message is None:
            return  # a form was opened: the person is looking at it
        if url:
            await send_to_response_url(url, session, response_type="in_channel" if public else "ephemeral", **message)
        else:
            log.warning("%s arrived without a response_url; the answer cannot be sent", COMMAND)

    return listener


async def answer_slash_command(service: Service, command: dict,
                              client: AsyncWebClient) -> tuple[bool, dict | None]:
    """(whether the channel sees it, the message): answers are shown to all, everything else to the asker."""
    text = events.question_text(command.get("text"), None)
    if not is_schedule_command(text):
        request = events.command_request(command)
        reply = await service.ask(request)
        public = isinstance(reply, Reply) and reply.intent == Intent.QUESTION
        return public, blocks.render(reply, asked=request.text)
    place = events.command_place(command)
    is_admin = lambda: is_workspace_admin(client, place.user)  # noqa: E731
    if text.strip().lower() == "entry":
        refused = await open_entry_form(service, client, command.get("trigger_id"), place, is_admin)
        return False, ({"text": escape(refused)} if refused else None)
    result = await service.command(text, place, is_admin, ADMINS)
    message = blocks.render(result)
    if isinstance(result, Note) and result.kind == NoteKind.SCHEDULE_ON and not events.is_dm_channel(place.channel):
        message["text"] += blocks.INVITE_HINT
    return False, message


async def verify_bot_token(client: AsyncWebClient) -> None:
    """Fails fast, naming the variable, rather than starting a bot that cannot post."""
    try:
        await client.auth_test()
    except SlackApiError as error:
        raise ConfigError(f"SLACK_BOT_TOKEN was refused by Slack ({error.response.get('error')}): copy the Bot "
                          "User OAuth Token (xoxb-...) from the app's OAuth & Permissions page") from error
    except (aiohttp.ClientError, OSError, asyncio.TimeoutError) as error:
        # Start-up only: once running, the clients retry by themselves. A supervisor restarts the process.
        raise ConfigError(f"cannot reach Slack at {client.base_url}: {str(error) or type(error).__name__}") from None


async def connect_socket_mode(app: AsyncApp, app_token: str) -> AsyncSocketModeHandler:
    handler = AsyncSocketModeHandler(app, app_token=app_token, web_client=app.client)
    try:
        # Asked here rather than inside connect(), which would retry a refused token forever.
        handler.client.wss_uri = await handler.client.issue_new_wss_url()
    except SlackApiError as error:
        await handler.close_async()
        raise ConfigError(f"SLACK_APP_TOKEN was refused by Slack ({error.response.get('error')}): create an "
                          "app-level token (xapp-...) with the connections:write scope") from error
    await handler.connect_async()
    return handler


async def run_slack(service: Service, settings: Settings, scheduler: Scheduler | None = None,
                    port: int | None = None, host: str = "0.0.0.0", link: Link | None = None,
                    mount=None) -> None:
    """Serves Slack until cancelled: Socket Mode when SLACK_APP_TOKEN is set, else HTTP mode, on the operator's
    port when `mount` is given (as `serve` runs it), else on a server of its own at `port`.

    Once connected it gives `scheduler` its Slack publisher and marks `link` connected; until then Slack's tips
    and quizzes wait."""
    mode = check_slack(settings.slack)
    link = link or Link()
    # One HTTP session for every call this process makes to Slack: connections are reused, not opened per call,
    # and at most OUTGOING_CONNECTIONS at once, so the files they take are counted (see connections.py).
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=OUTGOING_CONNECTIONS)) as session:
        app = build_slack_app(service, settings, session=session)
        await verify_bot_token(app.client)

        def on_ready() -> None:
            link.state = CONNECTED
            if scheduler is not None:
                client = build_web_client(settings.slack.bot_token, settings.slack.api_url, session,
                                          wait_out_rate_limits=False)
                scheduler.register(events.PLATFORM, SlackPublisher(client))

        if mode == "socket":
            await serve_socket_mode(app, settings.slack.app_token, on_ready, link)
        elif mount is not None:
            mount(EVENTS_PATH, events_handler(app, settings.slack.signing_secret))
            on_ready()
            log.info("answering Slack at %s", EVENTS_PATH)
            await asyncio.Event().wait()
        else:
            web_app = build_web_app(app, settings.slack.signing_secret, health_of(service))
            await serve_http(web_app, host, port or settings.port or 3000, on_ready)


async def serve_socket_mode(app: AsyncApp, app_token: str, on_ready: Callable[[], None] = lambda: None,
                            link: Link | None = None) -> None:
    handler = await connect_socket_mode(app, app_token)
    on_ready()
    if link is not None:
        # The Socket Mode client reconnects by itself; /healthz asks it whether it is connected now.
        client = handler.client
        link.probe = lambda: not client.closed and not client.stale and client.current_session is not None \
            and not client.current_session.closed
    log.info("connected to Slack in Socket Mode")
    try:
        await asyncio.Event().wait()
    finally:
        await handler.close_async()


async def serve_http(web_app, host: str, port: int, on_ready: Callable[[], None] = lambda: None) -> None:
    runner = await start_http_server(web_app, host, port)
    on_ready()
    log.info("listening for Slack on port %s at /slack/events", runner.addresses[0][1])
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def health_of(service: Service):
    """What GET /healthz reports: from memory only, so a busy database never delays it."""
    return lambda: {"ok": True, "entries": len(service.responder.knowledge.entries)}
