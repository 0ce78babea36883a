"""The Discord front door: mentions, DMs and slash commands in; embeds with persistent buttons out."""

import logging
import re

import discord
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket

from ..app import Bot
from ..config import ConfigError, Settings, check_discord
from ..core.replies import Request
from ..quiz_storage import QuizStorage
from ..schedule_storage import ScheduleStorage
from ..scheduler import Scheduler
from .discord_publisher import DiscordPublisher
from .discord_quiz import QuizButton
from .discord_schedule_commands import add_schedule_commands
from .discord_views import (NO_MENTIONS, AnswerButton, NoneOfTheseButton, VoteButton, render_help, render_note,
                            render_reply, make_request, send_response)

log = logging.getLogger(__name__)

DEFAULT_API_URL = discord.http.Route.BASE
DEFAULT_GATEWAY_URL = str(DiscordWebSocket.DEFAULT_GATEWAY)
ANSWERED_MESSAGE_TYPES = (discord.MessageType.default, discord.MessageType.reply)
# A rate limit longer than this raises instead of waiting (discord.py's minimum); a scheduled post is then retried
# by the scheduler after Discord's Retry-After, and a reply is not left hanging for minutes.
MAX_RATE_LIMIT_WAIT = 30.0


class DiscordFrontDoor(discord.Client):
    """A discord.Client that carries the bot, its slash commands and its persistent buttons."""

    def __init__(self, bot: Bot, scheduler: Scheduler | None = None, **options):
        options.setdefault("max_ratelimit_timeout", MAX_RATE_LIMIT_WAIT)
        super().__init__(intents=choose_intents(), allowed_mentions=NO_MENTIONS, **options)
        self.bot = bot
        self.scheduler = scheduler
        self.schedules = ScheduleStorage(bot.storage.db)
        self.quizzes = QuizStorage(bot.storage.db)
        self.tree = build_command_tree(self)
        self.add_dynamic_items(AnswerButton, VoteButton, NoneOfTheseButton, QuizButton)
        skip_malformed_events(self._connection.parsers)

    async def setup_hook(self) -> None:
        await sync_commands(self.tree, self.bot.settings.discord_guild_id)

    async def on_ready(self) -> None:
        log.info("discord: connected as %s to %d server(s)", self.user, len(self.guilds))
        # Until now Discord's scheduled posts wait unclaimed; ready fires again after a new session, harmlessly.
        if self.scheduler is not None:
            self.scheduler.register("discord", DiscordPublisher(self))

    async def on_resumed(self) -> None:
        log.info("discord: gateway session resumed")

    async def on_message(self, message: discord.Message) -> None:
        if not is_for_me(message, self.user):
            return
        # A replayed delivery of the same message is answered once.
        if not self.bot.storage.claim_event("discord", f"message:{message.id}"):
            return
        reply, question_id = self.bot.handle(to_request(message, self.user.id))
        try:
            await message.channel.send(reference=message.to_reference(fail_if_not_exists=False), mention_author=False,
                                       **render_reply(reply, question_id).as_message())
        except discord.Forbidden:
            log.warning("discord: no permission to answer in channel %s; invite the bot again with the link from "
                        "`backend-bot discord invite`", message.channel.id)


def choose_intents() -> discord.Intents:
    # Discord delivers message content for mentions and DMs without the privileged message-content intent.
    intents = discord.Intents.none()
    intents.guilds = intents.guild_messages = intents.dm_messages = True
    return intents


def is_for_me(message: discord.Message, me: discord.ClientUser) -> bool:
    """A person's message in a DM, or one that mentions the bot by name (not @everyone or @here)."""
    if message.author.bot or message.webhook_id or message.type not in ANSWERED_MESSAGE_TYPES:
        return False
    return message.guild is None or any(user.id == me.id for user in message.mentions)


def to_request(message: discord.Message, my_id: int) -> Request:
    text = re.sub(rf"<@!?{my_id}>", " ", message.content)
    return Request(text=" ".join(text.split()), user=str(message.author.id), channel=str(message.channel.id),
                   platform="discord")


def build_command_tree(client: discord.Client) -> app_commands.CommandTree:
    tree = app_commands.CommandTree(client)

    @tree.command(name="ask", description="Ask the team's backend knowledge base a question")
    @app_commands.describe(question="Your question, in your own words")
    async def ask(interaction: discord.Interaction, question: app_commands.Range[str, 1, 1000]) -> None:
        await answer_command(interaction, question)

    backend = app_commands.Group(name="backend", description="About backend-bot")

    @backend.command(name="help", description="What backend-bot answers and how to ask it")
    async def show_help(interaction: discord.Interaction) -> None:
        await send_response(interaction, render_help(interaction.client.bot.responder.topics))

    tree.add_command(backend)
    add_schedule_commands(tree)
    tree.on_error = apologise_for_error
    return tree


