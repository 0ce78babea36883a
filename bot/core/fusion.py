"""Joins the word matcher's ranking with closeness in meaning: candidates come from both, and meaning gates answers.

Closeness is a cosine per entry from a sentence-embedding model (bot/semantic); the core only sees the numbers.
The word matcher stays the judge of evidence; meaning adds what it misses ("how do we know our data is right"
shares few words with the consistency entry) and vetoes what it gets wrong (a word shared by accident).
"""

from collections.abc import Callable, Collection
from dataclasses import dataclass

from .knowledge import Entry
from .matcher import Match

# For one list of entries: a question's cosine to the `nearest` entries closest to it in meaning and to each entry
# (by position in the list) in `among`, as {position: cosine}. (text, among, nearest) -> {position: cosine}
Closeness = Callable[[str, Collection[int], int], dict[int, float]]
ClosenessFactory = Callable[[list[Entry]], Closeness]


@dataclass(frozen=True)
class Opinion:
    """What a sentence transformer, reading a question whole, finds closest to it: up to OPINION_NEAREST entries,
    closest first, as (position in the list of entries, cosine)."""

    nearest: tuple[tuple[int, float], ...] = ()
    # The cosine of the closest of the messages known not to be for the bot (team logistics, tool manuals, other
    # meanings of backend words, chat: bot/semantic/minilm/not-ours.txt).
    not_ours: float = 0.0

    @property
    def lead(self) -> float:
        """How far the closest entry is ahead of the next (0 with no next entry: a lone entry never leads)."""
        return self.nearest[0][1] - self.nearest[1][1] if len(self.nearest) > 1 else 0.0


# A sentence transformer's second opinion (BOT_MATCHER=transformer), for one list of entries: (text) -> Opinion.
SecondOpinion = Callable[[str], Opinion]
OpinionFactory = Callable[[list[Entry]], SecondOpinion]

# All set on the development set (see README, "How matching works"). The fused score is
# LEXICAL_SHARE * lexical score / 100 + (1 - LEXICAL_SHARE) * closeness.
LEXICAL_SHARE = 0.3
CANDIDATES_PER_SIDE = 5
# An entry the words would answer, but this far from the question in meaning, is only suggested.
ANSWER_GATE = 0.4
# Meaning answers what the words only suggested when the entry is clearly first in the fused score, close in
# meaning, has word evidence (two words it is about, or closeness that needs none), and scores as a suggestion.
RESCUE_SCORE = 0.55
RESCUE_LEAD = 0.06
RESCUE_CLOSENESS = 0.6
RESCUE_SURE_CLOSENESS = 0.7
RESCUE_LEXICAL = 28.0
RESCUE_EVIDENCE_WORDS = 2
# A question the words find nothing for is still offered suggestions when this close in fused score: just above
# every out-of-scope question of the development set.
SUGGEST_SCORE = 0.53
# A suggestion is answered when the transformer, reading the question whole, independently puts the same entry first,
# this close and this far ahead of its next. Set on the six question sets seen before (README, "Measured"): it
# answers 12 more of their in-scope lines right, and none wrong or out of scope.
CONFIRM_CLOSENESS = 0.6
CONFIRM_LEAD = 0.12
# The transformer's own first entry is answered, whatever words and the static model put first, when it is this close
# and this far ahead; its nearest entries join the suggestions, and it offers them for a question the others found
# nothing for when its first is at least OPINION_SUGGEST close. Set on the six seen question sets (README, "Measured").
OPINION_NEAREST = 3
OPINION_ANSWER = 0.7
OPINION_LEAD = 0.08
OPINION_SUGGEST = 0.5
# No answer is given when the question is this much closer to a message known not to be for the bot than to any
# entry: set on the six seen sets, where it declined 3 more out-of-scope lines and held back no right answer.
NOT_OURS_MARGIN = 0.05


