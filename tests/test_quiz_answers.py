"""Answering a quiz: one answer per person (a unique index decides, even under 50 concurrent clicks), states."""

import random
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest

from bot.core.quiz import CLOSED, LETTERS, OPEN, PICK_ANSWER, REVEALED, QuizStateError, advance, build_quiz
from bot.storage import open_storage

POSTED = datetime(2025, 1, 13, 9, 0, tzinfo=timezone.utc)

# Every case runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.usefixtures("database")


@pytest.fixture
def posted_quiz(bot, quizzes):
    card = build_quiz(bot.responder.knowledge.entries, random.Random(5), form=PICK_ANSWER)
    quiz_id = quizzes.create_quiz(card, "slack", "C1", "2025-01-13", "Europe/Berlin", "T1", close_minutes=480)
    quizzes.mark_posted(quiz_id, "1736758800.000100", POSTED)
    return quiz_id, card


def wrong_letter(card):
    return next(letter for letter in LETTERS if letter != card.correct)


def test_fifty_people_answering_at_once_are_fifty_stored_answers(settings_for, posted_quiz):
    quiz_id, card = posted_quiz
    start = threading.Barrier(50)

    def answer(number):
        storage = open_storage(settings_for().database)
        try:
            start.wait()
            choice = card.correct if number % 2 else wrong_letter(card)
            return storage.quizzes.answer(quiz_id, f"U{number:03d}", choice, POSTED).outcome
        finally:
            storage.close()

    with ThreadPoolExecutor(max_workers=50) as pool:
        outcomes = list(pool.map(answer, range(50)))
    assert outcomes.count("correct") == 25 and outcomes.count("wrong") == 25
    reader = open_storage(settings_for().database)
    rows = reader.quizzes.answers(quiz_id)
    reader.close()
    assert len(rows) == 50 and len({row["user"] for row in rows}) == 50
    assert sum(row["correct"] for row in rows) == 25


def test_a_second_answer_is_refused_kindly_and_the_first_one_stands(quizzes, posted_quiz):
    quiz_id, card = posted_quiz
    first = quizzes.answer(quiz_id, "U1", wrong_letter(card), POSTED)
    second = quizzes.answer(quiz_id, "U1", card.correct, POSTED)
    assert first.outcome == "wrong" and first.is_counted
    assert second.outcome == "already_answered" and not second.is_counted
    assert "already answered" in second.message and "first one counts" in second.message
    [row] = quizzes.answers(quiz_id)
    assert (row["user"], row["choice"], row["correct"]) == ("U1", wrong_letter(card), 0)


def test_many_clicks_from_one_person_at_once_count_once(quizzes, posted_quiz):
    quiz_id, card = posted_quiz
    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(pool.map(lambda _: quizzes.answer(quiz_id, "U1", card.correct, POSTED).outcome, range(10)))
    assert sorted(outcomes) == ["already_answered"] * 9 + ["correct"]
    assert len(quizzes.answers(quiz_id)) == 1


def test_the_person_alone_is_told_whether_they_were_right_and_when_the_answer_is_revealed(quizzes, posted_quiz):
    quiz_id, card = posted_quiz
    right = quizzes.answer(quiz_id, "U1", card.correct.lower(), POSTED)
    wrong = quizzes.answer(quiz_id, "U2", wrong_letter(card), POSTED)
    assert right.message.startswith("Right!")
    assert wrong.message.startswith("Not this time.")
    # Posted 09:00 UTC, closing 8 hours later: 18:00 in Berlin (UTC+1 in January).
    for result in (right, wrong):
        assert "revealed to everyone at Mon 18:00 Europe/Berlin" in result.message


def test_an_answer_after_closing_or_to_no_option_is_not_counted(quizzes, posted_quiz):
    quiz_id, card = posted_quiz
    assert quizzes.answer(quiz_id, "U1", "E", POSTED).outcome == "not_an_option"
    assert quizzes.move(quiz_id, CLOSED, POSTED)
    late = quizzes.answer(quiz_id, "U2", card.correct, POSTED)
    assert late.outcome == "not_open" and "closed" in late.message
    assert quizzes.answers(quiz_id) == []


def test_a_quiz_goes_open_closed_revealed_and_no_other_way():
    assert advance(OPEN, CLOSED) == CLOSED
    assert advance(CLOSED, REVEALED) == REVEALED
    for state, target in ((OPEN, REVEALED), (CLOSED, OPEN), (REVEALED, OPEN), (REVEALED, CLOSED), (OPEN, OPEN)):
        with pytest.raises(QuizStateError):
            advance(state, target)


def test_the_stored_state_machine_refuses_illegal_moves_and_closing_twice(settings_for, quizzes,
                                                                                posted_quiz):
    quiz_id, _ = posted_quiz
    with pytest.raises(QuizStateError):
        quizzes.move(quiz_id, REVEALED, POSTED)
    other = open_storage(settings_for().database)
    try:
        stale_view = other.quizzes
        assert quizzes.move(quiz_id, CLOSED, POSTED)
        with pytest.raises(QuizStateError):
            stale_view.move(quiz_id, CLOSED, POSTED)
    finally:
        other.close()
    assert quizzes.quiz(quiz_id).state == CLOSED


def test_an_open_quiz_closes_when_its_close_time_comes(quizzes, posted_quiz):
    quiz_id, _ = posted_quiz
    assert quizzes.close_due(POSTED + timedelta(hours=7, minutes=59)) == []
    assert quizzes.close_due(POSTED + timedelta(hours=8)) == [quiz_id]
    assert quizzes.close_due(POSTED + timedelta(hours=9)) == []
    assert quizzes.quiz(quiz_id).state == CLOSED