async def apologise_for_error(interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
    """A failed command still gets an answer, so the person is not left with "The application did not respond"."""
    log.error("discord: a slash command failed", exc_info=error)
    if not interaction.response.is_done():
        await send_response(interaction, render_note("Sorry, something went wrong on my side. Please try again."))


async def answer_command(interaction: discord.Interaction, question: str) -> None:
    # Matching is in-process and quick, so the answer itself acknowledges the interaction well within 3 seconds.
    reply, question_id = interaction.client.bot.handle(make_request(interaction, question))
    await send_response(interaction, render_reply(reply, question_id))


async def sync_commands(tree: app_commands.CommandTree, guild_id: str) -> None:
    """Global commands by default (they can take a while to appear); instantly to one server when it is given."""
    try:
        if guild_id:
            guild = discord.Object(id=int(guild_id))
            tree.copy_global_to(guild=guild)
            synced = await tree.sync(guild=guild)
        else:
            synced = await tree.sync()
    except discord.HTTPException as error:
        # Mentions and DMs still work; the slash commands wait for the next start.
        log.error("discord: could not register slash commands (%s); was the bot invited with the "
                  "applications.commands scope? Run `backend-bot discord invite`.", error)
        return
    log.info("discord: registered %s", ", ".join(command.name for command in synced))


def skip_malformed_events(parsers: dict) -> None:
    """Wraps discord.py's gateway parsers so one event it cannot parse is logged and skipped.

    discord.py lets a parser's exception escape its connection loop, which would end the bot's task."""
    for name, parse in list(parsers.items()):
        parsers[name] = _skip_failures_of(name, parse)


def _skip_failures_of(name: str, parse):
    def parse_or_skip(data) -> None:
        try:
            parse(data)
        except Exception:
            log.exception("discord: skipped a %s event that could not be read", name)

    return parse_or_skip


def point_at_servers(settings: Settings) -> None:
    """DISCORD_API_URL and DISCORD_GATEWAY_URL replace where discord.py connects; Discord's own by default.

    discord.py builds every REST URL from Route.BASE and connects to DEFAULT_GATEWAY without asking REST first."""
    api_url = settings.discord_api_url.rstrip("/") or DEFAULT_API_URL
    gateway_url = settings.discord_gateway_url or DEFAULT_GATEWAY_URL
    if not api_url.startswith(("https://", "http://")):
        raise ConfigError(f"DISCORD_API_URL must be an http(s) URL such as {DEFAULT_API_URL}, not {api_url!r}")
    if not gateway_url.startswith(("wss://", "ws://")):
        raise ConfigError(f"DISCORD_GATEWAY_URL must be a ws(s) URL such as {DEFAULT_GATEWAY_URL}, not {gateway_url!r}")
    if settings.discord_guild_id and not settings.discord_guild_id.isdigit():
        raise ConfigError("DISCORD_GUILD_ID must be a server id (digits; right-click the server, Copy Server ID)")
    discord.http.Route.BASE = api_url
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


def build_discord_client(bot: Bot, scheduler: Scheduler | None = None, **options) -> DiscordFrontDoor:
    """The Discord client for `bot`, pointed at the configured servers; `options` go to discord.Client.

    With a scheduler, the client registers its publisher once connected, so tips and quizzes go out."""
    point_at_servers(bot.settings)
    return DiscordFrontDoor(bot, scheduler, **options)


async def run_discord(bot: Bot, scheduler: Scheduler | None = None, **options) -> None:
    """Runs until cancelled; a missing or rejected DISCORD_TOKEN raises ConfigError once instead of retrying."""
    check_discord(bot.settings)
    client = build_discord_client(bot, scheduler, **options)
    try:
        async with client:
            await client.start(bot.settings.discord_token)
    except discord.LoginFailure:
        raise ConfigError("DISCORD_TOKEN was rejected by Discord: reset the token on the Developer Portal's "
                          "Bot page and set DISCORD_TOKEN to the new one") from None
    except discord.ConnectionClosed as error:
        if error.code != 4004:
            raise
        raise ConfigError("DISCORD_TOKEN was rejected by the Discord gateway (authentication failed): "
                          "reset the token on the Developer Portal's Bot page") from None
