"""`db copy --to URL` moves a SQLite database into PostgreSQL: every table, ids kept, nothing copied twice, and
the copy goes on numbering where SQLite left off. `db check` names either database."""

import os
import random
import re
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

from bot.core.commands import ScheduleSpec
from bot.core.quiz import PICK_ANSWER, build_quiz
from bot.core.replies import Reply, Request, Status
from bot.storage import open_storage
from bot.storage.transfer import COPIED_TABLES, OWN_TABLES

COMMAND = str(Path(sys.executable).parent / "backend-bot")
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=timezone.utc)


def run(*args: str, database) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    return subprocess.run([COMMAND, *args], capture_output=True, text=True, timeout=120,
                          env={**env, "BOT_DATABASE": str(database)})


def fill(location, entries) -> None:
    """A row or more in every table a bot writes to, as a bot that has run a while would have."""
    storage = open_storage(location)
    questions = storage.questions
    first = questions.log_question(Request("why is it slow", "U1", "C1", "slack"), Reply(Status.SUGGEST), NOW)
    questions.log_question(Request("hi", "U2", "C1", "slack"), Reply(Status.UNKNOWN), NOW)
    questions.record_feedback(first, "U1", "not_helpful", "scale-backend", NOW)
    questions.record_pick(first, "U3", "scale-backend", NOW)
    questions.claim_event("slack", "Ev1", NOW)
    schedule = storage.schedules.set_schedule("slack", "C1", "quiz", ScheduleSpec("09:00"), now=NOW)
    post_id = storage.schedules.claim_post(schedule.id, "2026-06-01", NOW)
    card = build_quiz(entries, random.Random(1), form=PICK_ANSWER)
    quiz_id = storage.quizzes.create_quiz(card, "slack", "C1", "2026-06-01", schedule_id=schedule.id)
    storage.schedules.set_post_content(post_id, card.entry_id, quiz_id)
    storage.quizzes.mark_posted(quiz_id, "1.1", NOW)
    storage.quizzes.answer(quiz_id, "U1", card.correct, NOW)
    storage.schedules.record_shown("tip:slack:C1", entries[0].id, entries, NOW)
    storage.schedules.record_shown("tip:slack:C1", entries[1].id, entries, NOW)
    storage.learned.teach("stop double charges", "make-idempotent", "slack:U1", NOW)
    storage.learned.add_entry({"id": "on-call", "question": "Who is on call?", "answer": "See the rota."}, "U1", NOW)
    questions.ignore("hi", "slack:U1", NOW)
    storage.close()


def every_row(location) -> dict[str, list[dict]]:
    storage = open_storage(location)
    order = {"tips_shown": "rowid", "feedback": "question_id", "picks": "question_id", "seen_events": "event_id",
             "quiz_answers": "quiz_id", "review_ignored": "normalized"}
    columns = {"tips_shown": "audience, round, entry_id, shown_at"}
    found = {table: storage.db.rows(f"SELECT {columns.get(table, '*')} FROM {table} ORDER BY {order.get(table, 'id')}")
             for table in COPIED_TABLES}
    storage.close()
    return found


def test_a_copy_brings_every_row_with_its_id_and_a_second_copy_brings_nothing(tmp_path, postgres_url, bot):
    source = tmp_path / "old.db"
    fill(source, bot.responder.knowledge.entries)
    first = run("db", "copy", "--to", postgres_url, database=source)
    second = run("db", "copy", "--to", postgres_url, database=source)
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert first.stdout == (f"copied to {postgres_url}: 2 questions, 1 feedback, 1 picks, 1 seen_events, 1 schedules, "
                            "1 posts, 2 tips_shown, 1 quizzes, 1 quiz_answers, 1 learned_phrasings, 1 learned_entries, "
                            "1 review_ignored\n")
    assert re.fullmatch(r"copied to \S+: (0 \w+, ){11}0 review_ignored\n", second.stdout)
    assert every_row(postgres_url) == every_row(source)


def test_the_copy_numbers_new_rows_after_the_copied_ones_and_keeps_its_guarantees(tmp_path, postgres_url, bot):
    source = tmp_path / "old.db"
    fill(source, bot.responder.knowledge.entries)
    run("db", "copy", "--to", postgres_url, database=source)
    storage = open_storage(postgres_url)
    try:
        assert storage.questions.log_question(Request("next", "U1"), Reply(Status.UNKNOWN), NOW) == 3
        assert storage.learned.phrasings()[0].text == "stop double charges"
        assert [entry["id"] for entry in storage.learned.entries()] == ["on-call"]
        assert not storage.questions.claim_event("slack", "Ev1", NOW)  # a retry after the move is still a retry
        [schedule] = storage.schedules.schedules()
        assert storage.schedules.claim_post(schedule.id, "2026-06-01", NOW) is None
    finally:
        storage.close()


def test_copy_refuses_anything_but_sqlite_into_postgresql_in_one_line(tmp_path, postgres_url):
    into_file = run("db", "copy", "--to", str(tmp_path / "other.db"), database=tmp_path / "bot.db")
    from_postgres = run("db", "copy", "--to", postgres_url, database=postgres_url)
    assert (into_file.returncode, into_file.stderr) == (2, "error: db copy --to takes a postgresql:// URL\n")
    assert (from_postgres.returncode, from_postgres.stderr) == (
        2, "error: db copy reads a SQLite database: set BOT_DATABASE to the SQLite file to copy from\n")


def test_every_table_of_a_sqlite_database_is_either_copied_or_its_own(tmp_path):
    storage = open_storage(tmp_path / "bot.db")
    tables = set(storage.db.tables.table_names())
    storage.close()
    assert tables - OWN_TABLES == set(COPIED_TABLES)


def test_db_check_names_each_database_its_schema_and_that_it_answers(database):
    open_storage(database).close()  # the bot has run once: a SQLite file exists
    result = run("db", "check", database=database)
    kind = "PostgreSQL" if str(database).startswith("postgresql://") else "SQLite"
    assert result.returncode == 0, result.stderr
    name, schema, reachable = result.stdout.splitlines()
    assert name == f"database: {kind} at {database}" and reachable == "reachable: yes"
    assert re.fullmatch(r"schema: m\d{3}_\w+ \(\d+ steps\)", schema)
