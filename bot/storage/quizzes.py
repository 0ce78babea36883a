"""Quizzes, their answers (one per person per quiz) and the scores drawn from them."""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from ..core.quiz import (ALREADY_ANSWERED, CLOSED, CORRECT, NOT_OPEN, OPEN, REVEALED, WRONG, AnswerResult,
                        QuizCard, QuizResult, advance, answer_message, judge)
from ..core.scores import MISSED, PENDING, Leaderboard, Score, current_streak, rank_scores
from .database import stamp
from .schedules import FAILED, RETRY, SENDING

if TYPE_CHECKING:
    from .interfaces import SqlDatabase

# A reveal goes pending -> sending -> done, or back to retry, or failed; the same words as a post's send.
REVEAL_PENDING, REVEAL_DONE = "pending", "done"


@dataclass(frozen=True)
class Quiz:
    id: int
    schedule_id: int | None
    platform: str
    workspace: str
    channel: str
    timezone: str
    local_date: str
    card: QuizCard
    state: str
    close_minutes: int
    close_at: datetime | None
    message_ref: str | None
    reveal_status: str
    reveal_attempts: int
    reveal_reason: str

    @classmethod
    def from_row(cls, row: dict) -> "Quiz":
        close_at = datetime.fromisoformat(row["close_at"]) if row["close_at"] else None
        return cls(row["id"], row["schedule_id"], row["platform"], row["workspace"] or "", row["channel"],
                   row["timezone"], row["local_date"], QuizCard.from_json(json.loads(row["card"])), row["state"],
                   row["close_minutes"], close_at, row["message_ref"], row["reveal_status"], row["reveal_attempts"],
                   row["reveal_reason"] or "")

    @property
    def reveal_time(self) -> str:
        """When the answer is revealed, in the channel's own timezone: 'Tue 17:00 Europe/Berlin'."""
        if self.close_at is None:
            return ""
        return f"{self.close_at.astimezone(ZoneInfo(self.timezone)):%a %H:%M} {self.timezone}"


