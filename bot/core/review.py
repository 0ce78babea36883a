"""The review of what the bot did not answer well: near-duplicate questions grouped, each with the entries that
could answer it, the answers voted not helpful, the phrasings people agreed on, and the period's figures beside
the period before. Platform-neutral: the weekly digest, `kb review` and its JSON all show this."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz, utils

# What an admin does with a review item besides adding a new entry: teach it to an entry, or ignore it.
TEACH, IGNORE = "teach", "ignore"
# Two questions this alike (word order and repeats aside) are one need asked twice: "webhooks go missing" and
# "our webhooks keep going missing".
SAME_NEED = 80.0
SHARED_WORDS = 0.5
# Grouping compares each question with the groups found so far: this many distinct questions bound its cost.
MAX_QUESTIONS = 500


@dataclass(frozen=True)
class Miss:
    """A question (with its near-duplicates) that got "did you mean", "I don't know" or "none of these"."""

    question: str
    question_id: int
    times: int
    variants: tuple[str, ...] = ()
    candidates: tuple[str, ...] = ()


@dataclass(frozen=True)
class Candidate:
    """A question two or more people answered by picking the same entry: teach it with one click."""

    question: str
    question_id: int
    entry_id: str
    people: int


@dataclass(frozen=True)
class NotHelpful:
    question: str
    question_id: int
    entry_id: str
    votes: int


@dataclass(frozen=True)
class Figures:
    asked: int = 0
    answered: int = 0
    suggested: int = 0
    unknown: int = 0
    helpful: int = 0
    not_helpful: int = 0

    @property
    def helpful_percent(self) -> int | None:
        votes = self.helpful + self.not_helpful
        return round(100 * self.helpful / votes) if votes else None

    @classmethod
    def from_counts(cls, counts: dict[str, int]) -> "Figures":
        answered, suggested, unknown = (counts.get(name, 0) for name in ("answered", "suggest", "unknown"))
        return cls(answered + suggested + unknown, answered, suggested, unknown, counts.get("votes_helpful", 0),
                   counts.get("votes_not_helpful", 0))

    def as_dict(self) -> dict:
        return {"asked": self.asked, "answered": self.answered, "suggested": self.suggested,
                "unknown": self.unknown, "helpful_percent": self.helpful_percent}


@dataclass(frozen=True)
class Review:
    days: int
    misses: tuple[Miss, ...] = ()
    candidates: tuple[Candidate, ...] = ()
    not_helpful: tuple[NotHelpful, ...] = ()
    figures: Figures = field(default_factory=Figures)
    before: Figures = field(default_factory=Figures)

    @property
    def is_empty(self) -> bool:
        return not (self.misses or self.candidates or self.not_helpful)

    def as_dict(self) -> dict:
        return {
            "days": self.days,
            "figures": self.figures.as_dict(),
            "figures_before": self.before.as_dict(),
            "not_answered": [{"question": miss.question, "question_id": miss.question_id, "times": miss.times,
                              "variants": list(miss.variants), "candidates": list(miss.candidates)}
                             for miss in self.misses],
            "candidates": [{"question": item.question, "question_id": item.question_id, "entry_id": item.entry_id,
                            "people": item.people} for item in self.candidates],
            "not_helpful": [{"question": item.question, "question_id": item.question_id, "entry_id": item.entry_id,
                             "votes": item.votes} for item in self.not_helpful],
        }


def group_misses(rows: Iterable[dict], candidates_of: Callable[[str], tuple[str, ...]]) -> list[Miss]:
    """Rows of {question, question_id, times}, most asked first, as groups of near-duplicates: each group is led
    by its most asked question and counts every time any of them was asked."""
    groups: list[tuple[str, set[str], list[dict]]] = []
    for row in list(rows)[:MAX_QUESTIONS]:
        key = utils.default_process(row["question"])
        words = set(key.split())
        for lead_key, lead_words, members in groups:
            if is_same_need(key, words, lead_key, lead_words):
                members.append(row)
                break
        else:
            groups.append((key, words, [row]))
    misses = []
    for _, _, members in groups:
        lead = members[0]
        misses.append(Miss(lead["question"], lead["question_id"], sum(member["times"] for member in members),
                           tuple(member["question"] for member in members[1:]), candidates_of(lead["question"])))
    misses.sort(key=lambda miss: (-miss.times, miss.question))
    return misses


def is_same_need(key: str, words: set[str], other_key: str, other_words: set[str]) -> bool:
    """Alike letter by letter (typos and word order aside), and sharing most words of the shorter question:
    long stories are alike letter by letter without being about the same thing."""
    if not words or not other_words:
        return False
    shared = len(words & other_words) / min(len(words), len(other_words))
    return shared >= SHARED_WORDS and fuzz.token_set_ratio(key, other_key) >= SAME_NEED


def change(now: int | None, before: int | None) -> str:
    """'12 (+3)' beside the period before, or just '12' when there is nothing to compare."""
    if now is None:
        return "–"
    if before is None:
        return str(now)
    delta = now - before
    return f"{now} ({'+' if delta >= 0 else '−'}{abs(delta)})"


def figures_line(review: Review) -> str:
    """The period's figures beside the period before, in one line every platform can show."""
    now, before = review.figures, review.before
    helpful = change(now.helpful_percent, before.helpful_percent)
    return (f"Asked {change(now.asked, before.asked)} · answered {change(now.answered, before.answered)} · "
            f"suggested {change(now.suggested, before.suggested)} · unknown {change(now.unknown, before.unknown)} · "
            f"helpful {helpful}{'%' if now.helpful_percent is not None else ''}")


@dataclass(frozen=True)
class Item:
    """One thing an admin can act on, as every platform lists it: teach it to one of `entries`, make a new entry
    of it, or ignore it."""

    heading: str
    question: str
    question_id: int
    detail: str = ""
    entries: tuple[str, ...] = ()
    approve: bool = False


def review_items(review: Review, limit: int) -> tuple[list[Item], int]:
    """At most `limit` items, candidates waiting for approval first, then the most asked misses, then answers
    voted not helpful; and how many more there are."""
    items = [Item(f"{item.people} people picked {item.entry_id}", item.question, item.question_id,
                  " — approve it to teach it as a phrasing of that entry", (item.entry_id,), approve=True)
             for item in review.candidates]
    for miss in review.misses:
        similar = f" (and {len(miss.variants)} similar)" if miss.variants else ""
        items.append(Item(f"Not answered well, asked {miss.times} time{'s' if miss.times != 1 else ''}{similar}",
                          miss.question, miss.question_id, "", miss.candidates))
    for vote in review.not_helpful:
        items.append(Item(f"Voted not helpful {vote.votes} time{'s' if vote.votes != 1 else ''}", vote.question,
                          vote.question_id, f" — answered with {vote.entry_id}"))
    return items[:limit], max(0, len(items) - limit)
