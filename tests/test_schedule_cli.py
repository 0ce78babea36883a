"""`backend-bot schedule|tip|quiz`, run as real subprocesses against a database file in tmp_path."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

COMMAND = str(Path(sys.executable).parent / "backend-bot")


@pytest.fixture
def database(tmp_path):
    return tmp_path / "cli.db"


@pytest.fixture
def run(tmp_path, database):
    def run_command(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
        env = {key: value for key, value in os.environ.items() if key not in ("KNOWLEDGE_PATH", "BOT_DATABASE")}
        env["BOT_DATABASE"] = str(database)
        return subprocess.run([COMMAND, *args], input=stdin, capture_output=True, text=True, env=env, cwd=tmp_path,
                              timeout=60)
    return run_command


def rows(database, sql):
    with sqlite3.connect(database) as connection:
        connection.row_factory = sqlite3.Row
        return [dict(row) for row in connection.execute(sql)]


def add(run, *options):
    return run("schedule", "add", *options)


def test_schedules_are_added_listed_and_removed(run, database):
    first = add(run, "--platform", "slack", "--channel", "C0123ABC", "--kind", "tip", "--time", "09:00",
                "--tz", "Europe/Berlin", "--days", "mon-fri")
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("Added schedule 1: Daily tip at 09:00 Europe/Berlin, mon-fri, in slack channel "
                                   "C0123ABC.\nFirst post: ")
    second = add(run, "--platform", "discord", "--channel", "123456789012345678", "--kind", "quiz", "--time", "7:30",
                 "--days", "mon,wed,fri", "--close-after", "4h", "--workspace", "998877")
    assert second.returncode == 0, second.stderr
    listing = run("schedule", "list").stdout.splitlines()
    assert listing[0].split() == ["ID", "PLATFORM", "CHANNEL", "KIND", "TIME", "TIMEZONE", "DAYS", "STATE", "/",
                                  "LAST", "POST"]
    assert listing[1].split() == ["1", "slack", "C0123ABC", "tip", "09:00", "Europe/Berlin", "mon-fri", "on"]
    assert listing[2].split() == ["2", "discord", "123456789012345678", "quiz", "07:30", "UTC", "mon,wed,fri", "on"]
    assert rows(database, "SELECT close_minutes, workspace FROM schedules WHERE id = 2") == [
        {"close_minutes": 240, "workspace": "998877"}]
    removed = run("schedule", "remove", "1")
    assert (removed.returncode, removed.stdout) == (0, "Removed schedule 1.\n")
    assert [row["channel"] for row in rows(database, "SELECT channel FROM schedules")] == ["123456789012345678"]


def test_adding_a_channels_kind_again_replaces_its_time(run, database):
    add(run, "--platform", "slack", "--channel", "C1AB", "--kind", "tip", "--time", "09:00")
    again = add(run, "--platform", "slack", "--channel", "C1AB", "--kind", "tip", "--time", "11:15")
    assert again.stdout.startswith("Updated schedule 1: Daily tip at 11:15 UTC, mon-fri")
    assert rows(database, "SELECT id, time FROM schedules") == [{"id": 1, "time": "11:15"}]


@pytest.mark.parametrize("option, value, example", [
    ("--time", "9am", "use 24-hour HH:MM, for example 09:00 or 17:30"),
    ("--time", "24:00", "use 24-hour HH:MM, for example 09:00 or 17:30"),
    ("--time", "15:\u0660\u0664", "use 24-hour HH:MM, for example 09:00 or 17:30"),  # Arabic-Indic digits
    ("--time", "\uff10\uff19:00", "use 24-hour HH:MM, for example 09:00 or 17:30"),  # full-width digits
    ("--tz", "Berlin", "use an IANA name such as Europe/Berlin"),
    ("--tz", "../../etc/passwd", "use an IANA name such as Europe/Berlin"),
    ("--days", "weekdayz", "use mon-fri, daily, weekends or a list such as mon,wed,fri"),
    ("--channel", "#general", "use a Slack channel id such as C0123456789"),
])
def test_a_bad_time_timezone_days_or_channel_is_refused_with_a_good_example(run, database, option, value, example):
    options = {"--platform": "slack", "--channel": "C0123ABC", "--kind": "tip", "--time": "09:00"}
    options[option] = value
    result = add(run, *[part for pair in options.items() for part in pair])
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and example in result.stderr
    assert rows(database, "SELECT * FROM schedules") == []


def test_removing_a_schedule_that_does_not_exist_says_where_to_find_ids(run):
    result = run("schedule", "remove", "42")
    assert result.returncode == 1
    assert "There is no schedule 42; `backend-bot schedule list` shows the ids." in result.stderr


def test_an_empty_list_shows_how_to_add_one(run):
    assert run("schedule", "list").stdout.startswith("No schedules yet. Add one with: backend-bot schedule add")


def test_tip_prints_a_different_tip_each_time_and_stores_the_rotation(run, database):
    headlines = []
    for _ in range(3):
        result = run("tip", "--user", "ann")
        assert result.returncode == 0, result.stderr
        headlines.append(result.stdout.splitlines()[0])
    assert all(line.startswith("Tip of the day: ") for line in headlines)
    assert len(set(headlines)) == 3
    stored = rows(database, "SELECT audience, round FROM tips_shown")
    assert stored == [{"audience": "tip:console:ann", "round": 1}] * 3


def test_the_terminal_quiz_reads_a_letter_says_right_or_wrong_and_keeps_score_and_streak(run, database):
    outputs = []
    for _ in range(3):
        result = run("quiz", "--user", "ann", stdin="maybe\nb\n")
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout)
    assert "Type one of the letters A, B, C or D." in outputs[0]
    answers = rows(database, "SELECT a.choice, a.correct, q.state FROM quiz_answers a JOIN quizzes q "
                             "ON q.id = a.quiz_id WHERE a.user = 'ann' ORDER BY q.id")
    assert [(row["choice"], row["state"]) for row in answers] == [("B", "revealed")] * 3
    for output, answer in zip(outputs, answers):
        assert ("Right!" in output) == bool(answer["correct"])
        assert ("Not this time: the answer was" in output) == (not answer["correct"])
    total = sum(row["correct"] for row in answers)
    streak = 0
    for row in answers:
        streak = streak + 1 if row["correct"] else 0
    assert f"Your score: {total} correct this month, {total} all time. Streak: {streak} in a row." in outputs[-1]


def test_leaving_the_terminal_quiz_without_answering_counts_nothing(run, database):
    result = run("quiz", "--user", "ann", stdin="")
    assert result.returncode == 0, result.stderr
    assert rows(database, "SELECT * FROM quizzes") == []
    assert rows(database, "SELECT * FROM quiz_answers") == []
