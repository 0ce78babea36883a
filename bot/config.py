"""The only reader of the environment: settings, with clear errors for missing or malformed values."""

import io
import logging
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs
from dotenv import dotenv_values

from .knowledge_files import shipped_folder
from .storage.location import is_postgres, redacted

DEFAULT_SLACK_API_URL = "https://slack.com/api/"


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the variable and what it should look like."""


@dataclass(frozen=True)
class SlackSettings:
    bot_token: str = ""
    app_token: str = ""
    signing_secret: str = ""
    api_url: str = DEFAULT_SLACK_API_URL

    def __repr__(self) -> str:
        # Tokens never reach a log line, even through a debug print of the settings.
        return f"SlackSettings(api_url={self.api_url!r})"

    @property
    def is_configured(self) -> bool:
        return bool(self.bot_token or self.app_token or self.signing_secret)


@dataclass(frozen=True)
class DiscordSettings:
    token: str = ""
    api_url: str = ""
    gateway_url: str = ""
    guild_id: str = ""
    application_id: str = ""

    def __repr__(self) -> str:
        return f"DiscordSettings(api_url={self.api_url!r}, guild_id={self.guild_id!r})"

    @property
    def is_configured(self) -> bool:
        return bool(self.token)


@dataclass(frozen=True)
class Settings:
    # A SQLite file, or a PostgreSQL URL (a str) that may carry a password: show it only through `redacted`.
    database: Path | str
    knowledge_paths: list[Path]
    slack: SlackSettings = field(default_factory=SlackSettings)
    discord: DiscordSettings = field(default_factory=DiscordSettings)
    bot_admins: frozenset[str] = field(default_factory=frozenset)
    # The operator's HTTP port (/healthz, /metrics, and Slack's HTTP mode); None when PORT is not set.
    port: int | None = None
    # How often the scheduler looks for due posts; tests set it short instead of waiting out the default.
    schedule_check_seconds: float = 5.0
    # When two people pick the same entry for a question from "did you mean", teach it without an admin.
    auto_teach: bool = False
    # Days of questions (and their votes) kept; `serve` prunes older ones once a day, `db prune` on demand.
    keep_question_days: int = 365
    # How long one scheduled send may take before its outcome counts as unknown (and is looked for later).
    schedule_send_timeout: float = 30.0
    # How long the Discord gateway lease lasts without renewal: a replica takes over at most this long (plus a
    # couple of seconds) after the holder died or was cut off.
    lease_seconds: float = 15.0
    # "fused": words and meaning (the shipped embedding model); "lexical": words alone, no model loaded.
    matcher: str = "fused"
    # Where built knowledge is kept between runs (bot/prepared.py); None builds every time.
    cache_folder: Path | None = None

    def __repr__(self) -> str:
        return f"Settings(database={redacted(self.database)}, knowledge_paths={[str(p) for p in self.knowledge_paths]})"


def default_database() -> Path:
    return Path(platformdirs.user_data_dir("backend-bot", appauthor=False)) / "backend-bot.db"


def logging_settings(environ: dict[str, str] | None = None, env_file: Path | None = Path(".env")) -> tuple[str, bool]:
    """(level, or '' when not set; whether as JSON lines) from LOG_LEVEL and LOG_FORMAT."""
    # Read before logging is set up: dotenv's warnings would come out bare, and again when load_settings reads
    # the file with logging in place.
    with _without_dotenv_warnings():
        values = _read(environ, env_file)
    level = values.get("LOG_LEVEL", "").strip().upper()
    if level not in ("", "DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {level!r}")
    form = values.get("LOG_FORMAT", "").strip().lower()
    if form not in ("", "text", "json"):
        raise ConfigError(f"LOG_FORMAT must be text or json, not {form!r}")
    return level, form == "json"


def _read(environ: dict[str, str] | None, env_file: Path | None) -> dict[str, str]:
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update(_env_file_values(env_file))
    values.update(os.environ if environ is None else environ)
    return values


def _env_file_values(env_file: Path) -> dict[str, str]:
    content = env_file.read_bytes()
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as error:
        line = content[:error.start].count(b"\n") + 1
        raise ConfigError(f"{env_file}: line {line} is not UTF-8 text; save the file as UTF-8") from None
    parsed = dotenv_values(stream=io.StringIO(text, newline=None))
    return {key: value for key, value in parsed.items() if value is not None}


@contextmanager
def _without_dotenv_warnings():
    dotenv_log = logging.getLogger("dotenv.main")
    was_disabled, dotenv_log.disabled = dotenv_log.disabled, True
    try:
        yield
    finally:
        dotenv_log.disabled = was_disabled


def load_settings(environ: dict[str, str] | None = None, env_file: Path | None = Path(".env")) -> Settings:
    """Settings from `environ` (default: the process environment), over values from an optional .env file."""
    values = _read(environ, env_file)
    get = lambda name: values.get(name, "").strip()  # noqa: E731
    extra = [Path(part).expanduser() for part in get("KNOWLEDGE_PATH").split(os.pathsep) if part]
    return Settings(
        database=_database(get("BOT_DATABASE"), get("DATABASE_URL")),
        knowledge_paths=[shipped_folder(), *extra],
        slack=SlackSettings(get("SLACK_BOT_TOKEN"), get("SLACK_APP_TOKEN"), get("SLACK_SIGNING_SECRET"),
                            _with_slash(get("SLACK_API_URL") or DEFAULT_SLACK_API_URL)),
        discord=DiscordSettings(get("DISCORD_TOKEN"), get("DISCORD_API_URL"), get("DISCORD_GATEWAY_URL"),
                                get("DISCORD_GUILD_ID"), get("DISCORD_APPLICATION_ID")),
        bot_admins=frozenset(part.strip() for part in get("BOT_ADMINS").split(",") if part.strip()),
        port=_port(get("PORT")),
        schedule_check_seconds=_seconds("SCHEDULE_CHECK_SECONDS", get("SCHEDULE_CHECK_SECONDS"), 5.0),
        keep_question_days=_days(get("BOT_KEEP_QUESTIONS_DAYS")),
        auto_teach=_switch("BOT_AUTO_TEACH", get("BOT_AUTO_TEACH")),
        schedule_send_timeout=_seconds("SCHEDULE_SEND_TIMEOUT_SECONDS", get("SCHEDULE_SEND_TIMEOUT_SECONDS"), 30.0),
        lease_seconds=_seconds("BOT_LEASE_SECONDS", get("BOT_LEASE_SECONDS"), 15.0),
        matcher=_matcher(get("BOT_MATCHER")),
        cache_folder=_cache_folder(get("BOT_CACHE_DIR")),
    )


def _cache_folder(value: str) -> Path | None:
    """BOT_CACHE_DIR, "off" for none, else the user's cache folder."""
    if value.lower() == "off":
        return None
    return Path(value).expanduser() if value else Path(platformdirs.user_cache_dir("backend-bot", appauthor=False))


