"""The app manifest in the repo asks for what the bot uses: its events, /backend, buttons, users:read, Socket Mode."""

import yaml

from bot.adapters.slack.app import COMMAND


def test_slack_manifest_matches_what_the_bot_answers(repo_root):
    manifest = yaml.safe_load((repo_root / "slack-manifest.yaml").read_text(encoding="utf-8"))
    settings = manifest["settings"]

    assert sorted(settings["event_subscriptions"]["bot_events"]) == ["app_mention", "message.im"]
    # users:read for the admin check and winners' names; channels/groups:history to find a post whose send
    # outcome is unknown; no chat:write.public: a removed bot stays out.
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == [
        "app_mentions:read", "channels:history", "chat:write", "commands", "groups:history", "im:history",
        "users:read"]
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == COMMAND and len(command["description"]) <= 100
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is True
    assert manifest["features"]["app_home"]["messages_tab_read_only_enabled"] is False  # people can DM it
