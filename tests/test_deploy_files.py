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


def with_defaults(text: str) -> str:
    """Compose's `${NAME:-default}` as it reads when NAME is not set."""
    return re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", text)


def test_compose_runs_one_bot_by_default_and_two_replicas_on_postgres_in_the_replicas_profile():
    import yaml
    from psycopg.conninfo import conninfo_to_dict

    compose = yaml.safe_load(with_defaults((ROOT / "compose.yaml").read_text()))
    services = compose["services"]
    by_default = {name for name, service in services.items() if not service.get("profiles")}
    in_profile = {name for name, service in services.items() if "replicas" in service.get("profiles", [])}
    assert by_default == {"bot"} and in_profile == {"postgres", "replica-1", "replica-2"}
    postgres = services["postgres"]
    assert postgres["image"].startswith("postgres:") and postgres["healthcheck"]["test"][1] == "pg_isready"
    data = postgres["volumes"][0].split(":")[0]
    assert data in compose["volumes"]
    replicas = [services["replica-1"], services["replica-2"]]
    for replica in replicas:
        target = conninfo_to_dict(replica["environment"]["BOT_DATABASE"])
        assert (target["host"], target["user"], target["dbname"], target["password"]) == (
            "postgres", postgres["environment"]["POSTGRES_USER"], postgres["environment"]["POSTGRES_DB"],
            postgres["environment"]["POSTGRES_PASSWORD"])
        assert replica["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    host_ports = [port.split(":")[0] for service in [services["bot"], *replicas] for port in service["ports"]]
    assert len(set(host_ports)) == 3
