"""`backend-bot discord invite` prints the link with exactly the scopes and permissions the bot needs."""

import os
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

from discord_standin import BOT_ID, TOKEN

VIEW_CHANNEL, SEND_MESSAGES, EMBED_LINKS, READ_MESSAGE_HISTORY = 1 << 10, 1 << 11, 1 << 14, 1 << 16
SEND_MESSAGES_IN_THREADS = 1 << 38


def run_invite(tmp_path, **variables: str) -> subprocess.CompletedProcess:
    environment = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), **variables}
    return subprocess.run([sys.executable, "-m", "bot.cli", "discord", "invite"], cwd=tmp_path, env=environment,
                          capture_output=True, text=True, timeout=30)


def test_invite_link_has_the_bot_and_commands_scopes_and_only_the_needed_permissions(tmp_path):
    result = run_invite(tmp_path, DISCORD_TOKEN=TOKEN)
    link = urlsplit(result.stdout.strip())
    query = parse_qs(link.query)
    assert (link.scheme, link.netloc, link.path) == ("https", "discord.com", "/oauth2/authorize")
    assert query["client_id"] == [str(BOT_ID)]
    assert query["scope"] == ["bot applications.commands"]
    assert int(query["permissions"][0]) == (VIEW_CHANNEL | SEND_MESSAGES | SEND_MESSAGES_IN_THREADS | EMBED_LINKS
                                            | READ_MESSAGE_HISTORY)
    assert TOKEN not in result.stdout


def test_invite_uses_the_application_id_when_given(tmp_path):
    result = run_invite(tmp_path, DISCORD_APPLICATION_ID="123456789012345678")
    assert parse_qs(urlsplit(result.stdout.strip()).query)["client_id"] == ["123456789012345678"]


def test_invite_without_an_id_or_token_names_the_variables(tmp_path):
    result = run_invite(tmp_path)
    assert result.returncode == 2
    assert "DISCORD_APPLICATION_ID" in result.stderr and "DISCORD_TOKEN" in result.stderr
