"""Builds the review of a period from the question log: for the weekly digest, `kb review` and its JSON."""

from datetime import datetime, timedelta

from .core.replies import ANSWERED, Responder
from .core.review import Candidate, Figures, NotHelpful, Review, group_misses
from .storage import Storage
from .storage.learned import normalized

# What one review reads from the log; grouping and the platforms' limits cut it down further.
MAX_ROWS = 500
MAX_CANDIDATES = 3


def build_review(storage: Storage, responder: Responder, now: datetime, days: int = 7) -> Review:
    """The last `days` days up to `now`, beside the `days` before; runs on the database thread."""
    # Stamps are whole seconds: a question logged in the review's own second belongs to this review.
    now = now + timedelta(seconds=1)
    since, before = now - timedelta(days=days), now - timedelta(days=2 * days)
    questions = storage.questions
    skip = questions.ignored() | {normalized(phrasing.text) for phrasing in storage.learned.phrasings()}

    def fresh(rows: list[dict]) -> list[dict]:
        return [row for row in rows if normalized(row["question"]) not in skip]

    def candidates_of(text: str) -> tuple[str, ...]:
        ranked = responder.matcher.rank(text, limit=MAX_CANDIDATES)
        return tuple(match.entry.id for match in ranked)

    def answered_now(text: str) -> bool:
        """Taught or added since it was asked: it needs no more review."""
        return responder.reply_to(text).status == ANSWERED

    known = responder.knowledge.by_id
    return Review(
        days=days,
        misses=tuple(group_misses([row for row in fresh(questions.not_answered(since, MAX_ROWS, until=now))
                                   if not answered_now(row["question"])], candidates_of)),
        candidates=tuple(Candidate(row["question"], row["question_id"], row["entry_id"], row["people"])
                         for row in fresh(questions.candidates()) if row["entry_id"] in known),
        not_helpful=tuple(NotHelpful(row["question"], row["question_id"], row["entry_id"] or "", row["votes"])
                          for row in fresh(questions.not_helpful(since, MAX_ROWS, until=now))),
        figures=Figures.from_counts(questions.week_figures(since, now)),
        before=Figures.from_counts(questions.week_figures(before, since)),
    )
