"""Built knowledge kept between runs of the real `backend-bot` command: the next run loads it and answers the same,
an edit is served at once, and a damaged, foreign or unwritable cache only means building again."""

import json
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path

import pytest

COMMAND = str(Path(sys.executable).parent / "backend-bot")
TEAM_FILE = """title: Team
entries:
  - id: purple-widgets
    question: How do we restart the purple widget fleet?
    answer: {answer}
    tags: [widgets]
"""


@pytest.fixture
def ask(tmp_path):
    def run(question: str, **variables: str) -> subprocess.CompletedProcess:
        env = {key: value for key, value in os.environ.items() if key not in ("KNOWLEDGE_PATH", "BOT_MATCHER")}
        env.update({"BOT_DATABASE": str(tmp_path / "bot.db"), "BOT_CACHE_DIR": str(tmp_path / "cache"), **variables})
        return subprocess.run([COMMAND, "ask", "--json", question], capture_output=True, text=True, env=env,
                              cwd=tmp_path, timeout=60)
    return run


def kept_files(tmp_path) -> list[str]:
    return sorted(path.name.split("-")[0] for path in (tmp_path / "cache").glob("*.pickle"))


def test_a_second_ask_loads_the_kept_build_and_answers_the_same(ask, tmp_path):
    first = ask("our api falls over at peak, what do we do?")
    assert kept_files(tmp_path) == ["profiles", "responder", "vectors"]
    second = ask("our api falls over at peak, what do we do?")
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert json.loads(second.stdout) == json.loads(first.stdout)
    assert json.loads(second.stdout)["entry"]["id"] == "scale-backend"


def test_an_edited_knowledge_file_is_served_at_once_not_the_kept_build(ask, tmp_path):
    team = tmp_path / "team.yaml"
    team.write_text(TEAM_FILE.format(answer="Run the old restart script."), encoding="utf-8")
    before = json.loads(ask("how do we restart the purple widget fleet?", KNOWLEDGE_PATH=str(team)).stdout)
    team.write_text(TEAM_FILE.format(answer="Use the new fleet button on the dashboard."), encoding="utf-8")
    after = json.loads(ask("how do we restart the purple widget fleet?", KNOWLEDGE_PATH=str(team)).stdout)
    assert "old restart script" in before["text"]
    assert "new fleet button" in after["text"] and "old restart script" not in after["text"]


def test_a_damaged_kept_build_is_built_again_and_a_half_written_one_cleared(ask, tmp_path):
    expected = json.loads(ask("how do I stop a double charge?").stdout)
    for path in (tmp_path / "cache").glob("*.pickle"):
        path.write_bytes(b"\x80\x05not a pickle at all")
    # What a process killed while writing leaves behind, two hours ago.
    abandoned = tmp_path / "cache" / ".responder-k1ll3d"
    abandoned.write_bytes(b"\x80\x05half")
    os.utime(abandoned, (time.time() - 7200, time.time() - 7200))
    result = ask("how do I stop a double charge?")
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert json.loads(result.stdout) == expected
    assert all(path.stat().st_size > 1000 for path in (tmp_path / "cache").glob("*.pickle"))
    assert not abandoned.exists()


class Planted:
    """A pickle that, if ever loaded, leaves a file behind: what someone else could write into the cache folder."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


@pytest.mark.skipif(os.getuid() != 0, reason="giving a file to another user takes root")
def test_a_kept_build_owned_by_another_user_is_never_loaded(ask, tmp_path):
    expected = json.loads(ask("how do I stop a double charge?").stdout)
    marker = tmp_path / "planted-code-ran"
    for path in (tmp_path / "cache").glob("*.pickle"):
        path.write_bytes(pickle.dumps(Planted(marker)))
        os.chown(path, 65534, 65534)
    result = ask("how do I stop a double charge?")
    assert json.loads(result.stdout) == expected
    assert not marker.exists()


def test_an_unwritable_cache_folder_only_means_building_every_run(ask, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = ask("how do I stop a double charge?", BOT_CACHE_DIR=str(blocker / "cache"))
    assert result.returncode == 0 and result.stderr == ""
    assert json.loads(result.stdout)["entry"]["id"] == "make-idempotent"


def test_a_one_off_ask_on_a_current_database_loads_neither_sqlite_utils_nor_prometheus_nor_numpy(ask, tmp_path):
    ask("how do I scale a backend?")  # creates the database (sqlite-utils) and keeps the vectors (numpy)
    script = ("import sys\nfrom bot.cli import main\nmain(['ask', 'how do I scale a backend?'])\n"
              "print(sorted(name for name in sys.modules if name.split('.')[0] in {'sqlite_utils', "
              "'prometheus_client', 'importlib_metadata', 'numpy', 'tokenizers'}))")
    env = {**os.environ, "BOT_DATABASE": str(tmp_path / "bot.db"), "BOT_CACHE_DIR": str(tmp_path / "cache")}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=tmp_path,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "[]"


def test_a_changed_model_file_of_any_kind_misses_the_kept_build(tmp_path):
    from bot.prepared import code_fingerprint

    folder = tmp_path / "model"
    folder.mkdir()
    for name in ("model.onnx", "model.safetensors", "tokenizer.json"):
        (folder / name).write_bytes(b"first")
        before = code_fingerprint(folder)
        (folder / name).write_bytes(b"second version")
        assert code_fingerprint(folder) != before, name
