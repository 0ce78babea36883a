"""A scheduled quiz's life: posted open, closed at its close time, revealed by updating the message and posting."""

import random
from datetime import datetime, timedelta, timezone

import pytest

from bot.core.commands import ScheduleSpec
from bot.core.quiz import LETTERS, QuizResult, build_quiz
from bot.scheduler import SendError
from bot.wiring import build_scheduler

UTC = timezone.utc
SET_AT = datetime(2025, 1, 1, tzinfo=UTC)
QUIZ_TIME = datetime(2025, 1, 13, 10, 0, tzinfo=UTC)

# Every case runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.usefixtures("database")


class RecordingPublisher:
    """Stands in for a platform: records quiz posts, message updates and reveal posts; failures are scripted."""

    def __init__(self):
        self.quizzes = []
        self.updates = []
        self.reveals = []
        self.failures: dict[str, list[Exception]] = {}

    def _fail_if_scripted(self, method):
        if self.failures.get(method):
            raise self.failures[method].pop(0)

    async def post_quiz(self, channel, quiz_id, card, post_id=0):
        self._fail_if_scripted("post_quiz")
        self.quizzes.append((channel, quiz_id, card))
        return f"{channel}/quiz-{quiz_id}"

    async def update_quiz(self, channel, message_ref, quiz_id, result):
        self._fail_if_scripted("update_quiz")
        self.updates.append((channel, message_ref, quiz_id, result))

    async def post_reveal(self, channel, message_ref, quiz_id, result):
        self._fail_if_scripted("post_reveal")
        self.reveals.append((channel, message_ref, result.winners_text()))
        return f"{channel}/reveal-{quiz_id}"


@pytest.fixture
def publisher():
    return RecordingPublisher()


@pytest.fixture
def scheduler(bot, publisher):
    made = build_scheduler(bot, {"discord": publisher})
    made.schedules.set_schedule("discord", "555000111", "quiz", ScheduleSpec("10:00", "UTC", "daily", 120),
                                workspace="G1", now=SET_AT)
    return made


def wrong_letter(card):
    return next(letter for letter in LETTERS if letter != card.correct)


async def test_a_quiz_is_posted_open_closes_at_its_time_and_the_reveal_updates_the_message(scheduler, publisher):
    await scheduler.run_once(QUIZ_TIME)
    [(channel, quiz_id, card)] = publisher.quizzes
    quiz = scheduler.quizzes.quiz(quiz_id)
    assert (channel, quiz.state, quiz.message_ref) == ("555000111", "open", "555000111/quiz-1")
    for user, letter in (("111", card.correct), ("222", card.correct), ("333", wrong_letter(card))):
        scheduler.quizzes.answer(quiz_id, user, letter, QUIZ_TIME + timedelta(minutes=5))
    await scheduler.run_once(QUIZ_TIME + timedelta(minutes=119))
    assert publisher.updates == [] and scheduler.quizzes.quiz(quiz_id).state == "open"
    await scheduler.run_once(QUIZ_TIME + timedelta(minutes=120))
    [(_, ref, updated_id, result)] = publisher.updates
    assert (ref, updated_id, result.answered, result.share_right) == ("555000111/quiz-1", quiz_id, 3, 67)
    assert result.summary.startswith(f"The answer: {card.correct}. ")
    assert result.summary.endswith("3 people answered, 67% got it right.")
    assert publisher.reveals == [("555000111", ref, "Today's correct answers came from <@111>, <@222>.")]
    assert scheduler.quizzes.quiz(quiz_id).state == "revealed"
    late = scheduler.quizzes.answer(quiz_id, "444", card.correct, QUIZ_TIME + timedelta(hours=3))
    assert late.outcome == "not_open"
    await scheduler.run_once(QUIZ_TIME + timedelta(hours=5))
    assert len(publisher.updates) == 1 and len(publisher.reveals) == 1


async def test_a_quiz_without_a_set_close_time_stays_open_for_eight_hours(bot, publisher):
    scheduler = build_scheduler(bot, {"slack": publisher})
    scheduler.schedules.set_schedule("slack", "CQ", "quiz", ScheduleSpec("10:00", "UTC", "daily"), now=SET_AT)
    await scheduler.run_once(QUIZ_TIME)
    quiz_id = publisher.quizzes[0][1]
    assert scheduler.quizzes.quiz(quiz_id).close_at == QUIZ_TIME + timedelta(hours=8)
    await scheduler.run_once(QUIZ_TIME + timedelta(hours=7, minutes=59))
    assert scheduler.quizzes.quiz(quiz_id).state == "open"
    await scheduler.run_once(QUIZ_TIME + timedelta(hours=8))
    assert scheduler.quizzes.quiz(quiz_id).state == "revealed"


