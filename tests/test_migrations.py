"""The PostgreSQL schema follows the SQLite one step for step; either schema is applied once however many
processes start together on a new database; a PostgreSQL database from a newer backend-bot is refused."""

import sqlite3
import subprocess
import sys
import threading

import pytest

from bot.core.commands import ScheduleSpec
from bot.storage import StorageError, open_storage
from bot.storage.migrations import migrations
from bot.storage.postgres_migrations import STEPS

STARTERS = 4
START = """
import sys
from bot.storage import open_storage
print("ready", flush=True)
sys.stdin.readline()
open_storage(sys.argv[1]).close()
print("done", flush=True)
"""


def test_postgresql_has_every_schema_step_sqlite_has_under_the_same_name():
    assert [name for name, _ in STEPS] == [step.name for step in migrations._migrations]


@pytest.fixture(params=["sqlite", "postgresql"])
def new_database(request, tmp_path):
    """A database no process has opened yet: a file not yet made, or a PostgreSQL database with no tables."""
    if request.param == "sqlite":
        return str(tmp_path / "new.db")
    return request.getfixturevalue("empty_postgres_url")


def test_several_processes_starting_on_a_new_database_apply_each_step_once(new_database):
    starters = [subprocess.Popen([sys.executable, "-c", START, new_database], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(STARTERS)]
    for starter in starters:
        assert starter.stdout.readline().strip() == "ready"
    for starter in starters:
        starter.stdin.write("go\n")
        starter.stdin.flush()
    results = [starter.communicate(timeout=60) for starter in starters]
    assert [(starter.returncode, out.strip(), err) for starter, (out, err) in zip(starters, results)] == \
        [(0, "done", "")] * STARTERS
    # A step applied twice would have failed its process (its tables exist); each is recorded once, in order.
    storage = open_storage(new_database)
    applied = storage.db.schema_steps()
    versions = storage.db.rows("SELECT version FROM schedule_version")
    storage.close()
    assert applied == [name for name, _ in STEPS]
    assert versions == [{"version": 0}]


def test_a_postgresql_database_from_a_newer_version_is_refused_without_its_password(postgres_url):
    storage = open_storage(postgres_url)
    storage.db.execute("INSERT INTO schema_migrations (name, applied_at) VALUES ('m999_from_the_future', '2030')")
    storage.close()
    with_password = postgres_url.replace("postgres@", "postgres:hunter2@")
    with pytest.raises(StorageError) as refused:
        open_storage(with_password)
    assert str(refused.value) == (f"the database at {postgres_url.replace('postgres@', 'postgres:***@')} was written "
                                  "by a newer backend-bot (it has schema step m999_from_the_future): upgrade "
                                  "backend-bot, or set BOT_DATABASE to another database")


def test_changing_schedules_or_phrasings_bumps_the_numbers_other_processes_watch(database):
    storage = open_storage(database)
    watcher = open_storage(database)
    try:
        schedules, learned = watcher.schedules.version(), watcher.learned.version()
        schedule = storage.schedules.set_schedule("slack", "C1", "tip", ScheduleSpec("09:00"))
        storage.schedules.pause_schedule(schedule.id, "left the channel")
        storage.learned.teach("stop double charges", "make-idempotent")
        assert (watcher.schedules.version(), watcher.learned.version()) == (schedules + 2, learned + 1)
        storage.schedules.remove_schedule(schedule.id)
        storage.learned.unteach("stop double charges")
        assert (watcher.schedules.version(), watcher.learned.version()) == (schedules + 3, learned + 2)
    finally:
        storage.close()
        watcher.close()


def test_a_new_sqlite_file_another_process_is_writing_is_waited_for_not_refused(tmp_path):
    # Switching a file to WAL needs it to itself, and SQLite says "locked" at once instead of waiting.
    path = tmp_path / "new.db"
    writer = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    writer.execute("CREATE TABLE started_first (x)")
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO started_first VALUES (1)")
    finishing = threading.Timer(0.5, writer.execute, ["COMMIT"])
    finishing.start()
    storage = open_storage(str(path))
    finishing.join()
    assert storage.db.connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert storage.db.schema_steps()
    storage.close()
    writer.close()
