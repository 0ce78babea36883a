"""The tip and quiz lifecycle, for the scheduler and the terminal alike: choose, create, post, answer, close, reveal.

Every method runs on the database thread (the scheduler hands them to `Database.run`); none of them sends.
"""

import random
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

from .core.commands import DIGEST, QUIZ, TIP
from .core.quiz import CLOSED, AnswerResult, QuizCard, build_quiz
from .core.replies import Responder
from .core.scores import Leaderboard
from .core.review import Review
from .core.tips import Tip
from .learning import LiveKnowledge
from .review import build_review
from .storage import Post, Schedule, Storage

TERMINAL = "console"


def audience(kind: str, platform: str, channel: str) -> str:
    """Whose rotation this is: a channel's tips and its quizzes each walk through every entry."""
    return f"{kind}:{platform}:{channel}"


def schedule_audience(schedule: Schedule) -> str:
    return audience(schedule.kind, schedule.platform, schedule.channel)


class Daily:
    def __init__(self, live: LiveKnowledge, storage: Storage, rng: random.Random | None = None):
        self.live = live
        self.storage = storage
        self.rng = rng or random.Random()

    @property
    def responder(self) -> Responder:
        return self.live.responder

    @property
    def entries(self):
        return self.responder.knowledge.entries

    def tip_of(self, entry_id: str) -> Tip | None:
        entry = self.responder.knowledge.get(entry_id)
        return Tip(entry, self.responder.related_to(entry)) if entry else None

    def prepare_post(self, schedule: Schedule, post_id: int, local_date: str) -> None:
        """Chooses the entry (and builds the quiz) once, so every retry sends the same post."""
        if schedule.kind == DIGEST:
            return
        entry = self.storage.schedules.choose_entry(schedule_audience(schedule), self.entries, self.rng)
        quiz_id = None
        if schedule.kind == QUIZ:
            card = build_quiz(self.entries, self.rng, entry=entry)
            quiz_id = self.storage.quizzes.create_quiz(card, schedule.platform, schedule.channel, local_date,
                                                       schedule.timezone, schedule.workspace, schedule.close_minutes,
                                                       schedule.id)
        self.storage.schedules.set_post_content(post_id, entry.id, quiz_id)

    def review_of(self, schedule: Schedule, post: Post) -> Review:
        """The week up to the post's own slot: every retry of one digest reviews the same week."""
        slot = datetime.combine(date.fromisoformat(post.local_date), time.fromisoformat(schedule.time),
                                ZoneInfo(schedule.timezone))
        return build_review(self.storage, self.responder, slot.astimezone(timezone.utc))

    def content_of(self, schedule: Schedule, post: Post) -> "Tip | QuizCard | Review | None":
        """What a post shows: its tip, its quiz card, or the weekly review; None when its entry is gone."""
        if schedule.kind == DIGEST:
            return self.review_of(schedule, post)
        return self.tip_of(post.entry_id) if schedule.kind == TIP else self.card_of(post)

    def card_of(self, post: Post) -> QuizCard:
        return self.storage.quizzes.quiz(post.quiz_id).card

    def mark_sent(self, schedule: Schedule, post: Post, message_ref: str, now: datetime) -> None:
        """Stored once the post is really in the channel, so a failed send does not use up an entry."""
        self.storage.schedules.mark_sent(post.id, message_ref, now)
        if post.entry_id:  # a tip or a quiz uses up an entry of the rotation; the weekly review none
            self.storage.schedules.record_shown(schedule_audience(schedule), post.entry_id, self.entries, now)
        if post.quiz_id is not None:
            self.storage.quizzes.mark_posted(post.quiz_id, message_ref, now)

    def give_up(self, post: Post, reason: str) -> None:
        self.storage.schedules.mark_failed(post.id, reason)
        if post.quiz_id is not None:
            self.storage.quizzes.delete_quiz(post.quiz_id)

    def next_tip(self, player: str, now: datetime) -> Tip:
        """The terminal player's next tip: their own rotation, like a channel's, shows every entry once first."""
        who = audience(TIP, TERMINAL, player)
        entry = self.storage.schedules.choose_entry(who, self.entries, self.rng)
        self.storage.schedules.record_shown(who, entry.id, self.entries, now)
        return Tip(entry, self.responder.related_to(entry))

    def start_quiz(self, player: str, now: datetime) -> tuple[int, QuizCard]:
        """A quiz only this terminal player sees, open from now."""
        entry = self.storage.schedules.choose_entry(audience("quiz", TERMINAL, player), self.entries, self.rng)
        card = build_quiz(self.entries, self.rng, entry=entry)
        quiz_id = self.storage.quizzes.create_quiz(card, TERMINAL, f"terminal:{player}", now.date().isoformat())
        self.storage.quizzes.mark_posted(quiz_id, "terminal", now)
        return quiz_id, card

    def finish_quiz(self, quiz_id: int, player: str, choice: str, now: datetime) -> tuple[AnswerResult, Leaderboard]:
        """Judges the player's answer, then closes and reveals at once: only they play."""
        quizzes = self.storage.quizzes
        result = quizzes.answer(quiz_id, player, choice, now)
        quizzes.move(quiz_id, CLOSED, now)
        quizzes.mark_revealed(quiz_id, now)
        card = quizzes.quiz(quiz_id).card
        self.storage.schedules.record_shown(audience("quiz", TERMINAL, player), card.entry_id, self.entries, now)
        return result, quizzes.leaderboard(TERMINAL, "", f"terminal:{player}", player, now)

    def abandon_quiz(self, quiz_id: int) -> None:
        self.storage.quizzes.delete_quiz(quiz_id)
