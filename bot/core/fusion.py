"""Joins the word matcher's ranking with closeness in meaning: candidates come from every side, one blended score
ranks them, and that score decides whether to answer, suggest or say "I don't know".

Closeness is a cosine per entry from a sentence-embedding model (bot/semantic): the static model shipped in the
package and, with BOT_MATCHER=transformer, a sentence transformer beside it. The core only sees the numbers. Words
bring what a question names ("idempotency key", "N+1"); meaning brings what it says in other words ("how do we know
our data is right"); the blend weighs an entry by all of them at once, so that one signal's accident (a word shared
by chance, a phrasing close by chance) does not decide alone.
"""

from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from .knowledge import Entry
from .matcher import Match

# For one list of entries: a question's closeness to the `nearest` entries closest to it in meaning and to each entry
# (by position in the list) in `among`, as {position: closeness}. (text, among, nearest) -> {position: closeness}
Closeness = Callable[[str, Collection[int], int], dict[int, float]]
ClosenessFactory = Callable[[list[Entry]], Closeness]


@dataclass(frozen=True)
class Opinion:
    """What a sentence transformer, reading a question whole, finds: its closeness to the entries asked about and to
    the nearest ones ({position: closeness}), and to the messages known not to be for the bot (team logistics, tool
    manuals, other meanings of backend words, chat: bot/semantic/minilm/not-ours.txt)."""

    closeness: dict[int, float] = field(default_factory=dict)
    not_ours: float = 0.0


# A sentence transformer's second opinion (BOT_MATCHER=transformer), for one list of entries, asked like Closeness:
# (text, among, nearest) -> Opinion.
SecondOpinion = Callable[[str, Collection[int], int], Opinion]
OpinionFactory = Callable[[list[Entry]], SecondOpinion]


@dataclass(frozen=True)
class Blend:
    """How much each signal weighs in the fused score (they add up to 1; words count as score / 100), and the fused
    scores at which an entry is answered, at which the entry the word rules alone would answer is answered
    (`agree`), and at which suggestions are offered."""

    words: float
    static: float
    transformer: float
    answer: float
    agree: float
    suggest: float


# Set on the seen question sets (README, "How matching works"): the weights, then the bars, best answered right for the
# fewest confidently wrong.
FUSED = Blend(words=0.25, static=0.75, transformer=0.0, answer=0.6, agree=0.52, suggest=0.42)
WITH_TRANSFORMER = Blend(words=0.25, static=0.3, transformer=0.45, answer=0.525, agree=0.48, suggest=0.4)
# The first entry is answered when its fused score reaches the blend's bar this far ahead of the next, or when the
# word rules alone would answer it too and it is first with the blend's `agree` score.
ANSWER_LEAD = 0.02
# Entries each model brings in as the nearest in meaning, beside the word matcher's.
NEAREST = 5
# No answer is given when the transformer finds the question at least this much closer to a message not for the
# bot than to the entry: set with the blend.
NOT_OURS_MARGIN = 0.0


@dataclass(frozen=True)
class Candidate:
    entry: Entry
    lexical: float
    closeness: float
    # The transformer's closeness (0 without one).
    opinion: float
    fused: float
    match: Match | None

    def as_match(self) -> Match:
        """A Match whose score is the fused one (0..100), as suggestions show it."""
        matched, evidence = (self.match.matched, self.match.evidence) if self.match else ((), 0.0)
        return Match(self.entry, round(100 * self.fused, 1), matched, evidence)


def blend_for(opinion: SecondOpinion | None) -> Blend:
    """The weights and bars for the signals at hand: with the transformer's opinion, or words and the static model."""
    return WITH_TRANSFORMER if opinion is not None else FUSED


def rank_candidates(text: str, matches: list[Match], closeness: Closeness, opinion: SecondOpinion | None,
                    positions: dict[str, int], entries: list[Entry], nearest: int = NEAREST
                    ) -> tuple[list[Candidate], float]:
    """The word matcher's candidates and the `nearest` in meaning by each model, best fused score first, and how
    close the question is to a message not for the bot (0 without a transformer); `positions` maps entry ids to their
    place in `entries`."""
    by_position = {positions[match.entry.id]: match for match in matches}
    static = closeness(text, by_position, nearest)
    transformer, not_ours = {}, 0.0
    if opinion is not None:
        found = opinion(text, static, nearest)
        transformer, not_ours = found.closeness, found.not_ours
        missing = transformer.keys() - static.keys()
        if missing:
            static.update(closeness(text, missing, 0))
    blend = blend_for(opinion)
    ranked = []
    for index, cosine in static.items():
        match = by_position.get(index)
        lexical = match.score if match else 0.0
        second = transformer.get(index, 0.0)
        fused = blend.words * lexical / 100 + blend.static * cosine + blend.transformer * second
        ranked.append(Candidate(entries[index], lexical, cosine, second, fused, match))
    return sorted(ranked, key=lambda candidate: (-candidate.fused, candidate.entry.id)), not_ours


def beyond_meaning_alone(candidates: list[Candidate], blend: Blend) -> bool:
    """Whether the first of the word matcher's own candidates scores more than an entry without a word of the question
    could (1 - blend.words, at closeness 1): then no entry that meaning alone brings in can come first, and the
    nearest in meaning need not be looked for."""
    return bool(candidates) and candidates[0].fused > 1 - blend.words


def chosen(candidates: list[Candidate], words_choice: str | None, blend: Blend) -> Candidate | None:
    """The first candidate when it is to be answered: clearly first with a fused score at the blend's bar, or the
    entry the word rules alone would answer (`words_choice`, an entry id) and first with a fair score."""
    if not candidates:
        return None
    best = candidates[0]
    runner_up = candidates[1].fused if len(candidates) > 1 else 0.0
    if best.fused >= blend.answer and best.fused - runner_up >= ANSWER_LEAD:
        return best
    if best.entry.id == words_choice and best.fused >= blend.agree:
        return best
    return None


def is_not_ours(not_ours: float, closeness: float) -> bool:
    """Whether a question this close (`closeness`, the transformer's) to the entry it would be answered with reads
    at least as much like a message not for the bot (`not_ours`)."""
    return not_ours >= closeness + NOT_OURS_MARGIN