async def test_a_reveal_that_fails_for_a_moment_stays_closed_and_is_retried(scheduler, publisher):
    await scheduler.run_once(QUIZ_TIME)
    quiz_id = publisher.quizzes[0][1]
    publisher.failures["update_quiz"] = [SendError("ratelimited", retry_after=60)]
    await scheduler.run_once(QUIZ_TIME + timedelta(hours=2))
    quiz = scheduler.quizzes.quiz(quiz_id)
    assert (quiz.state, quiz.reveal_status, quiz.reveal_reason) == ("closed", "retry", "ratelimited")
    await scheduler.run_once(QUIZ_TIME + timedelta(hours=2, seconds=59))
    assert publisher.reveals == []
    await scheduler.run_once(QUIZ_TIME + timedelta(hours=2, seconds=60))
    assert scheduler.quizzes.quiz(quiz_id).state == "revealed"
    assert len(publisher.updates) == 1 and len(publisher.reveals) == 1


async def test_a_reveal_in_a_channel_the_bot_left_pauses_the_schedule(scheduler, publisher):
    await scheduler.run_once(QUIZ_TIME)
    quiz_id = publisher.quizzes[0][1]
    publisher.failures["update_quiz"] = [SendError.for_reason("404")]
    await scheduler.run_once(QUIZ_TIME + timedelta(hours=2))
    quiz = scheduler.quizzes.quiz(quiz_id)
    assert (quiz.state, quiz.reveal_status, quiz.reveal_reason) == ("closed", "failed", "404")
    assert scheduler.schedules.schedules()[0].paused_reason == "404"
    await scheduler.run_once(QUIZ_TIME + timedelta(days=1))
    assert len(publisher.quizzes) == 1


async def test_a_quiz_that_never_reached_its_channel_is_not_a_missed_day(scheduler, publisher):
    await scheduler.run_once(QUIZ_TIME)
    card = publisher.quizzes[0][2]
    scheduler.quizzes.answer(publisher.quizzes[0][1], "111", card.correct, QUIZ_TIME)
    await scheduler.run_once(QUIZ_TIME + timedelta(hours=2))
    publisher.failures["post_quiz"] = [SendError.for_reason("channel_not_found")]
    await scheduler.run_once(QUIZ_TIME + timedelta(days=1))
    assert scheduler.quizzes.db.rows("SELECT count(*) AS quizzes FROM quizzes") == [{"quizzes": 1}]
    assert scheduler.quizzes.streak("discord", "555000111", "111") == 1


async def test_consecutive_quiz_days_ask_about_different_entries(scheduler, publisher):
    for day in range(10):
        await scheduler.run_once(QUIZ_TIME + timedelta(days=day))
    asked = [card.entry_id for _, _, card in publisher.quizzes]
    assert len(asked) == 10 and len(set(asked)) == 10


async def test_scores_are_kept_per_guild_from_scheduled_quizzes(scheduler, publisher):
    await scheduler.run_once(QUIZ_TIME)
    _, quiz_id, card = publisher.quizzes[0]
    scheduler.quizzes.answer(quiz_id, "111", card.correct, QUIZ_TIME)
    board = scheduler.quizzes.leaderboard("discord", "G1", "555000111", "111", QUIZ_TIME)
    assert [(s.score.user, s.score.month, s.score.all_time) for s in board.top] == [("111", 1, 1)]
    assert board.asker_streak == 1
    assert scheduler.quizzes.leaderboard("discord", "G2", "555000111", "111", QUIZ_TIME).top == ()


def test_a_reveal_names_at_most_fifty_people_so_it_fits_one_message(bot):
    card = build_quiz(bot.responder.knowledge.entries, random.Random(0))
    winners = tuple(f"{number:019d}" for number in range(80))
    text = QuizResult(card, 120, winners).winners_text()
    assert text.count("<@") == 50 and text.endswith(" and 30 more.")
    assert len(text) < 2000
