"""The installed `backend-bot` command, run as a person runs it, in a subprocess."""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

COMMAND = str(Path(sys.executable).parent / "backend-bot")


@pytest.fixture
def run(tmp_path):
    def run_command(*args: str, stdin: str | None = None, **variables: str) -> subprocess.CompletedProcess:
        env = {key: value for key, value in os.environ.items() if key not in ("KNOWLEDGE_PATH", "BOT_DATABASE")}
        env["BOT_DATABASE"] = str(tmp_path / "cli.db")
        env.update(variables)
        return subprocess.run([COMMAND, *args], input=stdin, capture_output=True, text=True, env=env,
                              cwd=tmp_path, timeout=60)
    return run_command


def test_ask_prints_the_answer_and_numbered_related_questions(run):
    result = run("ask", "how", "do", "I", "make", "a", "request", "idempotent?")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("How do I make a function or request idempotent?")
    assert "Related questions:\n  1. " in result.stdout


def test_ask_json_prints_the_documented_object(run):
    result = run("ask", "--json", "when should we use a cache?")
    reply = json.loads(result.stdout)
    assert reply["status"] == "answered"
    assert reply["entry"]["id"] == "when-cache"
    assert set(reply) >= {"status", "entry", "score", "related", "suggestions"}
    assert 0 < reply["score"] <= 100
    assert all(set(item) == {"id", "question"} for item in reply["related"])


def test_ask_json_dash_answers_one_question_per_line_of_stdin(run):
    result = run("ask", "--json", "-", stdin="how to scale backend?\n\nwhat's the weather in lisbon\nhi\n")
    replies = [json.loads(line) for line in result.stdout.splitlines()]
    assert [reply["status"] for reply in replies] == ["answered", "unknown", "unknown", "unknown"]
    assert [reply["question"] for reply in replies] == ["how to scale backend?", "", "what's the weather in lisbon",
                                                        "hi"]
    assert replies[0]["entry"]["id"] == "scale-backend"
    assert replies[1]["intent"] == "empty" and "Ask me a backend question" in replies[1]["text"]
    assert replies[3]["text"].startswith("Hi! I answer backend-engineering questions")


def test_undecodable_bytes_are_replaced_and_every_line_still_answered(tmp_path):
    env = {**os.environ, "BOT_DATABASE": str(tmp_path / "bytes.db")}
    result = subprocess.run([COMMAND, "ask", "--json", "-"], input=b"a\n\xff\xfe cache?\nb\n", capture_output=True,
                            env=env, cwd=tmp_path, timeout=60)
    replies = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert result.returncode == 0 and b"Traceback" not in result.stderr
    assert [reply["question"] for reply in replies] == ["a", "\ufffd\ufffd cache?", "b"]


def test_undecodable_bytes_in_the_arguments_are_answered_and_logged(tmp_path):
    env = {**os.environ, "BOT_DATABASE": str(tmp_path / "bytes.db")}
    result = subprocess.run([COMMAND, "ask", "--json", b"\xff\xfe when to use a cache"], capture_output=True, env=env,
                            cwd=tmp_path, timeout=60)
    assert result.returncode == 0 and result.stderr == b""
    reply = json.loads(result.stdout)
    assert (reply["status"], reply["entry"]["id"], reply["question"]) == ("answered", "when-cache",
                                                                          "\ufffd\ufffd when to use a cache")
    with sqlite3.connect(tmp_path / "bytes.db") as database:
        assert database.execute("SELECT text FROM questions").fetchall() == [("\ufffd\ufffd when to use a cache",)]


def test_a_phrasing_taught_with_bytes_that_are_not_text_is_stored_as_text(tmp_path):
    env = {**os.environ, "BOT_DATABASE": str(tmp_path / "teach.db"), "BOT_MATCHER": "lexical"}
    result = subprocess.run([COMMAND, "kb", "teach", b"how do we ship \xff fast", "deploy-backend"],
                            capture_output=True, env=env, cwd=tmp_path, timeout=60)
    assert result.returncode == 0 and b"Traceback" not in result.stderr, result.stderr
    with sqlite3.connect(tmp_path / "teach.db") as database:
        assert database.execute("SELECT text FROM learned_phrasings").fetchall() == [("how do we ship \ufffd fast",)]


