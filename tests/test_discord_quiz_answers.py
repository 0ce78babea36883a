"""Quiz buttons on Discord: one answer per person, told privately whether it was right; closed quizzes say so."""

import asyncio

from discord_schedules import (BOB, CAROL, CLOSING, EPHEMERAL, click_option, person, post_a_quiz,
                               wrong_letter)
from discord_standin import (ALICE, discord_bot, discord_scheduler, discord_server,  # noqa: F401
                             discord_settings, running_client)

from bot.wiring import build_bot
from bot.wiring import build_scheduler

CHANNEL_MESSAGE = 4
REVEAL_AT = "The answer is revealed to everyone at Mon 17:00 UTC."


def note_of(callback: dict) -> str:
    assert callback["type"] == CHANNEL_MESSAGE and callback["data"]["flags"] & EPHEMERAL
    return callback["data"]["embeds"][0]["description"]


def stored_answers(scheduler, quiz) -> dict[str, tuple[str, int]]:
    return {row["user"]: (row["choice"], row["correct"]) for row in scheduler.quizzes.answers(quiz.id)}


async def test_each_person_alone_is_told_whether_they_were_right(discord_scheduler, discord_server):
    message, quiz = await post_a_quiz(discord_scheduler, discord_server)
    right, wrong = quiz.card.correct, wrong_letter(quiz)
    alice = note_of(await click_option(discord_server, message, quiz, right))
    bob = note_of(await click_option(discord_server, message, quiz, wrong, user=BOB))
    carol = note_of(await click_option(discord_server, message, quiz, right, user=CAROL))
    assert alice.startswith("Right!") and carol.startswith("Right!")
    assert bob.startswith("Not this time.")
    assert all(REVEAL_AT in note for note in (alice, bob, carol))
    assert stored_answers(discord_scheduler, quiz) == {ALICE["id"]: (right, 1), BOB["id"]: (wrong, 0),
                                                       CAROL["id"]: (right, 1)}


async def test_a_second_click_is_told_kindly_and_not_counted(discord_scheduler, discord_server):
    message, quiz = await post_a_quiz(discord_scheduler, discord_server)
    await click_option(discord_server, message, quiz, wrong_letter(quiz))
    second = note_of(await click_option(discord_server, message, quiz, quiz.card.correct))
    assert second.startswith("You've already answered this quiz")
    assert stored_answers(discord_scheduler, quiz) == {ALICE["id"]: (wrong_letter(quiz), 0)}


async def test_simultaneous_clicks_count_each_persons_first_answer_once(discord_scheduler, discord_server):
    message, quiz = await post_a_quiz(discord_scheduler, discord_server)
    people = [person(number, f"Player{number}") for number in range(10, 30)]
    clicks = [discord_server.click(message, f"bb:quiz:{quiz.id}:{letter}", user=someone)
              for someone in people for letter in (quiz.card.correct, wrong_letter(quiz))]
    interactions = [await click for click in clicks]
    notes = [note_of(callback) for callback in await asyncio.gather(
        *(discord_server.callback_for(interaction) for interaction in interactions))]
    assert len(stored_answers(discord_scheduler, quiz)) == len(people)
    assert sum(note.startswith("You've already answered") for note in notes) == len(people)
    assert sum(note.startswith("Right!") for note in notes) == len(people)


async def test_a_click_after_the_quiz_closed_is_told_it_is_closed(discord_scheduler, discord_server):
    message, quiz = await post_a_quiz(discord_scheduler, discord_server)
    await discord_scheduler.run_once(CLOSING)
    late = note_of(await click_option(discord_server, message, quiz, quiz.card.correct))
    assert late.startswith("This quiz is closed")
    assert stored_answers(discord_scheduler, quiz) == {}


async def test_quiz_buttons_keep_working_after_the_bot_restarts(discord_server, discord_settings):
    before = build_bot(discord_settings)
    scheduler = build_scheduler(before)
    async with running_client(before, scheduler):
        message, quiz = await post_a_quiz(scheduler, discord_server)
    before.close()
    after = build_bot(discord_settings)
    try:
        async with running_client(after):
            note = note_of(await click_option(discord_server, message, quiz, quiz.card.correct))
            answers = after.storage.quizzes.answers(quiz.id)
    finally:
        after.close()
    assert note.startswith("Right!")
    assert [(row["user"], row["correct"]) for row in answers] == [(ALICE["id"], 1)]
    assert len(discord_server.identifies) == 2
