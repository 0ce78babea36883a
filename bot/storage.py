"""SQLite through sqlite-utils: the schema, its migrations, and every read and write of the bot's state."""

import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from .core.replies import Reply, Request

migrations = Migrations("backend-bot")
VERDICTS = ("helpful", "not_helpful", "none_of_these")


class StorageError(Exception):
    """The database cannot be opened or written; the message says which file and what to do."""


@migrations()
def m001_questions(db: Database) -> None:
    db["questions"].create({
        "id": int, "asked_at": str, "platform": str, "channel": str, "user": str,
        "text": str, "status": str, "intent": str, "entry_id": str, "score": float,
    }, pk="id")
    db["questions"].create_index(["asked_at"])
    db["feedback"].create({
        "question_id": int, "user": str, "verdict": str, "entry_id": str, "given_at": str,
    }, pk=("question_id", "user"), foreign_keys=[("question_id", "questions", "id")])
    db["seen_events"].create({"platform": str, "event_id": str, "seen_at": str}, pk=("platform", "event_id"))


@migrations()
def m002_schedules(db: Database) -> None:
    """Daily tips and quizzes (issue 5); the unique indexes are what make posts and answers exactly-once."""
    db["schedules"].create({
        "id": int, "platform": str, "workspace": str, "channel": str, "kind": str, "time": str, "timezone": str,
        "days": str, "close_minutes": int, "enabled": int, "paused_reason": str, "updated_at": str,
        "updated_by": str,
    }, pk="id", not_null={"platform", "channel", "kind", "time", "timezone", "days"},
        defaults={"workspace": "", "enabled": 1, "paused_reason": "", "close_minutes": 480})
    db["schedules"].create_index(["platform", "channel", "kind"], unique=True)
    db["posts"].create({
        "id": int, "schedule_id": int, "local_date": str, "status": str, "attempts": int, "next_attempt_at": str,
        "reason": str, "claimed_at": str, "sent_at": str, "message_ref": str, "entry_id": str, "quiz_id": int,
    }, pk="id", defaults={"attempts": 0, "reason": ""})
    db["posts"].create_index(["schedule_id", "local_date"], unique=True)
    db["posts"].create_index(["status", "next_attempt_at"])
    db["tips_shown"].create({"audience": str, "round": int, "entry_id": str, "shown_at": str},
                            pk=("audience", "round", "entry_id"))
    db["quizzes"].create({
        "id": int, "schedule_id": int, "platform": str, "workspace": str, "channel": str, "timezone": str,
        "local_date": str, "entry_id": str, "card": str, "state": str, "close_minutes": int, "posted_at": str,
        "close_at": str, "closed_at": str, "revealed_at": str, "message_ref": str, "reveal_status": str,
        "reveal_attempts": int, "reveal_next_at": str, "reveal_reason": str,
    }, pk="id", defaults={"state": "open", "reveal_status": "pending", "reveal_attempts": 0, "workspace": "",
                          "reveal_reason": ""})
    db["quizzes"].create_index(["state", "close_at"])
    db["quizzes"].create_index(["platform", "channel", "local_date"])
    db["quizzes"].create_index(["platform", "workspace"])
    db["quiz_answers"].create({
        "quiz_id": int, "user": str, "choice": str, "correct": int, "answered_at": str,
    }, pk=("quiz_id", "user"), foreign_keys=[("quiz_id", "quizzes", "id")])


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _stamp(now: datetime | None) -> str:
    return (now or utc_now()).astimezone(timezone.utc).isoformat(timespec="seconds")


class Storage:
    def __init__(self, path: Path):
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(path, timeout=5.0, check_same_thread=False)
            self.db = Database(connection)
            self.db.enable_wal()
            migrations.apply(self.db)
        except (OSError, sqlite3.Error) as error:
            raise StorageError(
                f"cannot use the database at {path}: {error}. "
                "Set BOT_DATABASE to a file in a folder you can write to.") from error

    def close(self) -> None:
        self.db.close()

    def _write(self, action):
        try:
            with self.db.conn:
                return action()
        except sqlite3.Error as error:
            raise StorageError(f"cannot write to the database at {self.path}: {error}") from error

    def log_question(self, request: Request, reply: Reply, now: datetime | None = None) -> int:
        row = {
            "asked_at": _stamp(now), "platform": request.platform, "channel": request.channel,
            "user": request.user, "text": request.text[:2000], "status": reply.status, "intent": reply.intent,
            "entry_id": reply.entry.id if reply.entry else None, "score": reply.score,
        }
        return self._write(lambda: self.db["questions"].insert(row).last_pk)

    def record_feedback(self, question_id: int, user: str, verdict: str, entry_id: str | None = None,
                        now: datetime | None = None) -> None:
        """One vote per person per answer: a second vote replaces the first."""
        if verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}")
        row = {"question_id": question_id, "user": user, "verdict": verdict, "entry_id": entry_id,
               "given_at": _stamp(now)}
        self._write(lambda: self.db["feedback"].upsert(row, pk=("question_id", "user")))

    def claim_event(self, platform: str, event_id: str, now: datetime | None = None) -> bool:
        """True the first time an event id is seen; a retried delivery gets False and is not processed again."""
        sql = "INSERT OR IGNORE INTO seen_events (platform, event_id, seen_at) VALUES (?, ?, ?)"
        cursor = self._write(lambda: self.db.execute(sql, [platform, event_id, _stamp(now)]))
        return cursor.rowcount == 1

    def questions(self) -> list[dict]:
        return list(self.db["questions"].rows_where(order_by="id"))

    def feedback(self) -> list[dict]:
        return list(self.db["feedback"].rows_where(order_by="question_id, user"))

    def verdicts_for(self, question_id: int) -> list[str]:
        """The votes on one answer, one per person: what the thank-you note counts."""
        return [row["verdict"] for row in self.db["feedback"].rows_where("question_id = ?", [question_id],
                                                                          order_by="user")]

    def outcome_counts(self) -> dict[str, int]:
        sql = "SELECT status, count(*) FROM questions WHERE intent = 'question' GROUP BY status"
        return {status: count for status, count in self.db.execute(sql).fetchall()}

    def feedback_counts(self) -> dict[str, int]:
        sql = "SELECT verdict, count(*) FROM feedback GROUP BY verdict"
        return {verdict: count for verdict, count in self.db.execute(sql).fetchall()}

    def unanswered_questions(self, limit: int = 10) -> list[tuple[str, int]]:
        """The questions most often met with "did you mean" or "I don't know": what the knowledge lacks."""
        sql = ("SELECT lower(trim(text)) AS asked, count(*) AS times FROM questions "
               "WHERE intent = 'question' AND status != 'answered' GROUP BY asked ORDER BY times DESC, asked LIMIT ?")
        return [(text, count) for text, count in self.db.execute(sql, [limit]).fetchall()]