def test_stats_never_prints_terminal_escape_sequences_people_typed(run):
    run("ask", "\x1b]0;owned\x07\x1b[31mred question\x1b[0m")
    result = run("stats")
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "]0;owned[31mred question[0m" in result.stdout


def test_an_empty_question_gets_a_usage_hint(run):
    result = run("ask", "   ")
    assert result.returncode == 2
    assert "Ask a backend question, for example" in result.stderr


def test_every_question_asked_is_logged_in_the_database(run, tmp_path):
    run("ask", "when should we use a cache?")
    run("ask", "what's the weather in lisbon")
    rows = sqlite3.connect(tmp_path / "cli.db").execute(
        "SELECT platform, text, status, entry_id FROM questions ORDER BY id").fetchall()
    assert rows == [("console", "when should we use a cache?", "answered", "when-cache"),
                    ("console", "what's the weather in lisbon", "unknown", None)]


def test_eval_prints_the_four_figures(run, tmp_path):
    cases = tmp_path / "cases.jsonl"
    cases.write_text('{"q": "how to scale backend?", "expect": "scale-backend"}\n'
                     '{"q": "best pizza in town", "expect": null}\n')
    result = run("eval", str(cases))
    assert result.returncode == 0, result.stderr
    assert "answered correctly: 1/1 (100.0%)" in result.stdout
    assert "out-of-scope declined: 1/1 (100.0%)" in result.stdout
    assert "confidently wrong: 0/2 (0.0%)" in result.stdout
    figures = json.loads(run("eval", str(cases), "--json").stdout)
    assert figures["found"]["count"] == 1


