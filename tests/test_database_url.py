"""BOT_DATABASE or DATABASE_URL may name PostgreSQL; its password is never shown, and a missing driver is one line."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from bot.storage import redacted
from bot.storage.location import without_password
from bot.storage.postgres_migrations import STEPS

COMMAND = str(Path(sys.executable).parent / "backend-bot")
SECRET = "hunter2-sesame"


def settings(**variables: str):
    return load_settings(environ=variables, env_file=None)


def test_a_postgresql_url_in_either_variable_chooses_postgresql_and_bot_database_wins(tmp_path):
    url = "postgresql://bot@db.internal:5432/bot"
    assert settings(BOT_DATABASE=url).database == url
    assert settings(BOT_DATABASE="postgres://bot@db/bot").database == "postgres://bot@db/bot"
    assert settings(DATABASE_URL=url).database == url
    assert settings(BOT_DATABASE=str(tmp_path / "bot.db"), DATABASE_URL=url).database == tmp_path / "bot.db"


def test_a_database_url_that_is_not_postgresql_is_refused_without_repeating_it():
    with pytest.raises(ConfigError) as refused:
        settings(DATABASE_URL=f"mysql://bot:{SECRET}@db/bot")
    assert str(refused.value) == "DATABASE_URL must be a postgresql:// URL; set BOT_DATABASE for a SQLite file"


@pytest.mark.parametrize("url, shown", [
    (f"postgresql://bot:{SECRET}@db:5432/bot", "postgresql://bot:***@db:5432/bot"),
    (f"postgres://bot:{SECRET}@db/bot?sslmode=require", "postgres://bot:***@db/bot?sslmode=require"),
    (f"postgresql://db/bot?sslmode=require&password={SECRET}", "postgresql://db/bot?sslmode=require&password=***"),
    ("postgresql://bot@db/bot", "postgresql://bot@db/bot"),
    ("/var/lib/bot/bot.db", "/var/lib/bot/bot.db"),
])
def test_a_url_is_shown_with_its_password_replaced(url, shown):
    assert redacted(url) == shown


# Passwords typed with characters a URL reserves, left unencoded: each piece is a fragment that must not be shown.
PIECES = ("Ab1", "Cd2", "Ef3")


@pytest.mark.parametrize("url, shown", [
    ("postgresql://bob:Ab1#Cd2@127.0.0.1:1/db", "postgresql://bob:***@127.0.0.1:1/db"),
    ("postgresql://bob:Ab1?Cd2@127.0.0.1:1/db", "postgresql://bob:***@127.0.0.1:1/db"),
    ("postgresql://bob:Ab1/Cd2@127.0.0.1:1/db", "postgresql://bob:***@127.0.0.1:1/db"),
    ("postgresql://bob:Ab1@Cd2/Ef3@127.0.0.1:1/db", "postgresql://bob:***@127.0.0.1:1/db"),
    ("postgresql://bob:Ab1:Cd2@Ef3@127.0.0.1/db?sslmode=require", "postgresql://bob:***@127.0.0.1/db?sslmode=require"),
    ("POSTGRES://bob:Ab1#Cd2?Ef3@[::1]:1,127.0.0.1:2/db", "POSTGRES://bob:***@[::1]:1,127.0.0.1:2/db"),
    ("postgresql://bob@127.0.0.1:1/db?password=Ab1#Cd2", "postgresql://bob@127.0.0.1:1/db?password=***"),
    # A query password with an '@', in a URL whose port looks like the start of a password: all of it goes.
    ("postgresql://127.0.0.1:1/db?password=Ab1@Cd2", "postgresql://127.0.0.1:***"),
    ("postgresql://bob:Ab1?password=Cd2@127.0.0.1:1/db", "postgresql://bob:***"),
])
def test_a_password_is_hidden_whole_whatever_characters_it_holds(url, shown):
    assert redacted(url) == shown
    assert not any(piece in redacted(url) for piece in PIECES)


def test_a_driver_message_is_not_shown_when_an_unencoded_at_or_slash_cuts_the_password():
    # libpq ends the password at the first '@' and reads the rest as the host, so its error names a piece of it.
    said = without_password("failed to resolve host 'Cd2'", "postgresql://bob:Ab1@Cd2/Ef3@127.0.0.1:1/db")
    assert said == ("the driver's message is not shown, as it may quote part of the password: "
                    "write an '@' or '/' in the user name or password as %40 or %2F")
    kept = without_password('connection to server at "127.0.0.1", port 1 failed',
                            "postgresql://bob:Ab1#Cd2@127.0.0.1:1/db")
    assert kept == 'connection to server at "127.0.0.1", port 1 failed'


def test_the_settings_never_print_the_password():
    assert SECRET not in repr(settings(BOT_DATABASE=f"postgresql://bot:{SECRET}@db/bot"))


def run(*args: str, cwd: Path | None = None, **variables: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in ("BOT_DATABASE", "DATABASE_URL")}
    return subprocess.run([COMMAND, *args], capture_output=True, text=True, env={**env, **variables}, timeout=60,
                          cwd=cwd)


def test_an_unreachable_postgresql_is_one_line_without_the_password(tmp_path):
    url = f"postgresql://bot:{SECRET}@127.0.0.1:1/bot"
    for result in (run("-v", "ask", "how to scale backend?", BOT_DATABASE=url, LOG_LEVEL="DEBUG"),
                   run("ask", "how to scale backend?", DATABASE_URL=url)):
        assert result.returncode == 2
        assert result.stderr.startswith("error: cannot use the database at postgresql://bot:***@127.0.0.1:1/bot: ")
        assert len(result.stderr.splitlines()) == 1 and SECRET not in result.stdout + result.stderr
    checked = run("db", "check", BOT_DATABASE=url)
    assert checked.returncode == 1 and SECRET not in checked.stdout + checked.stderr
    assert checked.stdout.splitlines()[0] == "database: PostgreSQL at postgresql://bot:***@127.0.0.1:1/bot"
    assert checked.stdout.splitlines()[1].startswith("reachable: no: cannot use the database")


@pytest.mark.parametrize("url, shown", [
    ("postgresql://bob:Ab1#Cd2@127.0.0.1:1/db", "postgresql://bob:***@127.0.0.1:1/db"),
    ("postgresql://bob:Ab1?Cd2@127.0.0.1:1/db", "postgresql://bob:***@127.0.0.1:1/db"),
    ("postgres://bob@127.0.0.1:1/db?password=Ab1#Cd2", "postgres://bob@127.0.0.1:1/db?password=***"),
])
def test_a_password_with_a_hash_or_question_mark_is_hidden_by_every_command(tmp_path, url, shown):
    refused = f"error: cannot use the database at {shown}: connection failed: "
    sqlite = str(tmp_path / "bot.db")
    for result in (run("ask", "how to scale backend?", cwd=tmp_path, BOT_DATABASE=url),
                   run("ask", "how to scale backend?", cwd=tmp_path, DATABASE_URL=url),
                   run("stats", cwd=tmp_path, BOT_DATABASE=url),
                   run("db", "copy", "--to", url, cwd=tmp_path, BOT_DATABASE=sqlite)):
        assert result.returncode == 2
        assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith(refused)
        assert not any(piece in result.stdout + result.stderr for piece in PIECES)
    checked = run("db", "check", cwd=tmp_path, BOT_DATABASE=url)
    assert checked.returncode == 1 and checked.stderr == ""
    assert checked.stdout.splitlines()[0] == f"database: PostgreSQL at {shown}"
    assert checked.stdout.splitlines()[1].startswith(f"reachable: no: cannot use the database at {shown}: ")
    assert not any(piece in checked.stdout for piece in PIECES)


def test_a_reachable_postgresql_with_a_password_is_checked_without_showing_it(postgres_server, postgres_url):
    postgres_server.admin(f"ALTER ROLE postgres PASSWORD '{SECRET}'")
    url = postgres_url.replace("postgres@", f"postgres:{SECRET}@")
    checked = run("-v", "db", "check", BOT_DATABASE=url, LOG_LEVEL="DEBUG")
    assert checked.returncode == 0, checked.stderr
    shown = postgres_url.replace("postgres@", "postgres:***@")
    assert checked.stdout.splitlines() == [f"database: PostgreSQL at {shown}",
                                           f"schema: {STEPS[-1][0]} ({len(STEPS)} steps)", "reachable: yes"]
    assert SECRET not in checked.stdout + checked.stderr


MISSING_DRIVER = """
import sys
sys.modules["psycopg"] = None  # as on a machine where the postgres extra was not installed
from bot.cli import main
sys.exit(main(["ask", "how to scale backend?"]))
"""


def test_without_the_postgres_extra_a_postgresql_url_says_which_extra_to_install():
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    result = subprocess.run([sys.executable, "-c", MISSING_DRIVER], capture_output=True, text=True, timeout=60,
                            env={**env, "BOT_DATABASE": f"postgresql://bot:{SECRET}@127.0.0.1:1/bot"})
    assert result.returncode == 2
    assert result.stderr == ('error: PostgreSQL needs the postgres extra: pip install "backend-bot[postgres]" '
                             "(psycopg is not installed)\n")
