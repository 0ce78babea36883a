"""The one reach into discord.py's internals still finds what it wraps; a release that moves it fails here."""

import discord

from bot.adapters.discord.guard import NEEDED_PARSERS, parser_table, skip_malformed_events


def test_this_discord_py_keeps_the_gateway_parsers_the_guard_wraps():
    client = discord.Client(intents=discord.Intents.none())
    parsers = parser_table(client)
    assert set(NEEDED_PARSERS) <= set(parsers)
    skip_malformed_events(client)
    # A wrapped parser swallows what it cannot read instead of ending the connection loop.
    client._connection.parsers["MESSAGE_CREATE"]({"id": "not-a-number"})


def test_a_discord_py_without_the_table_is_refused_with_a_clear_message():
    class Moved:
        _connection = object()

    try:
        parser_table(Moved())
    except RuntimeError as error:
        assert "no longer keeps its gateway parsers" in str(error)
    else:
        raise AssertionError("a missing parser table was not noticed")
