"""The terminal quiz and tip, driven in-process: what the person reads, and the score and streak stored."""

import io
import random
from datetime import datetime, timedelta, timezone

from bot.adapters.console import run_quiz, show_tip

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=timezone.utc)


def play(bot, answer_right: bool, now=NOW):
    """One terminal quiz; the reader looks up the quiz just stored to pick the right (or a wrong) letter."""
    quizzes = bot.storage.quizzes
    out = io.StringIO()

    def read(prompt):
        out.write(prompt)
        latest = quizzes.db.rows("SELECT id FROM quizzes ORDER BY id DESC LIMIT 1")[0]["id"]
        card = quizzes.quiz(latest).card
        return card.correct if answer_right else next(o.letter for o in card.options if o.letter != card.correct)

    bot.daily.rng = random.Random(now.day)
    outcome = run_quiz(bot.daily, "ann", read, out, now)
    return outcome, out.getvalue()


def test_three_right_answers_in_the_terminal_make_a_streak_of_three(bot):
    for day in range(3):
        outcome, text = play(bot, True, NOW + timedelta(days=day))
    assert outcome == "correct" and "Right!" in text
    assert text.rstrip().endswith("Your score: 3 correct this month, 3 all time. Streak: 3 in a row.")


def test_a_wrong_answer_shows_the_right_letter_and_the_full_answer_and_resets_the_streak(bot):
    play(bot, True)
    outcome, text = play(bot, False, NOW + timedelta(days=1))
    assert outcome == "wrong"
    assert "Not this time: the answer was " in text
    quizzes = bot.storage.quizzes
    card = quizzes.quiz(2).card
    entry = bot.responder.knowledge.get(card.entry_id)
    assert f"{entry.question}\n{entry.answer_text}" in text
    assert "Your score: 1 correct this month, 1 all time. Streak: 0 in a row." in text


def test_the_quiz_shows_the_prompt_and_four_lettered_options(bot):
    _, text = play(bot, True)
    assert text.startswith(("Which answer fits this question?", "Which question does this answer belong to?"))
    for letter in "ABCD":
        assert f"\n{letter}. " in text


def test_the_terminal_tip_shows_the_entry_and_its_related_questions(bot):
    out = io.StringIO()
    bot.daily.rng = random.Random(1)
    show_tip(bot.daily, "ann", out, NOW)
    lines = out.getvalue().splitlines()
    question = lines[0].removeprefix("Tip of the day: ")
    entry = next(item for item in bot.responder.knowledge.entries if item.question == question)
    assert entry.answer_text in out.getvalue()
    assert "Related questions:" in lines
