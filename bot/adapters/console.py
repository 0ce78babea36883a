"""The terminal front door: renders replies as plain text and runs the `chat` loop, tips and quizzes."""

import random
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TextIO

from ..core.quiz import CLOSED, CORRECT, QuizCard, build_quiz
from ..core.replies import ANSWERED, SUGGEST, Reply, Responder, Request
from ..core.tips import Tip
from ..quiz_storage import QuizStorage
from ..schedule_storage import ScheduleStorage
from ..storage import Storage


def render_text(reply: Reply) -> str:
    """Plain text for a reply; follow-up questions are numbered so `chat` can follow them by number."""
    lines: list[str] = []
    if reply.status == ANSWERED and reply.entry:
        lines += [reply.entry.question, "", reply.entry.answer_text]
        if reply.related:
            lines += ["", "Related questions:"]
            lines += [f"  {number}. {entry.question}" for number, entry in enumerate(reply.related, 1)]
    elif reply.status == SUGGEST:
        lines += ["Did you mean:"]
        lines += [f"  {number}. {match.entry.question}" for number, match in enumerate(reply.suggestions, 1)]
        lines += ["  (or none of these: ask it another way)"]
    else:
        lines.append(reply.message)
    return "\n".join(lines)


def follow_ups(reply: Reply) -> list:
    if reply.status == ANSWERED:
        return list(reply.related)
    if reply.status == SUGGEST:
        return [match.entry for match in reply.suggestions]
    return []


def run_chat(responder: Responder, storage: Storage | None, read: Callable[[str], str], out: TextIO) -> None:
    """A question-and-answer loop until end of input or 'quit'; a number follows a numbered question."""
    out.write("Ask a backend question (a number follows a listed question; 'quit' or Ctrl-D to leave).\n")
    choices: list = []
    while True:
        try:
            text = read("> ").strip()
        except (EOFError, KeyboardInterrupt):
            out.write("\n")
            return
        if text.lower() in {"quit", "exit", "q", ":q"}:
            return
        if text.isdigit() and 1 <= int(text) <= len(choices):
            reply = responder.answer(choices[int(text) - 1])
        else:
            reply = responder.reply_to(text)
        if storage is not None:
            storage.log_question(Request(text=text, platform="console"), reply)
        out.write(render_text(reply) + "\n\n")
        choices = follow_ups(reply)


def render_tip(tip: Tip) -> str:
    lines = [f"{tip.title}: {tip.entry.question}", "", tip.entry.answer_text]
    if tip.related:
        lines += ["", "Related questions:"] + [f"  - {entry.question}" for entry in tip.related]
    return "\n".join(lines)


def show_tip(responder: Responder, schedules: ScheduleStorage, user: str, out: TextIO,
             rng: random.Random | None = None, now: datetime | None = None) -> None:
    """Prints the terminal user's next tip; their own rotation, like a channel's, shows every entry once first."""
    entries = responder.knowledge.entries
    audience = f"tip:console:{user}"
    entry = schedules.choose_entry(audience, entries, rng or random.Random())
    out.write(render_tip(Tip(entry, responder.related_to(entry))) + "\n")
    schedules.record_shown(audience, entry.id, entries, now)


def render_quiz(card: QuizCard) -> str:
    lines = [card.body]
    if card.has_text_buttons:
        lines += [""] + [f"{option.letter}. {option.text}" for option in card.options]
    return "\n".join(lines)


def _read_choice(card: QuizCard, read: Callable[[str], str], out: TextIO) -> str | None:
    while True:
        try:
            text = read(f"Your answer ({', '.join(option.letter for option in card.options)}): ").strip()
        except (EOFError, KeyboardInterrupt):
            out.write("\n")
            return None
        if text and card.option(text):
            return text.upper()
        out.write("Type one of the letters A, B, C or D.\n")


def run_quiz(responder: Responder, schedules: ScheduleStorage, quizzes: QuizStorage, user: str,
             read: Callable[[str], str], out: TextIO, rng: random.Random | None = None,
             now: datetime | None = None) -> str | None:
    """One quiz in the terminal: asks, judges, reveals at once (only this person plays), then score and streak.

    Returns the outcome, or None when the person left without answering (nothing is counted then).
    """
    rng = rng or random.Random()
    now = now or datetime.now(timezone.utc)
    entries = responder.knowledge.entries
    audience = f"quiz:console:{user}"
    card = build_quiz(entries, rng, entry=schedules.choose_entry(audience, entries, rng))
    quiz_id = quizzes.create_quiz(card, "console", f"terminal:{user}", now.date().isoformat())
    quizzes.mark_posted(quiz_id, "terminal", now)
    out.write(render_quiz(card) + "\n")
    choice = _read_choice(card, read, out)
    if choice is None:
        quizzes.delete_quiz(quiz_id)
        return None
    result = quizzes.answer(quiz_id, user, choice, now)
    quizzes.move(quiz_id, CLOSED, now)
    quizzes.mark_revealed(quiz_id, now)
    schedules.record_shown(audience, card.entry_id, entries, now)
    entry = responder.knowledge.by_id[card.entry_id]
    verdict = "Right!" if result.outcome == CORRECT else f"Not this time: the answer was {card.correct}."
    out.write(f"{verdict}\n\n{entry.question}\n{entry.answer_text}\n\n")
    board = quizzes.leaderboard("console", "", f"terminal:{user}", user, now)
    month, total = (board.asker.score.month, board.asker.score.all_time) if board.asker else (0, 0)
    out.write(f"Your score: {month} correct this month, {total} all time. "
              f"Streak: {board.asker_streak} in a row.\n")
    return result.outcome
