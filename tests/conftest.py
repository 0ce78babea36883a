"""Shared fixtures: a real bot over a real database (a SQLite file in tmp_path, or, in a module that asks for
`database`, each backend in turn), with the shipped knowledge."""

import os
from pathlib import Path

import pytest

from postgres_server import empty_postgres_url, postgres_server, postgres_url  # noqa: F401 (fixtures)

from bot.wiring import Bot, build_bot
from bot.config import load_settings

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session", autouse=True)
def kept_builds(tmp_path_factory) -> Path:
    """One folder of built knowledge for the whole run (bot/prepared.py), for the bots built here and for every
    command a test starts, so no test reads or writes the user's own cache folder."""
    folder = tmp_path_factory.mktemp("kept-builds")
    previous = os.environ.get("BOT_CACHE_DIR")
    os.environ["BOT_CACHE_DIR"] = str(folder)
    yield folder
    if previous is None:
        os.environ.pop("BOT_CACHE_DIR", None)
    else:
        os.environ["BOT_CACHE_DIR"] = previous


@pytest.fixture(params=BACKENDS)
def database(request, tmp_path) -> Path | str:
    """Where the test's state lives: a SQLite file, then a PostgreSQL database of its own (skipped, with the
    reason, when the machine has no PostgreSQL server)."""
    if request.param == "sqlite":
        return tmp_path / "bot.db"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def settings_for(request, tmp_path):
    """Settings as the process would read them, from the variables given here and nothing else. A test that
    uses the `database` fixture (directly or through `pytestmark`) runs on each backend."""
    location = request.getfixturevalue("database") if "database" in request.fixturenames else tmp_path / "bot.db"

    def make(**variables: str):
        variables.setdefault("BOT_DATABASE", str(location))
        variables.setdefault("BOT_CACHE_DIR", os.environ["BOT_CACHE_DIR"])
        return load_settings(environ=variables, env_file=None)

    return make


@pytest.fixture
def lose_database(request):
    """Takes the database away from under a running bot: the SQLite file's connection closes, or the PostgreSQL
    database is dropped (its connections cut)."""

    def lose(db) -> None:
        if db.dialect == "sqlite":
            db.connection.close()
        else:
            request.getfixturevalue("postgres_server").drop(db.url)

    return lose


@pytest.fixture
def bot(settings_for) -> Bot:
    made = build_bot(settings_for())
    yield made
    made.close()


@pytest.fixture
def quizzes(bot):
    """Quiz storage over the bot's own database."""

    return bot.storage.quizzes


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent
