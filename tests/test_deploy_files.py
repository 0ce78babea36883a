"""The deploy files name real commands of the installed package (nothing is built: there is no Docker here)."""

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMAND = str(Path(sys.executable).parent / "backend-bot")


def runs_with_help(words: list[str]) -> subprocess.CompletedProcess:
    assert words[0] == "backend-bot", words
    return subprocess.run([COMMAND, *words[1:], "--help"], capture_output=True, text=True, timeout=60)


def dockerfile_commands() -> dict[str, list[str]]:
    text = (ROOT / "Dockerfile").read_text()
    return {name: json.loads(re.search(rf"^{pattern}(\[.*\])$", text, re.M).group(1))
            for name, pattern in (("cmd", "CMD "), ("health", r"HEALTHCHECK .*CMD "))}


def test_the_dockerfiles_command_and_health_check_are_real_commands():
    commands = dockerfile_commands()
    for words in commands.values():
        result = runs_with_help(words)
        assert result.returncode == 0, result.stderr
    assert commands["health"] == ["backend-bot", "health"]
    assert "USER bot" in (ROOT / "Dockerfile").read_text()


def test_every_procfile_process_is_a_real_command_with_real_options():
    processes = dict(line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line.strip())
    assert set(processes) == {"web", "worker"}
    for command in processes.values():
        result = runs_with_help(shlex.split(command))
        assert result.returncode == 0, result.stderr


def test_health_says_in_one_line_when_nothing_answers(tmp_path):
    result = subprocess.run([COMMAND, "health", "--port", "9", "--timeout", "1"], capture_output=True, text=True,
                            timeout=60, cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.startswith("error: nothing answers on port 9")
