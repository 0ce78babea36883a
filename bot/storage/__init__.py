"""The bot's state: repositories over one SQLite database whose calls run off the event loop."""

from dataclasses import dataclass
from pathlib import Path

from .database import Database, StorageError, stamp, utc_now
from .interfaces import LearnedStore, QuestionStore, QuizStore, ScheduleStore, SqlDatabase
from .learned import LearnedPhrasings, Phrasing
from .questions import VERDICTS, QuestionLog
from .quizzes import Quiz, QuizStorage
from .retention import Retention, prune
from .schedules import FAILED, MISSED, RETRY, SENDING, SENT, UNKNOWN, Post, Schedule, ScheduleStorage

__all__ = ["Database", "StorageError", "stamp", "utc_now", "VERDICTS", "QuestionLog", "Quiz", "QuizStorage",
           "FAILED", "MISSED", "RETRY", "SENDING", "SENT", "UNKNOWN", "Post", "Schedule", "ScheduleStorage", "Storage",
           "open_storage", "Retention", "prune", "LearnedPhrasings", "Phrasing", "SqlDatabase",
           "QuestionStore", "ScheduleStore", "QuizStore", "LearnedStore"]


@dataclass
class Storage:
    """Every repository over one database, built once per process."""

    db: SqlDatabase
    questions: QuestionStore
    schedules: ScheduleStore
    quizzes: QuizStore
    learned: LearnedStore

    def close(self) -> None:
        self.db.close()


def open_storage(path: Path) -> Storage:
    db = Database(path)
    return Storage(db, QuestionLog(db), ScheduleStorage(db), QuizStorage(db), LearnedPhrasings(db))