class QuizStorage:
    def __init__(self, db: "SqlDatabase"):
        self.db = db

    def create_quiz(self, card: QuizCard, platform: str, channel: str, local_date: str, tz: str = "UTC",
                    workspace: str = "", close_minutes: int = 480, schedule_id: int | None = None) -> int:
        """A quiz that is not yet shown: it takes answers and closes only once `mark_posted` sets its close time."""
        row = {"schedule_id": schedule_id, "platform": platform, "workspace": workspace, "channel": channel,
               "timezone": tz, "local_date": local_date, "entry_id": card.entry_id, "card": json.dumps(card.as_json()),
               "state": OPEN, "close_minutes": close_minutes}
        return self.db.insert("quizzes", row)

    def mark_posted(self, quiz_id: int, message_ref: str, now: datetime) -> None:
        sql = "UPDATE quizzes SET message_ref = ?, posted_at = ?, close_at = ? WHERE id = ?"
        quiz = self.quiz(quiz_id)
        close_at = now + timedelta(minutes=quiz.close_minutes)
        self.db.execute(sql, [message_ref, stamp(now), stamp(close_at), quiz_id])

    def delete_quiz(self, quiz_id: int) -> None:
        """For a quiz that never reached its channel: nobody saw it, so it must not count as a missed day."""
        with self.db.transaction() as db:
            db.execute("DELETE FROM quiz_answers WHERE quiz_id = ?", [quiz_id])
            db.execute("DELETE FROM quizzes WHERE id = ?", [quiz_id])

    def quiz(self, quiz_id: int) -> Quiz | None:
        found = self.db.rows("SELECT * FROM quizzes WHERE id = ?", [quiz_id])
        return Quiz.from_row(found[0]) if found else None

    def answer(self, quiz_id: int, user: str, choice: str, now: datetime | None = None) -> AnswerResult:
        """Records a person's first answer; a second one, or one after closing, is told so and not counted."""
        quiz = self.quiz(quiz_id)
        if quiz is None:
            return AnswerResult(NOT_OPEN, answer_message(NOT_OPEN))
        outcome = judge(quiz.card, quiz.state, choice)
        if outcome not in (CORRECT, WRONG):
            return AnswerResult(outcome, answer_message(outcome))
        # The state check sits in the insert itself, so an answer racing the close is either in or refused; on
        # PostgreSQL the quiz row is share-locked too, so a close waits for the answer or the answer sees the close.
        sql = f"""INSERT INTO quiz_answers (quiz_id, "user", choice, correct, answered_at)
                  SELECT ?, ?, ?, ?, ? FROM quizzes WHERE id = ? AND state = ?{self.db.share_lock}
                  ON CONFLICT DO NOTHING"""
        letter = quiz.card.option(choice).letter
        cursor = self.db.execute(sql, [quiz_id, user, letter, int(outcome == CORRECT), stamp(now), quiz_id, OPEN])
        if cursor.rowcount != 1:
            answered = self.db.rows('SELECT 1 FROM quiz_answers WHERE quiz_id = ? AND "user" = ?', [quiz_id, user])
            outcome = ALREADY_ANSWERED if answered else NOT_OPEN
        return AnswerResult(outcome, answer_message(outcome, quiz.reveal_time))

    def answers(self, quiz_id: int) -> list[dict]:
        return self.db.rows('SELECT * FROM quiz_answers WHERE quiz_id = ? ORDER BY answered_at, "user"', [quiz_id])

    def move(self, quiz_id: int, target: str, now: datetime | None = None) -> bool:
        """Moves the quiz along open -> closed -> revealed; False when another process moved it first.

        Raises QuizStateError for a move the state machine does not allow.
        """
        quiz = self.quiz(quiz_id)
        advance(quiz.state, target)
        stamp_column = {CLOSED: "closed_at", REVEALED: "revealed_at"}[target]
        sql = f"UPDATE quizzes SET state = ?, {stamp_column} = ? WHERE id = ? AND state = ?"
        return self.db.execute(sql, [target, stamp(now), quiz_id, quiz.state]).rowcount == 1

    def close_due(self, now: datetime) -> list[int]:
        """Closes every open quiz whose close time has come; the ids this process closed."""
        rows = self.db.rows("SELECT id FROM quizzes WHERE state = ? AND close_at <= ?", [OPEN, stamp(now)])
        return [row["id"] for row in rows if self.move(row["id"], CLOSED, now)]

    def reveals_due(self, now: datetime) -> list[Quiz]:
        sql = """SELECT * FROM quizzes WHERE state = ? AND reveal_status IN (?, ?)
                 AND (reveal_next_at IS NULL OR reveal_next_at <= ?) ORDER BY id"""
        return [Quiz.from_row(row) for row in self.db.rows(sql, [CLOSED, REVEAL_PENDING, RETRY, stamp(now)])]

    def claim_reveal(self, quiz: Quiz) -> bool:
        sql = """UPDATE quizzes SET reveal_status = ?, reveal_attempts = reveal_attempts + 1
                 WHERE id = ? AND state = ? AND reveal_status = ? AND reveal_attempts = ?"""
        return self.db.execute(sql, [SENDING, quiz.id, CLOSED, quiz.reveal_status, quiz.reveal_attempts]).rowcount == 1

    def mark_reveal_retry(self, quiz_id: int, reason: str, next_attempt_at: datetime) -> None:
        self.db.execute("UPDATE quizzes SET reveal_status = ?, reveal_reason = ?, reveal_next_at = ? WHERE id = ?",
                     [RETRY, reason, stamp(next_attempt_at), quiz_id])

    def mark_reveal_failed(self, quiz_id: int, reason: str) -> None:
        self.db.execute("UPDATE quizzes SET reveal_status = ?, reveal_reason = ? WHERE id = ?", [FAILED, reason, quiz_id])

    def mark_revealed(self, quiz_id: int, now: datetime) -> bool:
        self.db.execute("UPDATE quizzes SET reveal_status = ?, reveal_reason = '' WHERE id = ?", [REVEAL_DONE, quiz_id])
        return self.move(quiz_id, REVEALED, now)

    def result(self, quiz_id: int) -> QuizResult:
        quiz = self.quiz(quiz_id)
        answers = self.answers(quiz_id)
        winners = tuple(answer["user"] for answer in answers if answer["correct"])
        return QuizResult(quiz.card, len(answers), winners)

    def streak(self, platform: str, channel: str, user: str) -> int:
        """Quiz days in a row this person answered correctly in this channel."""
        sql = """SELECT q.state, a.correct FROM quizzes q
                 LEFT JOIN quiz_answers a ON a.quiz_id = q.id AND a."user" = ?
                 WHERE q.platform = ? AND q.channel = ? AND q.close_at IS NOT NULL ORDER BY q.local_date, q.id"""
        outcomes = []
        for row in self.db.rows(sql, [user, platform, channel]):
            if row["correct"] is None:
                outcomes.append(PENDING if row["state"] == OPEN else MISSED)
            else:
                outcomes.append(CORRECT if row["correct"] else WRONG)
        return current_streak(outcomes)

    def scores(self, platform: str, workspace: str, month: str) -> list[Score]:
        """Correct answers per person in this workspace/guild: in `month` ('2025-03') and all time."""
        sql = """SELECT a."user", sum(a.correct) AS all_time,
                     sum(CASE WHEN a.correct = 1 AND substr(q.local_date, 1, 7) = ? THEN 1 ELSE 0 END) AS month
                 FROM quiz_answers a JOIN quizzes q ON q.id = a.quiz_id
                 WHERE q.platform = ? AND q.workspace = ? GROUP BY a."user"
              """
        return [Score(row["user"], row["month"], row["all_time"])
                for row in self.db.rows(sql, [month, platform, workspace])]

    def leaderboard(self, platform: str, workspace: str, channel: str, asker: str,
                    now: datetime | None = None) -> Leaderboard:
        month = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).strftime("%Y-%m")
        return rank_scores(self.scores(platform, workspace, month), asker, self.streak(platform, channel, asker))
