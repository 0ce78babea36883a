"""The only reader of the environment: settings, with clear errors for missing or malformed values."""

import os
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs
from dotenv import dotenv_values

from .knowledge_files import shipped_folder

DEFAULT_SLACK_API_URL = "https://slack.com/api/"


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the variable and what it should look like."""


@dataclass(frozen=True)
class Settings:
    database: Path
    knowledge_paths: list[Path]
    slack_bot_token: str = ""
    slack_app_token: str = ""
    slack_signing_secret: str = ""
    slack_api_url: str = DEFAULT_SLACK_API_URL
    discord_token: str = ""
    discord_api_url: str = ""
    discord_gateway_url: str = ""
    discord_guild_id: str = ""
    discord_application_id: str = ""
    bot_admins: frozenset[str] = field(default_factory=frozenset)
    port: int = 3000

    def __repr__(self) -> str:
        # Tokens never reach a log line, even through a debug print of the settings.
        return f"Settings(database={self.database!s}, knowledge_paths={[str(p) for p in self.knowledge_paths]})"

    @property
    def has_slack(self) -> bool:
        return bool(self.slack_bot_token or self.slack_app_token or self.slack_signing_secret)

    @property
    def has_discord(self) -> bool:
        return bool(self.discord_token)


def default_database() -> Path:
    return Path(platformdirs.user_data_dir("backend-bot", appauthor=False)) / "backend-bot.db"


def load_settings(environ: dict[str, str] | None = None, env_file: Path | None = Path(".env")) -> Settings:
    """Settings from `environ` (default: the process environment), over values from an optional .env file."""
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update({key: value for key, value in dotenv_values(env_file).items() if value is not None})
    values.update(os.environ if environ is None else environ)
    get = lambda name: values.get(name, "").strip()  # noqa: E731
    extra = [Path(part).expanduser() for part in get("KNOWLEDGE_PATH").split(os.pathsep) if part]
    return Settings(
        database=Path(get("BOT_DATABASE")).expanduser() if get("BOT_DATABASE") else default_database(),
        knowledge_paths=[shipped_folder(), *extra],
        slack_bot_token=get("SLACK_BOT_TOKEN"),
        slack_app_token=get("SLACK_APP_TOKEN"),
        slack_signing_secret=get("SLACK_SIGNING_SECRET"),
        slack_api_url=_with_slash(get("SLACK_API_URL") or DEFAULT_SLACK_API_URL),
        discord_token=get("DISCORD_TOKEN"),
        discord_api_url=get("DISCORD_API_URL"),
        discord_gateway_url=get("DISCORD_GATEWAY_URL"),
        discord_guild_id=get("DISCORD_GUILD_ID"),
        discord_application_id=get("DISCORD_APPLICATION_ID"),
        bot_admins=frozenset(part.strip() for part in get("BOT_ADMINS").split(",") if part.strip()),
        port=_port(get("PORT")),
    )


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def _port(value: str) -> int:
    if not value:
        return 3000
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise ConfigError(f"PORT must be a TCP port number such as 3000, not {value!r}")
    return int(value)


def check_slack(settings: Settings) -> str:
    """'socket' or 'http', the way Slack is to be reached; ConfigError naming the variable when half-set."""
    if not settings.slack_bot_token:
        raise ConfigError("SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (it starts with xoxb-)")
    if not settings.slack_bot_token.startswith("xoxb-"):
        raise ConfigError("SLACK_BOT_TOKEN looks wrong: a bot token starts with xoxb-")
    if settings.slack_app_token:
        if not settings.slack_app_token.startswith("xapp-"):
            raise ConfigError("SLACK_APP_TOKEN looks wrong: an app-level token for Socket Mode starts with xapp-")
        return "socket"
    if settings.slack_signing_secret:
        return "http"
    raise ConfigError("Slack needs SLACK_APP_TOKEN (xapp-..., Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode)")


def check_discord(settings: Settings) -> None:
    token = settings.discord_token
    if not token:
        raise ConfigError("DISCORD_TOKEN is not set: copy the bot token from the Developer Portal's Bot page")
    if token.count(".") != 2 or " " in token:
        raise ConfigError("DISCORD_TOKEN looks wrong: a bot token has three dot-separated parts, with no 'Bot ' prefix")
