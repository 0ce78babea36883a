"""The bot's state: repositories over one database, SQLite or PostgreSQL, whose calls run off the event loop."""

from dataclasses import dataclass
from pathlib import Path

from .database import Database, StorageError, stamp, utc_now
from .interfaces import LearnedStore, QuestionStore, QuizStore, ScheduleStore, SqlDatabase
from .learned import LearnedPhrasings, Phrasing
from .leases import Lease, Leases
from .location import is_postgres, redacted
from .questions import VERDICTS, QuestionLog
from .quizzes import Quiz, QuizStorage
from .retention import Retention, prune
from .schedules import FAILED, MISSED, RETRY, SENDING, SENT, UNKNOWN, Post, Schedule, ScheduleStorage

__all__ = ["Database", "StorageError", "stamp", "utc_now", "VERDICTS", "QuestionLog", "Quiz", "QuizStorage",
           "FAILED", "MISSED", "RETRY", "SENDING", "SENT", "UNKNOWN", "Post", "Schedule", "ScheduleStorage", "Storage",
           "open_storage", "open_database", "Retention", "prune", "LearnedPhrasings", "Phrasing", "SqlDatabase",
           "QuestionStore", "ScheduleStore", "QuizStore", "LearnedStore", "is_postgres", "redacted", "Lease", "Leases"]


@dataclass
class Storage:
    """Every repository over one database, built once per process."""

    db: SqlDatabase
    questions: QuestionStore
    schedules: ScheduleStore
    quizzes: QuizStore
    learned: LearnedStore
    leases: Leases

    def close(self) -> None:
        self.db.close()


def open_database(location: Path | str, reading: bool = False) -> SqlDatabase:
    """A PostgreSQL URL opens PostgreSQL (the driver is an extra, imported only then); anything else is a file.
    `reading`: the caller only reads (stats, db check), so a SQLite file need not prove it takes writes."""
    if is_postgres(location):
        from .postgres import PostgresDatabase

        return PostgresDatabase(location)
    return Database(Path(location), reading=reading)


def open_storage(location: Path | str, reading: bool = False) -> Storage:
    db = open_database(location, reading)
    return Storage(db, QuestionLog(db), ScheduleStorage(db), QuizStorage(db), LearnedPhrasings(db), Leases(db))