def test_kb_check_lists_every_problem_of_a_broken_file_and_fails(run, tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("entries:\n  - id: x\n    question: ''\n    answer: ok\n  - id: y\n    question: q\n")
    result = run("kb", "check", str(broken))
    assert result.returncode == 1
    assert f"{broken}: entry 'x' (#1): question: is missing or empty" in result.stderr
    assert f"{broken}: entry 'y' (#2): answer: is missing or empty" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_broken_knowledge_folder_stops_start_up_with_the_message_not_a_traceback(run, tmp_path):
    folder = tmp_path / "team"
    folder.mkdir()
    (folder / "ops.yaml").write_text("entries:\n  - id: on-call\n    question: who is on call?\n")
    result = run("ask", "how to scale backend?", KNOWLEDGE_PATH=str(folder))
    assert result.returncode == 1
    assert f"{folder / 'ops.yaml'}: entry 'on-call' (#1): answer: is missing or empty" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_kb_list_shows_what_is_loaded_including_extra_folders(run, tmp_path):
    folder = tmp_path / "team"
    folder.mkdir()
    (folder / "ops.yaml").write_text("entries:\n  - id: on-call\n    question: Who is on call?\n    answer: See the rota.\n")
    result = run("kb", "list", KNOWLEDGE_PATH=str(folder))
    assert "scale-backend" in result.stdout and "on-call" in result.stdout
    assert len(result.stdout.splitlines()) == 28 + 2


def test_an_unwritable_database_path_gets_a_clear_error(run, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = run("ask", "how to scale backend?", BOT_DATABASE=str(blocker / "bot.db"))
    assert result.returncode == 2
    assert f"cannot use the database at {blocker / 'bot.db'}" in result.stderr
    assert "BOT_DATABASE" in result.stderr and "Traceback" not in result.stderr


def test_a_database_that_is_not_sqlite_gets_a_clear_error(run, tmp_path):
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database" * 100)
    result = run("ask", "how to scale backend?", BOT_DATABASE=str(garbage))
    assert result.returncode == 2
    assert "cannot use the database" in result.stderr and "Traceback" not in result.stderr


def test_chat_follows_a_related_question_by_its_number(run):
    result = run("chat", stdin="how do I make a request idempotent?\n1\nquit\n")
    first_related = result.stdout.split("Related questions:\n  1. ")[1].splitlines()[0]
    assert result.stdout.count(first_related) >= 2
    assert result.returncode == 0


def test_stats_counts_outcomes_and_lists_what_the_knowledge_lacks(run):
    run("ask", "how to scale backend?")
    run("ask", "best pizza in town")
    run("ask", "Best pizza in town ")
    run("ask", "hi")
    result = run("stats")
    assert result.stdout.splitlines()[0] == "3 questions asked: answered 1 (33.3%), unknown 2 (66.7%)"
    assert "     2  best pizza in town" in result.stdout


def test_a_bad_scheduler_interval_names_the_variable(run):
    result = run("serve", SCHEDULE_CHECK_SECONDS="soon", SLACK_BOT_TOKEN="", DISCORD_TOKEN="")
    assert result.returncode == 2
    assert result.stderr.strip() == ("error: SCHEDULE_CHECK_SECONDS must be a number of seconds between 0 and 3600, "
                                     "such as 5 or 0.5, not 'soon'")


def test_python_dash_m_bot_is_the_same_command(run, tmp_path):
    result = subprocess.run([sys.executable, "-m", "bot", "ask", "--json", "how to scale backend?"],
                            capture_output=True, text=True, timeout=60, cwd=Path(__file__).resolve().parent.parent,
                            env={**os.environ, "BOT_DATABASE": str(tmp_path / "m.db")})
    assert json.loads(result.stdout)["entry"]["id"] == "scale-backend"


@pytest.mark.parametrize("args, says", [
    (("stats", "--misses", "1e20"), "'1e20' is not a whole number from 1 to 10000"),
    (("schedule", "remove", "1" + "0" * 22), "is not a whole number from 1 to"),
    (("eval", "no-such-file.jsonl"), "no-such-file.jsonl: cannot be read: No such file or directory"),
    (("eval", "--fail-under", "answered=lots", "x.jsonl"), "'answered=lots': use answered=N, found=N or declined=N"),
    (("nonsense",), "invalid choice: 'nonsense'"),
])
def test_every_cli_error_is_one_line_and_a_non_zero_exit(run, args, says):
    result = run(*args)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and says in result.stderr
    assert "Traceback" not in result.stderr


def test_eval_names_a_line_without_a_question_and_fails_under_a_bar(run, tmp_path):
    (tmp_path / "bad.jsonl").write_text('{"q": "how to scale backend?", "expect": "scale-backend"}\n{"x": 1}\n')
    bad = run("eval", "bad.jsonl")
    assert bad.returncode == 2 and "bad.jsonl: line 2: needs" in bad.stderr
    (tmp_path / "one.jsonl").write_text('{"q": "best pizza in town", "expect": "scale-backend"}\n')
    under = run("eval", "one.jsonl", "--fail-under", "answered=95")
    assert under.returncode == 1 and "under the bar: answered correctly 0.0% < 95%" in under.stderr
    passed = run("eval", "one.jsonl", "--fail-under", "declined=95")
    assert passed.returncode == 0


def test_version_is_the_installed_package_version(run):
    result = run("--version")
    assert result.returncode == 0 and result.stdout.startswith("backend-bot ")


def test_a_database_from_a_newer_version_is_refused_naming_the_variable(run, tmp_path):
    run("ask", "how to scale backend?")
    with sqlite3.connect(tmp_path / "cli.db") as database:
        database.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                         "VALUES ('backend-bot', 'm999_from_the_future', '2030-01-01')")
    result = run("ask", "how to scale backend?")
    assert result.returncode == 2
    assert result.stderr.strip() == (f"error: the database at {tmp_path / 'cli.db'} was written by a newer backend-bot "
                                     "(it has schema step m999_from_the_future): upgrade backend-bot, or set "
                                     "BOT_DATABASE to another file")


def test_eval_json_reports_each_entrys_outcomes_and_the_pairs_it_confused(run, tmp_path):
    (tmp_path / "pairs.jsonl").write_text(
        '{"q": "how to scale backend?", "expect": "scale-backend"}\n'
        '{"q": "how to scale backend?", "expect": "security"}\n'
        '{"q": "best pizza in town", "expect": null}\n')
    report = json.loads(run("eval", "--json", "pairs.jsonl").stdout)
    assert report["per_entry"] == {"out-of-scope": {"unknown": 1}, "scale-backend": {"scale-backend": 1},
                                   "security": {"scale-backend": 1}}
    assert report["confused_pairs"] == [{"expected": "security", "answered": "scale-backend", "lines": 1}]


def test_eval_reports_how_often_answers_in_each_score_band_were_right(run, tmp_path):
    (tmp_path / "bands.jsonl").write_text(
        '{"q": "how do I make a request idempotent?", "expect": "make-idempotent"}\n'
        '{"q": "how do I make a request idempotent?", "expect": "security"}\n'
        '{"q": "best pizza in town", "expect": null}\n')
    report = json.loads(run("eval", "--json", "bands.jsonl").stdout)
    answered = [band for band in report["calibration"] if band["answered"]]
    assert [(band["answered"], band["right"], band["percent"]) for band in answered] == [(2, 1, 50.0)]
    assert answered[0]["from"] <= 100 and [band["from"] for band in report["calibration"]] == [90, 80, 70, 60, 0]
    text = run("eval", "bands.jsonl").stdout
    assert f"answers right, by score: {answered[0]['from']}-{answered[0]['to']}: 1/2" in text


@pytest.mark.parametrize("args, variables, message", [
    (("eval", "nested.jsonl"), {}, "error: nested.jsonl: line 1: not a question line (nested too deeply to read)"),
    (("eval", "empty.jsonl", "--fail-under", "answered=90"), {},
     'error: empty.jsonl: no question lines: write one {"q": "question", "expect": "entry-id" or null} a line'),
    (("eval", "typo.jsonl"), {}, "error: typo.jsonl: expects 'make-idempotnt', which the knowledge does not have"),
    (("health", "--timeout", "nan"), {}, "give seconds from 0.1 to 86400"),
    (("health", "--timeout", "-1"), {}, "give seconds from 0.1 to 86400"),
    (("kb", "learned", "--export", "no-such-folder/taught.yaml"), {},
     "error: no-such-folder/taught.yaml: cannot be written: No such file or directory"),
    (("discord", "invite"), {"DISCORD_APPLICATION_ID": "\u00b2"},
     "error: DISCORD_APPLICATION_ID must be the application id (digits) from the Developer Portal"),
    (("discord", "invite"), {"DISCORD_TOKEN": "\u00e9.b.c"},
     "error: DISCORD_TOKEN does not look like a bot token; set DISCORD_APPLICATION_ID instead"),
])
def test_a_hostile_command_line_gets_one_line_and_a_failing_exit(run, tmp_path, args, variables, message):
    (tmp_path / "nested.jsonl").write_text("[" * 100_000 + "\n")
    (tmp_path / "empty.jsonl").write_text("\n")
    (tmp_path / "typo.jsonl").write_text('{"q": "how do I stop a double charge?", "expect": "make-idempotnt"}\n')
    result = run(*args, **variables)
    assert result.returncode != 0 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and message in result.stderr, result.stderr


def test_a_question_the_database_fails_under_is_answered_with_the_apology_and_the_exit_says_so(run, tmp_path):
    assert run("stats").returncode == 0  # creates the database
    with sqlite3.connect(tmp_path / "cli.db") as connection:
        # A real write failure for one question only, as a full disk or a broken file would give.
        connection.execute("CREATE TRIGGER refuse BEFORE INSERT ON questions WHEN NEW.text = 'when should we cache' "
                           "BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END")
    result = run("ask", "--json", "-", stdin="how do I scale a backend?\nwhen should we cache\nwhat is idempotency\n")
    replies = [json.loads(line) for line in result.stdout.splitlines()]
    assert [reply["status"] for reply in replies] == ["answered", "error", "answered"]
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == ("error: 1 question(s) were not answered (the database failed; see above): "
                                              "ask them again")
    with sqlite3.connect(tmp_path / "cli.db") as connection:
        logged = [text for (text,) in connection.execute("SELECT text FROM questions ORDER BY id")]
    assert logged == ["how do I scale a backend?", "what is idempotency"]


def test_teaching_a_phrasing_with_terminal_escape_codes_prints_none_of_them(run):
    result = run("kb", "teach", "caching queue \x1b]0;PWNED\x07 \x1b[31mred", "when-cache")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Taught") and "\x1b" not in result.stdout and "\x07" not in result.stdout


def test_db_check_on_a_path_with_no_file_says_so_and_creates_nothing(run, tmp_path):
    result = run("db", "check", BOT_DATABASE=str(tmp_path / "typo" / "bot.db"))
    assert result.returncode == 1
    assert result.stdout.splitlines()[1] == ("reachable: no: there is no file there yet (the bot creates it on first "
                                             "use; check the path)")
    assert not (tmp_path / "typo").exists()
