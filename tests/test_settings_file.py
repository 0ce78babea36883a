""".env in the working folder: a file that cannot be read as settings is one line naming it, said once."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

COMMAND = str(Path(sys.executable).parent / "backend-bot")


@pytest.fixture
def run(tmp_path):
    def run_command(*args: str) -> subprocess.CompletedProcess:
        env = {key: value for key, value in os.environ.items() if key not in ("BOT_DATABASE", "DATABASE_URL")}
        env.update(BOT_DATABASE=str(tmp_path / "bot.db"), BOT_MATCHER="lexical")
        return subprocess.run([COMMAND, *args], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    return run_command


@pytest.mark.parametrize("command", [["stats"], ["db", "check"], ["ask", "how to scale backend?"]])
def test_a_settings_file_that_is_not_utf8_is_one_line_naming_it(tmp_path, run, command):
    # Every byte value once, a dozen times over: a newline (0x0a) comes before the first byte UTF-8 refuses (0x80).
    (tmp_path / ".env").write_bytes(bytes(range(256)) * 12)
    result = run(*command)
    assert result.returncode == 2
    assert result.stderr == "error: .env: line 2 is not UTF-8 text; save the file as UTF-8\n"
    assert result.stdout == ""


def test_an_unterminated_quote_in_the_settings_file_is_warned_about_once(tmp_path, run):
    (tmp_path / ".env").write_text('BOT_GREETING="hello\n')
    result = run("stats")
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].endswith(" WARNING dotenv.main python-dotenv could not parse statement starting at line 1")
