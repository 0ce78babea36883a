"""The Slack front door: a Bolt AsyncApp answering mentions, DMs, /backend and buttons, in Socket or HTTP mode."""

import asyncio
import logging
import re
from collections.abc import Callable
from datetime import datetime

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from ..app import Bot
from ..config import ConfigError, check_slack
from ..core.commands import USAGE
from ..core.replies import Reply
from ..quiz_storage import QuizStorage
from ..scheduler import Scheduler
from ..storage import StorageError, utc_now
from . import slack_blocks as blocks
from . import slack_events as events
from .slack_buttons import answer_chosen_entry, record_miss, record_quiz_answer, record_vote
from .slack_commands import ScheduleCommands, is_schedule_command
from .slack_daily_blocks import QUIZ_ACTION
from .slack_publisher import SlackPublisher
from .slack_transport import build_web_app, build_web_client, post_message, send_to_response_url, start_http_server

log = logging.getLogger(__name__)

COMMAND = "/backend"
HOW_TO_ASK = (f"Ask me by mentioning me in a channel (I answer in the thread), in a direct message, "
              f"or with `{COMMAND} <question>`.")
SCHEDULE_HELP = (f"Daily tips and the quiz of the day: type `{COMMAND}` before one of these (admins turn them on and "
                 f"off). {USAGE}")
SORRY = "Sorry, something went wrong while answering. Please ask again in a moment."


def build_slack_app(bot: Bot, client: AsyncWebClient | None = None,
                    clock: Callable[[], datetime] = utc_now) -> AsyncApp:
    """The Bolt app with every listener; `client` defaults to one with the bot's retry rules (slack_transport).

    `clock` is what quiz answers and schedule commands take as now (tests set it).
    """
    settings = bot.settings
    client = client or build_web_client(settings.slack_bot_token, settings.slack_api_url)
    app = AsyncApp(client=client, signing_secret=settings.slack_signing_secret, name="backend-bot",
                   logger=logging.getLogger("bot.adapters.slack.bolt"))
    app.use(drop_repeated_events(bot))
    app.event("app_mention")(answer_mention(bot))
    app.event("message")(answer_direct_message(bot))
    app.command(COMMAND)(answer_command(bot, ScheduleCommands(bot, clock)))
    app.action(re.compile(rf"^{blocks.ANSWER_ACTION}_\d+$"))(answer_chosen_entry(bot))
    app.action(re.compile(rf"^feedback_({blocks.HELPFUL}|{blocks.NOT_HELPFUL})$"))(record_vote(bot))
    app.action(blocks.NONE_OF_THESE)(record_miss(bot))
    app.action(re.compile(rf"^{QUIZ_ACTION}_[A-Z]$"))(record_quiz_answer(QuizStorage(bot.storage.db), clock))
    return app


def drop_repeated_events(bot: Bot):
    """Slack re-delivers an event it thinks failed; the first delivery claims its id, repeats only get a 200."""

    async def middleware(body, next_):
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not is_first_delivery(bot, str(event_id)):
            log.info("Slack event %s was delivered again; answered 200 and not processed twice", event_id)
            return BoltResponse(status=200, body="")
        return await next_()

    return middleware


def is_first_delivery(bot: Bot, event_id: str) -> bool:
    try:
        return bot.storage.claim_event(events.PLATFORM, event_id)
    except StorageError as error:
        # Without the database the bot cannot tell a retry apart; it still tries to answer (and apologise).
        log.error("cannot record Slack event %s: %s", event_id, error)
        return True


def answer_mention(bot: Bot):
    async def listener(event, context, client):
        if events.is_from_a_bot(event) or events.is_dm_channel(str(event.get("channel", ""))):
            return  # other bots' mentions are not questions; in a DM the message event answers
        await answer_event(bot, client, event, context.bot_user_id, always_thread=True)

    return listener


def answer_direct_message(bot: Bot):
    async def listener(event, context, client):
        if events.is_direct_message(event):
            await answer_event(bot, client, event, context.bot_user_id, always_thread=False)

    return listener


