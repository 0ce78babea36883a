"""Quiz scores: streaks of quiz days answered correctly, and the leaderboard with the asker's own place."""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from .quiz import CORRECT

# An open quiz the person has not answered yet: it neither extends nor breaks their streak until it closes.
PENDING = "pending"
MISSED = "missed"
LEADERBOARD_SIZE = 10


def current_streak(outcomes: Sequence[str]) -> int:
    """Quiz days in a row, up to the latest, answered correctly; `outcomes` runs oldest to newest.

    A quiz day is a day the channel had a quiz, so weekends without one do not break a Mon-Fri streak,
    but a quiz the person missed or got wrong does.
    """
    streak = 0
    for outcome in reversed(outcomes):
        if outcome == PENDING:
            continue
        if outcome != CORRECT:
            break
        streak += 1
    return streak


@dataclass(frozen=True)
class Score:
    user: str
    month: int
    all_time: int


@dataclass(frozen=True)
class Standing:
    rank: int
    score: Score


@dataclass(frozen=True)
class Leaderboard:
    top: tuple[Standing, ...]
    asker: Standing | None
    asker_streak: int


def rank_scores(scores: Iterable[Score], asker: str, asker_streak: int = 0,
                limit: int = LEADERBOARD_SIZE) -> Leaderboard:
    """Ranked by correct answers this month, then all time; ties share a rank (1, 2, 2, 4)."""
    ordered = sorted((score for score in scores if score.all_time > 0),
                     key=lambda score: (-score.month, -score.all_time, score.user))
    standings: list[Standing] = []
    for position, score in enumerate(ordered, 1):
        tied = standings and (standings[-1].score.month, standings[-1].score.all_time) == (score.month, score.all_time)
        standings.append(Standing(standings[-1].rank if tied else position, score))
    mine = next((standing for standing in standings if standing.score.user == asker), None)
    return Leaderboard(tuple(standings[:limit]), mine, asker_streak)


def format_leaderboard(board: Leaderboard, mention: Callable[[str], str] = lambda user: f"<@{user}>") -> str:
    """Plain text for every front door; `mention` turns a user id into how the platform names people."""
    if not board.top:
        lines = ["No correct quiz answers yet. Answer today's quiz to be first on the board!"]
    else:
        lines = ["Quiz leaderboard (correct answers: this month / all time)"]
        lines += [f"{standing.rank}. {mention(standing.score.user)}: {standing.score.month} / "
                  f"{standing.score.all_time}" for standing in board.top]
    lines.append("")
    if board.asker:
        lines.append(f"You: rank {board.asker.rank}, {board.asker.score.month} this month, "
                     f"{board.asker.score.all_time} all time.")
    else:
        lines.append("You're not on the board yet.")
    days = "day" if board.asker_streak == 1 else "days"
    lines.append(f"Your streak in this channel: {board.asker_streak} quiz {days} in a row.")
    return "\n".join(lines)
