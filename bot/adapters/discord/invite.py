"""The OAuth2 link that adds backend-bot to a Discord server with exactly the scopes and permissions it uses."""

import base64
import binascii

import discord

from ...config import ConfigError, Settings

SCOPES = ("bot", "applications.commands")


def choose_permissions() -> discord.Permissions:
    # See channels, answer in them and in threads, show answers as embeds, and reply to the question asked
    # (a reply needs Read Message History). Nothing that manages, moderates or mentions everyone.
    return discord.Permissions(view_channel=True, send_messages=True, send_messages_in_threads=True,
                               embed_links=True, read_message_history=True)


def find_application_id(settings: Settings) -> int:
    """DISCORD_APPLICATION_ID, or the bot's user id read from the token (its first part is that id in base64)."""
    discord_settings = settings.discord
    if discord_settings.application_id:
        if not (discord_settings.application_id.isascii() and discord_settings.application_id.isdigit()):
            raise ConfigError("DISCORD_APPLICATION_ID must be the application id (digits) from the Developer Portal")
        return int(discord_settings.application_id)
    if not discord_settings.token:
        raise ConfigError("set DISCORD_APPLICATION_ID (Developer Portal > General Information > Application ID) "
                          "or DISCORD_TOKEN to make the invite link")
    first_part = discord_settings.token.split(".", 1)[0]
    try:
        decoded = base64.urlsafe_b64decode(first_part + "=" * (-len(first_part) % 4)).decode("ascii")
    except (binascii.Error, ValueError):  # not base64, or not ASCII (UnicodeDecodeError is a ValueError)
        decoded = ""
    if not (decoded.isascii() and decoded.isdigit()):
        raise ConfigError("DISCORD_TOKEN does not look like a bot token; set DISCORD_APPLICATION_ID instead")
    return int(decoded)


def make_invite_url(settings: Settings) -> str:
    return discord.utils.oauth_url(find_application_id(settings), permissions=choose_permissions(), scopes=SCOPES)