async def answer_event(bot: Bot, client: AsyncWebClient, event: dict, bot_user_id, always_thread: bool) -> None:
    try:
        request = events.event_request(event, bot_user_id)
    except events.MalformedPayload as error:
        log.warning("ignored a Slack event the bot cannot answer: %s", error)
        return
    thread = events.event_thread(event, always_thread)
    try:
        reply, question_id = bot.handle(request)
        message = slack_message(reply, question_id, asked=request.text)
    except Exception:
        log.exception("failed to answer a Slack question")
        message = {"text": SORRY}
    await post_message(client, request.channel, thread, message)


def slack_message(reply: Reply, question_id: int, asked: str = "") -> dict:
    """The Block Kit message for a reply; help also says how to ask in Slack."""
    if reply.intent in ("help", "empty", "greeting"):
        text = f"{blocks.escape(reply.message)}\n{HOW_TO_ASK}\n{SCHEDULE_HELP}"
        return {"text": text, "blocks": [blocks.section(text, "help")]}
    return blocks.render_reply(reply, question_id, asked=asked)


def answer_command(bot: Bot, schedule_commands: ScheduleCommands):
    async def listener(ack, command, client):
        await ack()  # within Slack's 3 seconds, whatever the answer costs; the answer follows by response_url
        url = command.get("response_url")
        if is_schedule_command(command.get("text")):
            public, message = False, await run_schedule_command(schedule_commands, command, client)
        else:
            public, message = answer_question(bot, command)
        if url:
            await send_to_response_url(url, response_type="in_channel" if public else "ephemeral", **message)
        else:
            log.warning("%s arrived without a response_url; the answer cannot be sent", COMMAND)

    return listener


def answer_question(bot: Bot, command: dict) -> tuple[bool, dict]:
    """(whether the channel sees it, the message): answers are shown to all, help and apologies to the asker."""
    try:
        request = events.command_request(command)
        reply, question_id = bot.handle(request)
        return reply.intent == "question", slack_message(reply, question_id, asked=request.text)
    except Exception:
        log.exception("failed to answer %s", COMMAND)
        return False, {"text": SORRY}


async def run_schedule_command(schedule_commands: ScheduleCommands, command: dict, client) -> dict:
    try:
        return {"text": await schedule_commands.reply_to(command, client)}
    except Exception:
        log.exception("failed to run %s %s", COMMAND, str(command.get("text"))[:40])
        return {"text": SORRY}


async def verify_bot_token(client: AsyncWebClient) -> None:
    """Fails fast, naming the variable, rather than starting a bot that cannot post."""
    try:
        await client.auth_test()
    except SlackApiError as error:
        raise ConfigError(f"SLACK_BOT_TOKEN was refused by Slack ({error.response.get('error')}): copy the Bot "
                          "User OAuth Token (xoxb-...) from the app's OAuth & Permissions page") from error


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


async def run_slack(bot: Bot, port: int | None = None, host: str = "0.0.0.0",
                    scheduler: Scheduler | None = None) -> None:
    """Serves Slack until cancelled: Socket Mode when SLACK_APP_TOKEN is set, else HTTP mode on `port`.

    Once connected it gives `scheduler` its Slack publisher; until then Slack's tips and quizzes wait.
    """
    mode = check_slack(bot.settings)
    app = build_slack_app(bot)
    await verify_bot_token(app.client)

    def on_ready() -> None:
        if scheduler is not None:
            scheduler.register(events.PLATFORM, SlackPublisher(app.client))

    if mode == "socket":
        await serve_socket_mode(app, bot.settings.slack_app_token, on_ready)
    else:
        await serve_http(app, bot, host, bot.settings.port if port is None else port, on_ready)


async def serve_socket_mode(app: AsyncApp, app_token: str, on_ready: Callable[[], None] = lambda: None) -> None:
    handler = await connect_socket_mode(app, app_token)
    on_ready()
    log.info("connected to Slack in Socket Mode")
    try:
        await asyncio.Event().wait()
    finally:
        await handler.close_async()


async def serve_http(app: AsyncApp, bot: Bot, host: str, port: int,
                     on_ready: Callable[[], None] = lambda: None) -> None:
    web_app = build_web_app(app, bot.settings.slack_signing_secret, health_of(bot))
    runner = await start_http_server(web_app, host, port)
    on_ready()
    log.info("listening for Slack on port %s at /slack/events", runner.addresses[0][1])
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def health_of(bot: Bot):
    """What GET /healthz reports; it answers only once the token is verified and the server listens."""
    return lambda: {"ok": True, "entries": len(bot.responder.knowledge.entries)}
