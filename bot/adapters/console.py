"""The terminal front door: renders replies as plain text and runs the `chat` loop, tips and quizzes."""

import asyncio
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TextIO

from ..core.feedback import HELPFUL, NOT_HELPFUL
from ..core.quiz import CORRECT, QuizCard
from ..core.replies import ALSO_CLOSE, ANSWERED, SUGGEST, UNKNOWN, Note, Reply, Request
from ..core.scores import Leaderboard, format_leaderboard
from ..core.tips import Tip
from ..daily import Daily
from ..service import Service

PLATFORM = "console"
CHAT_HELP = ("Ask a backend question (a number follows a listed question; + or - says whether an answer helped, "
             "0 says none of these fit; 'quit' or Ctrl-D to leave).")
_VOTES = {"+": HELPFUL, "-": NOT_HELPFUL}


def render_text(reply: Reply | Note | Leaderboard) -> str:
    """Plain text for anything the service replies; follow-up questions are numbered so `chat` can follow them."""
    if isinstance(reply, Note):
        return reply.text
    if isinstance(reply, Leaderboard):
        return format_leaderboard(reply, lambda user: user)
    if not isinstance(reply, Reply):
        raise TypeError(f"the terminal cannot show a {type(reply).__name__}")
    lines: list[str] = []
    if reply.status == ANSWERED and reply.entry:
        lines += [reply.entry.question, "", reply.entry.answer_text]
        if reply.entry.source:
            lines += ["", f"Source: {reply.entry.source}"]
        if reply.alternatives:
            lines += ["", ALSO_CLOSE]
            lines += [f"  {number}. {entry.question}" for number, entry in enumerate(reply.alternatives, 1)]
        if reply.related:
            lines += ["", "Related questions:"]
            lines += [f"  {number}. {entry.question}"
                      for number, entry in enumerate(reply.related, len(reply.alternatives) + 1)]
    elif reply.status == SUGGEST:
        lines += ["Did you mean:"]
        lines += [f"  {number}. {match.entry.question}" for number, match in enumerate(reply.suggestions, 1)]
        lines += ["  (or none of these: ask it another way)"]
    elif reply.status == UNKNOWN:
        lines.append(reply.message)
    else:
        raise TypeError(f"the terminal cannot show a reply with status {reply.status!r}")
    return "\n".join(lines)


def follow_ups(reply) -> list:
    if not isinstance(reply, Reply):
        return []
    if reply.status == ANSWERED:
        return [*reply.alternatives, *reply.related]
    if reply.status == SUGGEST:
        return [match.entry for match in reply.suggestions]
    return []


async def answer_line(service: Service, text: str, last: Reply | None, user: str):
    """What one line typed in `chat` does: follow a number, vote on the last answer, or ask."""
    request = Request(text=text, user=user, channel=f"terminal:{user}", platform=PLATFORM)
    choices = follow_ups(last)
    if text.isdigit() and 1 <= int(text) <= len(choices):
        picked_from = last.question_id if last.status == SUGGEST else 0
        return await service.follow(request, choices[int(text) - 1].id, picked_from)
    if isinstance(last, Reply) and last.question_id:
        if text in _VOTES and last.status == ANSWERED:
            return await service.vote(last.question_id, user, _VOTES[text], last.entry.id)
        if text == "0" and last.status == SUGGEST:
            return await service.none_of_these(last.question_id, user)
    return await service.ask(request)


def run_chat(service: Service, read: Callable[[str], str], out: TextIO, user: str = "you") -> None:
    """A question-and-answer loop until end of input or 'quit'."""
    asyncio.run(_chat(service, read, out, user))


async def _chat(service: Service, read: Callable[[str], str], out: TextIO, user: str) -> None:
    out.write(CHAT_HELP + "\n")
    last = None
    while True:
        try:
            text = (await asyncio.to_thread(read, "> ")).strip()
        except (EOFError, KeyboardInterrupt):
            out.write("\n")
            return
        if text.lower() in {"quit", "exit", "q", ":q"}:
            return
        reply = await answer_line(service, text, last, user)
        out.write(render_text(reply) + "\n\n")
        if isinstance(reply, Reply):
            last = reply


def render_tip(tip: Tip) -> str:
    lines = [f"{tip.title}: {tip.entry.question}", "", tip.entry.answer_text]
    if tip.related:
        lines += ["", "Related questions:"] + [f"  - {entry.question}" for entry in tip.related]
    return "\n".join(lines)


def show_tip(daily: Daily, player: str, out: TextIO, now: datetime | None = None) -> None:
    """Prints the terminal player's next tip."""
    out.write(render_tip(daily.next_tip(player, now or datetime.now(timezone.utc))) + "\n")


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


def run_quiz(daily: Daily, player: str, read: Callable[[str], str], out: TextIO,
             now: datetime | None = None) -> str | None:
    """One quiz in the terminal: asks, judges, reveals at once (only this person plays), then score and streak.

    Returns the outcome, or None when the person left without answering (nothing is counted then).
    """
    now = now or datetime.now(timezone.utc)
    quiz_id, card = daily.start_quiz(player, now)
    out.write(render_quiz(card) + "\n")
    choice = _read_choice(card, read, out)
    if choice is None:
        daily.abandon_quiz(quiz_id)
        return None
    result, board = daily.finish_quiz(quiz_id, player, choice, now)
    entry = daily.responder.knowledge.by_id[card.entry_id]
    verdict = "Right!" if result.outcome == CORRECT else f"Not this time: the answer was {card.correct}."
    out.write(f"{verdict}\n\n{entry.question}\n{entry.answer_text}\n\n")
    month, total = (board.asker.score.month, board.asker.score.all_time) if board.asker else (0, 0)
    out.write(f"Your score: {month} correct this month, {total} all time. "
              f"Streak: {board.asker_streak} in a row.\n")
    return result.outcome
