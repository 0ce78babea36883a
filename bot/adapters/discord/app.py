"""The Discord front door: mentions, DMs, slash commands and buttons in, as service calls; embeds with
persistent buttons out."""

import asyncio
import logging
import re
from dataclasses import replace

import aiohttp
import discord
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket

from ...config import ConfigError, DiscordSettings, Settings, check_discord
from ...lease import LeaseHolder
from ...core.replies import Request
from ...scheduler import Scheduler
from ...service import Service
from ..base import CONNECTED, DISCONNECTED, Link
from .commands import add_schedule_commands
from .guard import fence_events, skip_malformed_events
from .publisher import DiscordPublisher
from .render import (NO_MENTIONS, AnswerButton, NoneOfTheseButton, VoteButton, make_request, render, render_note,
                     respond)
from .render_daily import QuizButton
from .review import FixEntryButton, ReviewButton

log = logging.getLogger(__name__)

DEFAULT_API_URL = discord.http.Route.BASE
DEFAULT_GATEWAY_URL = str(DiscordWebSocket.DEFAULT_GATEWAY)
ANSWERED_MESSAGE_TYPES = (discord.MessageType.default, discord.MessageType.reply)
# A rate limit longer than this raises instead of waiting (discord.py's minimum); a scheduled post is then retried
# by the scheduler after Discord's Retry-After, and a reply is not left hanging for minutes.
MAX_RATE_LIMIT_WAIT = 30.0
SORRY = "Sorry, something went wrong on my side. Please try again."


class DiscordFrontDoor(discord.Client):
    """A discord.Client that carries the service, the slash commands and the persistent buttons; every
    interaction reaches the service through this client's `service`."""

    def __init__(self, service: Service, settings: DiscordSettings, scheduler: Scheduler | None = None,
                 link: Link | None = None, lease: LeaseHolder | None = None, **options):
        options.setdefault("max_ratelimit_timeout", MAX_RATE_LIMIT_WAIT)
        super().__init__(intents=choose_intents(), allowed_mentions=NO_MENTIONS, **options)
        self.service = service
        self.link = link or Link()
        self.settings = settings
        self.scheduler = scheduler
        self.tree = build_command_tree(self)
        self.add_dynamic_items(AnswerButton, VoteButton, NoneOfTheseButton, QuizButton, ReviewButton,
                                FixEntryButton)
        skip_malformed_events(self)
        if lease is not None:
            fence_events(self, lease.is_held)

    async def setup_hook(self) -> None:
        await sync_commands(self.tree, self.settings.guild_id)

    async def on_ready(self) -> None:
        self.link.state = CONNECTED
        log.info("discord: connected as %s to %d server(s)", self.user, len(self.guilds))
        # Until now Discord's scheduled posts wait unclaimed; ready fires again after a new session, harmlessly.
        if self.scheduler is not None:
            self.scheduler.register("discord", DiscordPublisher(self))

    async def on_resumed(self) -> None:
        self.link.state = CONNECTED
        log.info("discord: gateway session resumed")

    async def on_disconnect(self) -> None:
        # discord.py reconnects by itself; until it has, /healthz says so.
        self.link.state = DISCONNECTED
        if not self.is_closed():
            log.warning("discord: gateway connection lost; reconnecting")

    async def on_message(self, message: discord.Message) -> None:
        if not is_for_me(message, self.user):
            return

        async def send(reply) -> None:
            try:
                await message.channel.send(reference=message.to_reference(fail_if_not_exists=False),
                                           mention_author=False, **render(reply).as_message())
            except discord.Forbidden:
                log.warning("discord: no permission to answer in channel %s; invite the bot again with the link from "
                            "`backend-bot discord invite`", message.channel.id)

        # A replayed delivery of the same message is answered once.
        await self.service.answer(to_request(message, self.user.id), send)


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
                   platform="discord", workspace=str(message.guild.id if message.guild else ""),
                   event_id=f"message:{message.id}")


