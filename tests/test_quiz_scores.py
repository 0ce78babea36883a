"""Quiz scores: streaks of quiz days answered correctly in a channel, and the leaderboard per workspace."""

import random
from datetime import datetime, timezone

import pytest

from bot.core.quiz import CLOSED, LETTERS, OPEN, PICK_ANSWER, build_quiz
from bot.core.scores import Score, current_streak, format_leaderboard, rank_scores

NOW = datetime(2025, 3, 14, 18, 0, tzinfo=timezone.utc)


@pytest.fixture
def quiz_day(bot, quizzes):
    """Stores one quiz day in a channel: who answered, right or wrong, and how far the quiz got."""
    card = build_quiz(bot.responder.knowledge.entries, random.Random(2), form=PICK_ANSWER)
    wrong = next(letter for letter in LETTERS if letter != card.correct)

    def make(date, answers, state="revealed", channel="C1", workspace="T1", platform="slack"):
        quiz_id = quizzes.create_quiz(card, platform, channel, date, "UTC", workspace)
        posted = datetime.fromisoformat(f"{date}T09:00:00+00:00")
        quizzes.mark_posted(quiz_id, "ts", posted)
        for user, right in answers.items():
            assert quizzes.answer(quiz_id, user, card.correct if right else wrong, posted).is_counted
        if state != OPEN:
            quizzes.move(quiz_id, CLOSED, posted)
        if state == "revealed":
            quizzes.mark_revealed(quiz_id, posted)
        return quiz_id

    return make


@pytest.mark.usefixtures("database")
def test_a_missed_quiz_day_breaks_the_streak(quizzes, quiz_day):
    quiz_day("2025-03-10", {"ann": True})
    quiz_day("2025-03-11", {"ann": True})
    quiz_day("2025-03-12", {"bob": True})
    quiz_day("2025-03-13", {"ann": True})
    quiz_day("2025-03-14", {"ann": True, "bob": True})
    assert quizzes.streak("slack", "C1", "ann") == 2
    assert quizzes.streak("slack", "C1", "bob") == 1


@pytest.mark.usefixtures("database")
def test_days_without_a_quiz_do_not_break_a_streak(quizzes, quiz_day):
    for date in ("2025-03-06", "2025-03-07", "2025-03-10"):
        quiz_day(date, {"ann": True})
    assert quizzes.streak("slack", "C1", "ann") == 3


@pytest.mark.usefixtures("database")
def test_a_wrong_answer_breaks_the_streak(quizzes, quiz_day):
    for date, right in (("2025-03-10", True), ("2025-03-11", False), ("2025-03-12", True)):
        quiz_day(date, {"ann": right})
    assert quizzes.streak("slack", "C1", "ann") == 1


@pytest.mark.usefixtures("database")
def test_todays_open_quiz_does_not_break_the_streak_until_it_closes_unanswered(quizzes, quiz_day):
    quiz_day("2025-03-10", {"ann": True})
    quiz_day("2025-03-11", {"ann": True})
    today = quiz_day("2025-03-12", {}, state=OPEN)
    assert quizzes.streak("slack", "C1", "ann") == 2
    quizzes.move(today, CLOSED, NOW)
    assert quizzes.streak("slack", "C1", "ann") == 0


@pytest.mark.usefixtures("database")
def test_a_streak_belongs_to_its_channel(quizzes, quiz_day):
    quiz_day("2025-03-10", {"ann": True}, channel="C1")
    quiz_day("2025-03-10", {"ann": False}, channel="C2")
    assert quizzes.streak("slack", "C1", "ann") == 1
    assert quizzes.streak("slack", "C2", "ann") == 0


@pytest.mark.usefixtures("database")
def test_the_leaderboard_ranks_this_months_correct_answers_then_all_time(quizzes, quiz_day):
    quiz_day("2025-02-27", {"old": True, "cat": True})
    quiz_day("2025-02-28", {"old": True})
    quiz_day("2025-03-10", {"ann": True, "bob": True, "cat": True, "old": False})
    quiz_day("2025-03-11", {"ann": True, "bob": False, "cat": True})
    quiz_day("2025-03-12", {"ann": True, "zed": False})
    quiz_day("2025-03-12", {"out": True}, workspace="OTHER", channel="C9")
    board = quizzes.leaderboard("slack", "T1", "C1", "bob", NOW)
    assert [(s.rank, s.score.user, s.score.month, s.score.all_time) for s in board.top] == [
        (1, "ann", 3, 3), (2, "cat", 2, 3), (3, "bob", 1, 1), (4, "old", 0, 2)]
    assert board.asker.rank == 3 and board.asker_streak == 0
    text = format_leaderboard(board)
    assert text.splitlines()[1:3] == ["1. <@ann>: 3 / 3", "2. <@cat>: 2 / 3"]
    assert "You: rank 3, 1 this month, 1 all time." in text
    assert "Your streak in this channel: 0 quiz days in a row." in text


def test_the_leaderboard_shows_ten_and_the_askers_own_place_below_them():
    scores = [Score(f"u{number:02d}", 20 - number, 40 - number) for number in range(15)]
    board = rank_scores(scores, "u13", asker_streak=4)
    assert [standing.score.user for standing in board.top] == [f"u{number:02d}" for number in range(10)]
    assert board.asker.rank == 14
    text = format_leaderboard(board, mention=str)
    assert "You: rank 14, 7 this month, 27 all time." in text and "4 quiz days in a row" in text
    assert "u13" not in text.split("You:")[0]


def test_ties_share_a_rank_and_people_with_no_correct_answers_are_left_off():
    board = rank_scores([Score("b", 2, 5), Score("a", 2, 5), Score("c", 1, 9), Score("z", 0, 0)], "z")
    assert [(s.rank, s.score.user) for s in board.top] == [(1, "a"), (1, "b"), (3, "c")]
    assert board.asker is None
    assert "You're not on the board yet." in format_leaderboard(board)


def test_an_empty_board_invites_people_to_play():
    assert format_leaderboard(rank_scores([], "ann")).startswith("No correct quiz answers yet.")


def test_current_streak_counts_back_from_the_latest_quiz_day():
    assert current_streak(["correct", "missed", "correct", "correct", "pending"]) == 2
    assert current_streak(["correct", "wrong"]) == 0
    assert current_streak([]) == 0