@dataclass(frozen=True)
class Candidate:
    entry: Entry
    lexical: float
    closeness: float
    fused: float
    match: Match | None

    def as_match(self) -> Match:
        """A Match whose score is the fused one (0..100), as suggestions show it."""
        matched, evidence = (self.match.matched, self.match.evidence) if self.match else ((), 0.0)
        return Match(self.entry, round(100 * self.fused, 1), matched, evidence)


def fused_score(lexical: float, closeness: float) -> float:
    return LEXICAL_SHARE * lexical / 100 + (1 - LEXICAL_SHARE) * closeness


def checked_answer(text: str, match: Match, closeness: Closeness, position: int) -> Candidate | None:
    """The word matcher's answer, when it is near enough in meaning to give (only its own closeness is needed)."""
    cosine = closeness(text, (position,), 0)[position]
    candidate = Candidate(match.entry, match.score, cosine, fused_score(match.score, cosine), match)
    return candidate if cosine >= ANSWER_GATE else None


def rank_candidates(text: str, matches: list[Match], closeness: Closeness, positions: dict[str, int],
                    entries: list[Entry]) -> list[Candidate]:
    """The word matcher's best and the closest in meaning, together, best fused score first; `positions` maps
    entry ids to their place in `entries`."""
    by_position = {positions[match.entry.id]: match for match in matches[:CANDIDATES_PER_SIDE]}
    cosines = closeness(text, by_position, CANDIDATES_PER_SIDE)
    found = []
    for index, cosine in cosines.items():
        match = by_position.get(index)
        lexical = match.score if match else 0.0
        found.append(Candidate(entries[index], lexical, cosine, fused_score(lexical, cosine), match))
    return sorted(found, key=lambda candidate: (-candidate.fused, candidate.entry.id))


def rescued(candidates: list[Candidate]) -> Candidate | None:
    """The entry meaning and words agree on, when the words alone were not sure enough to answer."""
    if not candidates:
        return None
    best = candidates[0]
    runner_up = candidates[1].fused if len(candidates) > 1 else 0.0
    words = len(best.match.matched) if best.match else 0
    has_evidence = words >= RESCUE_EVIDENCE_WORDS or best.closeness >= RESCUE_SURE_CLOSENESS
    if (best.fused >= RESCUE_SCORE and best.fused - runner_up >= RESCUE_LEAD and best.closeness >= RESCUE_CLOSENESS
            and best.lexical >= RESCUE_LEXICAL and best.match is not None and has_evidence):
        return best
    return None


def confirmed(candidates: list[Candidate], opinion: Opinion, positions: dict[str, int]) -> Candidate | None:
    """The first suggestion, when the second opinion puts the same entry first, clearly (see CONFIRM_*)."""
    if not candidates or not opinion.nearest:
        return None
    position, cosine = opinion.nearest[0]
    best = candidates[0]
    if positions[best.entry.id] == position and cosine >= CONFIRM_CLOSENESS and opinion.lead >= CONFIRM_LEAD:
        return best
    return None


def stated(opinion: Opinion) -> int | None:
    """The position of the transformer's own first entry, when it is clearly first (see OPINION_*)."""
    if opinion.nearest and opinion.nearest[0][1] >= OPINION_ANSWER and opinion.lead >= OPINION_LEAD:
        return opinion.nearest[0][0]
    return None


def is_not_ours(opinion: Opinion) -> bool:
    """Whether the question reads more like a message that is not for the bot than like any entry."""
    return bool(opinion.nearest) and opinion.not_ours >= opinion.nearest[0][1] + NOT_OURS_MARGIN


def with_opinion(suggested: list[Entry], opinion: Opinion, entries: list[Entry], limit: int) -> list[Entry]:
    """The suggestions and the transformer's nearest entries taken in turn (first of each, then second...), each
    once, at most `limit`: words and meaning each bring what the other misses."""
    offered = [entries[position] for position, _ in opinion.nearest]
    merged: dict[str, Entry] = {}
    for index in range(max(len(suggested), len(offered))):
        for side in (suggested, offered):
            if index < len(side):
                merged.setdefault(side[index].id, side[index])
    return list(merged.values())[:limit]
