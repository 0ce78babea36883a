"""Shared fixtures: a real bot over a real SQLite file in tmp_path, with the shipped knowledge."""

from pathlib import Path

import pytest

from bot.wiring import Bot, build_bot
from bot.config import load_settings


@pytest.fixture
def settings_for(tmp_path):
    """Settings as the process would read them, from the variables given here and nothing else."""

    def make(**variables: str):
        variables.setdefault("BOT_DATABASE", str(tmp_path / "bot.db"))
        return load_settings(environ=variables, env_file=None)

    return make


@pytest.fixture
def bot(settings_for) -> Bot:
    made = build_bot(settings_for())
    yield made
    made.close()


@pytest.fixture
def quizzes(bot):
    """Quiz storage over the bot's own database file."""
    
    return bot.storage.quizzes


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent
