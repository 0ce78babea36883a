"""How long the bot keeps what it logs, and pruning what is older, never what a guarantee still needs."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from .database import stamp
from .schedules import FAILED, MISSED, SENT

if TYPE_CHECKING:
    from .interfaces import SqlDatabase


@dataclass(frozen=True)
class Retention:
    question_days: int = 365
    event_days: int = 30
    post_days: int = 30


def prune(db: "SqlDatabase", now: datetime, keep: Retention = Retention()) -> dict[str, int]:
    """Deletes questions (and their votes and picks), seen event ids and finished posts older than `keep` says.

    A retry of an event comes within minutes and a post is claimed for its own day only, so 30 days of both
    keep every exactly-once rule; quizzes and their answers are kept for scores and streaks."""
    questions_before = stamp(now - timedelta(days=keep.question_days))
    events_before = stamp(now - timedelta(days=keep.event_days))
    posts_before = (now - timedelta(days=keep.post_days)).date().isoformat()
    old_questions = "(SELECT id FROM questions WHERE asked_at < ?)"
    with db.transaction() as tables:
        # Votes and picks go before their questions: PostgreSQL enforces the foreign keys SQLite only declares.
        feedback = tables.execute(f"DELETE FROM feedback WHERE question_id IN {old_questions}",
                                  [questions_before]).rowcount
        picks = tables.execute(f"DELETE FROM picks WHERE question_id IN {old_questions}", [questions_before]).rowcount
        questions = tables.execute("DELETE FROM questions WHERE asked_at < ?", [questions_before]).rowcount
        events = tables.execute("DELETE FROM seen_events WHERE seen_at < ?", [events_before]).rowcount
        posts = tables.execute("DELETE FROM posts WHERE local_date < ? AND status IN (?, ?, ?)",
                               [posts_before, SENT, FAILED, MISSED]).rowcount
    return {"questions": questions, "feedback": feedback, "picks": picks, "seen events": events, "posts": posts}