def build_command_tree(client: discord.Client) -> app_commands.CommandTree:
    tree = app_commands.CommandTree(client)

    @tree.command(name="ask", description="Ask the team's backend knowledge base a question")
    @app_commands.describe(question="Your question, in your own words")
    async def ask(interaction: discord.Interaction, question: app_commands.Range[str, 1, 1000]) -> None:
        await answer_command(interaction, question)

    backend = app_commands.Group(name="backend", description="About backend-bot")

    @backend.command(name="help", description="What backend-bot answers and how to ask it")
    async def show_help(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(**render(interaction.client.service.help()).as_response())

    tree.add_command(backend)
    add_schedule_commands(tree)
    tree.on_error = apologise_for_error
    return tree


async def apologise_for_error(interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
    """A failed command still gets an answer, so the person is not left with "The application did not respond"."""
    log.error("discord: a slash command failed", exc_info=error)
    if not interaction.response.is_done():
        await interaction.response.send_message(**render_note(SORRY).as_response())


async def answer_command(interaction: discord.Interaction, question: str) -> None:
    request = replace(make_request(interaction, question), event_id=f"interaction:{interaction.id}")
    await respond(interaction, interaction.client.service.ask(request), ephemeral=False)


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


def point_at_servers(settings: DiscordSettings) -> None:
    """DISCORD_API_URL and DISCORD_GATEWAY_URL replace where discord.py connects; Discord's own by default.

    discord.py builds every REST URL from Route.BASE and connects to DEFAULT_GATEWAY without asking REST first."""
    api_url = settings.api_url.rstrip("/") or DEFAULT_API_URL
    gateway_url = settings.gateway_url or DEFAULT_GATEWAY_URL
    if not api_url.startswith(("https://", "http://")):
        raise ConfigError(f"DISCORD_API_URL must be an http(s) URL such as {DEFAULT_API_URL}, not {api_url!r}")
    if not gateway_url.startswith(("wss://", "ws://")):
        raise ConfigError(f"DISCORD_GATEWAY_URL must be a ws(s) URL such as {DEFAULT_GATEWAY_URL}, not {gateway_url!r}")
    if settings.guild_id and not (settings.guild_id.isascii() and settings.guild_id.isdigit()):
        raise ConfigError("DISCORD_GUILD_ID must be a server id (digits; right-click the server, Copy Server ID)")
    discord.http.Route.BASE = api_url
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


def build_discord_client(service: Service, settings: Settings, scheduler: Scheduler | None = None,
                         link: Link | None = None, lease: LeaseHolder | None = None, **options) -> DiscordFrontDoor:
    """The Discord client, pointed at the configured servers; `options` go to discord.Client.

    With a scheduler, the client registers its publisher once connected, so tips and quizzes go out."""
    point_at_servers(settings.discord)
    return DiscordFrontDoor(service, settings.discord, scheduler, link, lease, **options)


async def run_discord(service: Service, settings: Settings, scheduler: Scheduler | None = None,
                      link: Link | None = None, lease: LeaseHolder | None = None, **options) -> None:
    """Runs until cancelled; a missing or rejected DISCORD_TOKEN raises ConfigError once instead of retrying."""
    check_discord(settings.discord)
    client = build_discord_client(service, settings, scheduler, link, lease, **options)
    try:
        async with client:
            await client.start(settings.discord.token)
    except discord.LoginFailure:
        raise ConfigError("DISCORD_TOKEN was rejected by Discord: reset the token on the Developer Portal's "
                          "Bot page and set DISCORD_TOKEN to the new one") from None
    except (aiohttp.ClientError, OSError, asyncio.TimeoutError) as error:
        # Logging in, at start-up: once connected, discord.py reconnects by itself. A supervisor restarts the process.
        where = settings.discord.api_url or "discord.com"
        raise ConfigError(f"cannot reach Discord at {where}: {str(error) or type(error).__name__}") from None
    except discord.ConnectionClosed as error:
        if error.code != 4004:
            raise
        raise ConfigError("DISCORD_TOKEN was rejected by the Discord gateway (authentication failed): "
                          "reset the token on the Developer Portal's Bot page") from None
