"""Questions asked and their outcome, the feedback on answers, and the platform events already seen."""

from datetime import datetime, timezone
from typing import TYPE_CHECKING

from ..core.feedback import VERDICTS
from ..core.replies import Reply, Request
from .database import stamp
from .learned import normalized

if TYPE_CHECKING:
    from .interfaces import SqlDatabase

# The end of "until now" in queries over a period that has no end.
FAR_FUTURE = datetime(9999, 1, 1, tzinfo=timezone.utc)
# The unique key decides: of two deliveries racing in two processes, exactly one inserts (rowcount 1).
CLAIM_EVENT = "INSERT INTO seen_events (platform, event_id, seen_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"


class QuestionLog:
    def __init__(self, db: "SqlDatabase"):
        self.db = db

    def log_question(self, request: Request, reply: Reply, now: datetime | None = None) -> int:
        # Plain SQL: this runs for every question, and sqlite-utils' insert reads the table's columns each time.
        # "user" is quoted here and below: PostgreSQL reserves the word (unquoted, it means the session's role).
        sql = """INSERT INTO questions (asked_at, platform, channel, "user", text, status, intent, entry_id, score)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"""
        values = [stamp(now), request.platform, request.channel, request.user, request.text[:2000], str(reply.status),
                  str(reply.intent), reply.entry.id if reply.entry else None, reply.score]
        return self.db.rows(sql, values)[0]["id"]

    def record_feedback(self, question_id: int, user: str, verdict: str, entry_id: str | None = None,
                        now: datetime | None = None) -> None:
        """One vote per person per answer: a second vote replaces the first."""
        if verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}")
        sql = """INSERT INTO feedback (question_id, "user", verdict, entry_id, given_at) VALUES (?, ?, ?, ?, ?)
                 ON CONFLICT (question_id, "user") DO UPDATE SET verdict = excluded.verdict,
                     entry_id = excluded.entry_id, given_at = excluded.given_at"""
        self.db.execute(sql, [question_id, user, verdict, entry_id, stamp(now)])

    def log_first_delivery(self, request: Request, reply: Reply, now: datetime | None = None) -> int | None:
        """Claims the request's event id and logs the question in one transaction: the question's log id, or
        None when the event was claimed before (a retry, or another process's delivery)."""
        with self.db.transaction() as db:
            if db.execute(CLAIM_EVENT, [request.platform, request.event_id, stamp(now)]).rowcount != 1:
                return None
            return self.log_question(request, reply, now)

    def record_pick(self, question_id: int, user: str, entry_id: str, now: datetime | None = None) -> bool:
        """A "did you mean" pick: stored only for a question that was answered with suggestions."""
        sql = """INSERT INTO picks (question_id, "user", entry_id, picked_at)
                 SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM questions WHERE id = ? AND status = 'suggest')
                 ON CONFLICT (question_id, "user") DO UPDATE SET entry_id = excluded.entry_id,
                     picked_at = excluded.picked_at"""
        return self.db.execute(sql, [question_id, user, entry_id, stamp(now), question_id]).rowcount == 1

    def agreed_pick(self, question_id: int, entry_id: str, people: int = 2) -> str | None:
        """The question's text when at least `people` different people picked `entry_id` for it (asked in the
        same words, any time), else None."""
        sql = """SELECT min(q.text) AS question FROM picks p JOIN questions q ON q.id = p.question_id
                 WHERE p.entry_id = ? AND lower(trim(q.text)) =
                     (SELECT lower(trim(text)) FROM questions WHERE id = ?)
                 HAVING count(DISTINCT p."user") >= ?"""
        rows = self.db.rows(sql, [entry_id, question_id, people])
        return rows[0]["question"] if rows and rows[0]["question"] else None

    def candidates(self, people: int = 2) -> list[dict]:
        """Questions that at least `people` different people answered by picking the same entry."""
        sql = """SELECT lower(trim(q.text)) AS question, p.entry_id, count(DISTINCT p."user") AS people,
                        min(q.id) AS question_id
                 FROM picks p JOIN questions q ON q.id = p.question_id
                 GROUP BY question, p.entry_id HAVING count(DISTINCT p."user") >= ?
                 ORDER BY people DESC, question"""
        return self.db.rows(sql, [people])

    def not_answered(self, since: datetime, limit: int = 50, until: datetime | None = None) -> list[dict]:
        """Chat questions met with "did you mean" or "I don't know", or whose asker said none of the suggestions
        fit, most asked first; `question_id` is one of them, for buttons that act on the question."""
        sql = """SELECT lower(trim(q.text)) AS question, count(*) AS times, min(q.id) AS question_id FROM questions q
                 WHERE q.intent = 'question' AND q.platform != 'console' AND q.asked_at >= ? AND q.asked_at < ?
                   AND (q.status != 'answered' OR EXISTS (SELECT 1 FROM feedback f WHERE f.question_id = q.id
                                                          AND f.verdict = 'none_of_these'))
                 GROUP BY question ORDER BY times DESC, question LIMIT ?"""
        return self.db.rows(sql, [stamp(since), stamp(until or FAR_FUTURE), limit])

    def not_helpful(self, since: datetime, limit: int = 50, until: datetime | None = None) -> list[dict]:
        sql = """SELECT lower(trim(q.text)) AS question, f.entry_id, count(*) AS votes, min(q.id) AS question_id
                 FROM feedback f JOIN questions q ON q.id = f.question_id
                 WHERE f.verdict = 'not_helpful' AND f.given_at >= ? AND f.given_at < ?
                 GROUP BY question, f.entry_id ORDER BY votes DESC, question LIMIT ?"""
        return self.db.rows(sql, [stamp(since), stamp(until or FAR_FUTURE), limit])

    def week_figures(self, since: datetime, until: datetime) -> dict[str, int]:
        """Chat questions asked in [since, until) by outcome, and the votes given then: a week's figures."""
        sql = """SELECT status, count(*) AS n FROM questions WHERE intent = 'question' AND platform != 'console'
                 AND asked_at >= ? AND asked_at < ? GROUP BY status"""
        figures = {row["status"]: row["n"] for row in self.db.rows(sql, [stamp(since), stamp(until)])}
        votes = """SELECT verdict, count(*) AS n FROM feedback WHERE given_at >= ? AND given_at < ? GROUP BY verdict"""
        figures.update({f"votes_{row['verdict']}": row["n"] for row in self.db.rows(votes, [stamp(since),
                                                                                              stamp(until)])})
        return figures

    def question(self, question_id: int) -> dict | None:
        rows = self.db.rows("SELECT * FROM questions WHERE id = ?", [question_id])
        return rows[0] if rows else None

    def ignore(self, text: str, by: str = "", now: datetime | None = None) -> None:
        """Leaves a question out of every later review."""
        sql = """INSERT INTO review_ignored (normalized, ignored_by, ignored_at) VALUES (?, ?, ?)
                 ON CONFLICT (normalized) DO NOTHING"""
        self.db.execute(sql, [normalized(text), by, stamp(now)])

    def ignored(self) -> set[str]:
        return {row["normalized"] for row in self.db.rows("SELECT normalized FROM review_ignored")}

    def claim_event(self, platform: str, event_id: str, now: datetime | None = None) -> bool:
        """True the first time an event id is seen; a retried delivery gets False and is not processed again."""
        return self.db.execute(CLAIM_EVENT, [platform, event_id, stamp(now)]).rowcount == 1

    def questions(self) -> list[dict]:
        return self.db.rows("SELECT * FROM questions ORDER BY id")

    def feedback(self) -> list[dict]:
        return self.db.rows('SELECT * FROM feedback ORDER BY question_id, "user"')

    def verdicts_for(self, question_id: int) -> list[str]:
        """The votes on one answer, one per person: what the thank-you note counts."""
        rows = self.db.rows('SELECT verdict FROM feedback WHERE question_id = ? ORDER BY "user"', [question_id])
        return [row["verdict"] for row in rows]

    def outcomes_by_platform(self) -> dict[str, dict[str, int]]:
        """Outcomes per platform: the terminal's own questions are counted apart from chat."""
        sql = """SELECT platform, status, count(*) AS n FROM questions WHERE intent = 'question'
                 GROUP BY platform, status ORDER BY platform, status"""
        table: dict[str, dict[str, int]] = {}
        for row in self.db.rows(sql):
            table.setdefault(row["platform"], {})[row["status"]] = row["n"]
        return table

    def labelled(self) -> list[dict]:
        """The team's own labelled questions: taught phrasings, "did you mean" picks and answers voted helpful,
        each as an eval case {"q", "expect"}."""
        sql = """SELECT text AS q, entry_id AS expect FROM learned_phrasings
                 UNION SELECT q.text, p.entry_id FROM picks p JOIN questions q ON q.id = p.question_id
                 UNION SELECT q.text, f.entry_id FROM feedback f JOIN questions q ON q.id = f.question_id
                       WHERE f.verdict = 'helpful' AND f.entry_id IS NOT NULL"""
        return self.db.rows(sql)

    def outcome_counts(self) -> dict[str, int]:
        sql = "SELECT status, count(*) AS n FROM questions WHERE intent = 'question' GROUP BY status"
        return {row["status"]: row["n"] for row in self.db.rows(sql)}

    def feedback_counts(self) -> dict[str, int]:
        return {row["verdict"]: row["n"] for row in self.db.rows("SELECT verdict, count(*) AS n FROM feedback "
                                                                  "GROUP BY verdict")}

    def unanswered_questions(self, limit: int = 10) -> list[tuple[str, int]]:
        """The questions most often met with "did you mean" or "I don't know": what the knowledge lacks."""
        sql = ("SELECT lower(trim(text)) AS asked, count(*) AS times FROM questions "
               "WHERE intent = 'question' AND status != 'answered' GROUP BY asked ORDER BY times DESC, asked LIMIT ?")
        return [(row["asked"], row["times"]) for row in self.db.rows(sql, [limit])]