def _database(bot_database: str, database_url: str) -> Path | str:
    """BOT_DATABASE (a SQLite file or a PostgreSQL URL), else DATABASE_URL, the name PaaS add-ons set."""
    if bot_database:
        return bot_database if is_postgres(bot_database) else Path(bot_database).expanduser()
    if not database_url:
        return default_database()
    if not is_postgres(database_url):
        # Said without the value: a URL of another database may carry its password too.
        raise ConfigError("DATABASE_URL must be a postgresql:// URL; set BOT_DATABASE for a SQLite file")
    return database_url


MATCHERS = ("fused", "lexical", "transformer")


def _matcher(value: str) -> str:
    if not value:
        return MATCHERS[0]
    if value.lower() not in MATCHERS:
        raise ConfigError(f"BOT_MATCHER must be fused, lexical or transformer, not {value!r}")
    return value.lower()


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def _port(value: str) -> int | None:
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or not 0 < int(value) < 65536:
        raise ConfigError(f"PORT must be a TCP port number such as 3000, not {value!r}")
    return int(value)


def _seconds(name: str, value: str, default: float) -> float:
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= 3600:
        raise ConfigError(f"{name} must be a number of seconds between 0 and 3600, such as 5 or 0.5, not {value!r}")
    return seconds


def _switch(name: str, value: str) -> bool:
    if value.lower() in ("", "0", "off", "false", "no"):
        return False
    if value.lower() in ("1", "on", "true", "yes"):
        return True
    raise ConfigError(f"{name} must be on or off, not {value!r}")


def _days(value: str) -> int:
    if not value:
        return 365
    if not (value.isascii() and value.isdecimal()) or not 1 <= int(value) <= 36500:
        raise ConfigError(f"BOT_KEEP_QUESTIONS_DAYS must be a number of days such as 365, not {value!r}")
    return int(value)


def check_slack(slack: SlackSettings) -> str:
    """'socket' or 'http', the way Slack is to be reached; ConfigError naming the variable when half-set."""
    if not slack.bot_token:
        raise ConfigError("SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (it starts with xoxb-)")
    if not slack.bot_token.startswith("xoxb-"):
        raise ConfigError("SLACK_BOT_TOKEN looks wrong: a bot token starts with xoxb-")
    if slack.app_token:
        if not slack.app_token.startswith("xapp-"):
            raise ConfigError("SLACK_APP_TOKEN looks wrong: an app-level token for Socket Mode starts with xapp-")
        return "socket"
    if slack.signing_secret:
        return "http"
    raise ConfigError("Slack needs SLACK_APP_TOKEN (xapp-..., Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode)")


def check_discord(discord: DiscordSettings) -> None:
    token = discord.token
    if not token:
        raise ConfigError("DISCORD_TOKEN is not set: copy the bot token from the Developer Portal's Bot page")
    if token.count(".") != 2 or " " in token:
        raise ConfigError("DISCORD_TOKEN looks wrong: a bot token has three dot-separated parts, with no 'Bot ' prefix")
