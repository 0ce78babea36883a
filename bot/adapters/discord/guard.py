"""Surviving a gateway event discord.py cannot parse: the one place that reaches into discord.py's internals.

discord.py has no public hook for this: a parser's exception escapes its connection loop and ends the client.
So each parser in the connection state's table is wrapped to log and skip what it cannot read. The table is
private, so tests/test_discord_guard.py fails loudly when a discord.py release changes its shape; pyproject.toml
allows the releases that test passes against.
"""

import logging
from collections.abc import Callable

import discord

log = logging.getLogger(__name__)
# Events the bot cannot do without; a discord.py whose parser table lacks them is not one this guard knows.
NEEDED_PARSERS = ("READY", "MESSAGE_CREATE", "INTERACTION_CREATE", "GUILD_CREATE")
# The events the bot answers: what a replica without the gateway lease must never act on.
FENCED = ("MESSAGE_CREATE", "INTERACTION_CREATE")


def parser_table(client: discord.Client) -> dict:
    parsers = getattr(getattr(client, "_connection", None), "parsers", None)
    if not isinstance(parsers, dict) or not all(callable(parsers.get(name)) for name in NEEDED_PARSERS):
        raise RuntimeError(f"discord.py {discord.__version__} no longer keeps its gateway parsers where "
                           "backend-bot's guard expects them; see bot/adapters/discord/guard.py")
    return parsers


def skip_malformed_events(client: discord.Client) -> None:
    """Wraps every gateway parser so one event it cannot parse is logged and skipped."""
    parsers = parser_table(client)
    for name, parse in list(parsers.items()):
        parsers[name] = _skip_failures_of(name, parse)


def fence_events(client: discord.Client, allowed: Callable[[], bool]) -> None:
    """Drops messages and interactions unless `allowed()` says, at that moment, that this process may answer:
    a replica that lost the gateway lease (paused, or cut off from the database) never answers what the new
    holder answers too."""
    parsers = parser_table(client)
    for name in FENCED:
        parsers[name] = _only_when(allowed, name, parsers[name])


def _only_when(allowed: Callable[[], bool], name: str, parse):
    def parse_if_allowed(data) -> None:
        if allowed():
            parse(data)
        else:
            log.warning("discord: a %s arrived after the gateway lease ran out here; left to the new holder", name)

    return parse_if_allowed


def _skip_failures_of(name: str, parse):
    def parse_or_skip(data) -> None:
        try:
            parse(data)
        except Exception:
            log.exception("discord: skipped a %s event that could not be read", name)

    return parse_or_skip
