"""Ranks knowledge entries for a question: IDF-weighted coverage of its words and word pairs, with typo repair."""

import math
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA, Levenshtein

from .knowledge import Entry, KnowledgeBase
from .text import ABBREVIATIONS, GENERIC_WORDS, INTERJECTIONS, STOP_WORDS, stem, tokenise

# How much a query word counts when found only in a weaker part of an entry.
PHRASING_STRENGTH = 1.0
TAG_STRENGTH = 0.8
ANSWER_STRENGTH = 0.3
# A word the knowledge never uses still counts against coverage, a little less than the rarest known word:
# "how do I bake bread" must not look like a strong match for an entry that only shares "how".
UNKNOWN_WORD_SHARE = 0.8
GENERIC_WORD_SHARE = 0.3
# A score blends how much of the question the whole entry covers with how close its best single phrasing is;
# closeness looks mostly at the question's side (how much of it the phrasing holds), a little at the phrasing's.
COVERAGE_SHARE = 0.55
QUESTION_SIDE = 0.7
PHRASING_SIDE = 1 - QUESTION_SIDE
# A term in more entries than this is too common to bring in candidates of its own (see _score).
COMMON_POSTINGS = 200
COMMON_SHARE = 0.05
# Entries, best covered first, whose phrasings are matched against the question (see Matcher._score).
SHORTLIST = 200
# Room for rounding when a score cap is compared with a score (scores run from 0 to 100).
SCORE_SLACK = 1e-6
# Adjacent word pairs ("state machine", "event driven") say more than either word alone, but never more than
# the two words together: a pair of everyday words ("backend service") is rare only because pairs are.
PAIR_SHARE = 0.4


@dataclass(frozen=True)
class Match:
    entry: Entry
    score: float
    # The question's topical words that the entry is really about (see Matcher._core_of): the evidence for it,
    # and how much those words weigh together.
    matched: tuple[str, ...] = ()
    evidence: float = 0.0


def content_words(text: str) -> list[str]:
    return [word for word in tokenise(text) if word not in STOP_WORDS and len(word) > 1]


def with_pairs(terms: list[str]) -> list[str]:
    """The terms followed by each adjacent pair, as 'first_second'."""
    return terms + [f"{first}_{second}" for first, second in zip(terms, terms[1:])]


def entry_terms(text: str) -> set[str]:
    return set(with_pairs([stem(word) for word in content_words(text)]))


_KEYBOARD_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm")
_VOWELS = frozenset("aeiouy")


def _keyboard_neighbours() -> dict[str, frozenset[str]]:
    where = {key: (row, column) for row, keys in enumerate(_KEYBOARD_ROWS) for column, key in enumerate(keys)}
    return {key: frozenset(other for other, (row2, column2) in where.items()
                           if other != key and abs(row - row2) <= 1 and abs(column - column2) <= 1)
            for key, (row, column) in where.items()}


_NEIGHBOURS = _keyboard_neighbours()


def is_likely_slip(typed: str, word: str) -> bool:
    """Whether the edits from `word` to `typed` look like typing slips: letters dropped, doubled or swapped, a
    key next to the right one, or one vowel for another ("idempotant"). A letter swapped for a far one is more
    often another word: "paris" is not "parts", "training" is not "tracing"."""
    for edit in Levenshtein.editops(typed, word):
        if edit.tag == "replace":
            left, right = typed[edit.src_pos], word[edit.dest_pos]
            if right not in _NEIGHBOURS.get(left, ()) and not (left in _VOWELS and right in _VOWELS):
                return False
    return True


class Matcher:
    def __init__(self, knowledge: KnowledgeBase):
        self.entries = knowledge.entries
        field_terms = [self._entry_fields(entry) for entry in self.entries]
        self._idf = self._inverse_document_frequency(field_terms)
        self._max_idf = max(self._idf.values(), default=1.0)
        # term -> {entry index: how strongly the entry holds it}, and term -> {entry index: its phrasings with it,
        # as bits of a mask}. An entry's phrasings are numbered lightest first; _phrasing_weights holds their weights
        # in that order, and _lightest the least weight of a phrasing with any terms.
        self._strength: dict[str, dict[int, float]] = defaultdict(dict)
        self._in_phrasing: dict[str, dict[int, int]] = defaultdict(dict)
        self._phrasing_weights: list[list[float]] = []
        self._lightest: list[float] = []
        self._core_terms: list[frozenset[str]] = []
        for index, (phrasings, tags, answer) in enumerate(field_terms):
            self._index_entry(index, phrasings, tags, answer)
        self._words = self._vocabulary_words()
        self._words_by_initial: dict[str, list[str]] = defaultdict(list)
        for word in self._words:
            self._words_by_initial[word[0]].append(word)
        self._set_up_lookups()

    def _set_up_lookups(self) -> None:
        self._repair = lru_cache(maxsize=50_000)(self._repair_word)
        # A reply weighs its question more than once (to rank it, then to check its scope): the last few are kept.
        self._weighed = lru_cache(maxsize=16)(self._weigh)
        self._position = {id(entry): index for index, entry in enumerate(self.entries)}

    def __getstate__(self) -> dict:
        # Kept between runs without its per-process look-ups: caches of bound calls, and positions by object id.
        return {name: value for name, value in self.__dict__.items()
                if name not in {"_repair", "_weighed", "_position"}}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._set_up_lookups()

    @staticmethod
    def _entry_fields(entry: Entry) -> tuple[list[set[str]], set[str], set[str]]:
        phrasings = [entry_terms(text) for text in (entry.question, entry.label, *entry.aliases) if text]
        tags = set().union(*(entry_terms(tag) for tag in entry.tags))
        answer = set().union(*(entry_terms(point) for point in entry.answer))
        return phrasings, tags, answer

    @staticmethod
    def _inverse_document_frequency(field_terms) -> dict[str, float]:
        frequency: dict[str, int] = defaultdict(int)
        for phrasings, tags, answer in field_terms:
            for term in set().union(*phrasings, tags, answer):
                frequency[term] += 1
        total = len(field_terms)
        return {term: math.log((total + 1) / (count + 0.5)) + 0.1 for term, count in frequency.items()}

    def _index_entry(self, index: int, phrasings: list[set[str]], tags: set[str], answer: set[str]) -> None:
        strengths = dict.fromkeys(answer, ANSWER_STRENGTH)
        strengths.update(dict.fromkeys(tags, TAG_STRENGTH))
        weighed = sorted(((sum(self.weight(term) for term in phrasing), phrasing) for phrasing in phrasings),
                         key=lambda pair: pair[0])
        for number, (_, phrasing) in enumerate(weighed):
            for term in phrasing:
                strengths[term] = PHRASING_STRENGTH
                holders = self._in_phrasing[term]
                holders[index] = holders.get(index, 0) | 1 << number
        for term, strength in strengths.items():
            self._strength[term][index] = strength
        self._phrasing_weights.append([weight for weight, _ in weighed])
        self._lightest.append(min((weight for weight, _ in weighed if weight), default=math.inf))
        self._core_terms.append(self._core_of(phrasings, tags, answer))

    @staticmethod
    def _core_of(phrasings: list[set[str]], tags: set[str], answer: set[str]) -> frozenset[str]:
        """The terms an entry is really about: in its question or tags, in two of its phrasings, or in a
        phrasing and its answer. A word that only one alias happens to use ("senior engineer" in an
        onboarding alias) is no evidence that a question about it belongs here."""
        seen: dict[str, int] = defaultdict(int)
        for phrasing in phrasings:
            for term in phrasing:
                seen[term] += 1
        repeated = {term for term, count in seen.items() if count > 1 or term in answer}
        return frozenset((phrasings[0] if phrasings else set()) | tags | repeated)

    def _vocabulary_words(self) -> dict[str, str]:
        """Every spelling the knowledge uses, with its stem: what a misspelt word is repaired towards."""
        # A misspelt stop word ("shuold") is repaired to nothing rather than counted as an unknown word.
        words = {word: "" for word in STOP_WORDS if len(word) > 4}
        words.update({short: stem(long.split()[-1]) for short, long in ABBREVIATIONS.items() if len(short) > 3})
        for entry in self.entries:
            for text in (entry.question, *entry.aliases, *entry.tags, *entry.answer):
                for word in content_words(text):
                    if len(word) > 3:
                        words.setdefault(word, stem(word))
        return {word: term for word, term in words.items() if term in self._idf or not term}

    def _repair_word(self, word: str) -> str:
        """The knowledge's own term for a misspelt word, or the word's stem when none is close."""
        term = stem(word)
        if term in self._idf or word in GENERIC_WORDS or len(word) < 5 or not word.isalpha():
            return term
        # One slip in a short word, two in a long one; a typo seldom changes the first letter, and holding
        # that keeps real words ("rain", "functor") from being bent into knowledge words ("main", "function").
        allowed = 1 if len(word) < 8 else 2
        candidates = self._words_by_initial.get(word[0], ())
        for found, _, _ in process.extract(word, candidates, scorer=OSA.distance, score_cutoff=allowed, limit=5):
            if is_likely_slip(word, found):
                return self._words[found]
        return term

    def is_about(self, entry: Entry, terms) -> bool:
        """Whether any of `terms` is one the entry is really about (see _core_of)."""
        return not self._core_terms[self._position[id(entry)]].isdisjoint(terms)

    def weight(self, term: str, generic: frozenset[str] | set[str] = frozenset()) -> float:
        if "_" in term:
            first, second = term.split("_", 1)
            known = self._idf.get(term, 0.0)
            return PAIR_SHARE * min(known, self._idf.get(first, self._max_idf) + self._idf.get(second, self._max_idf))
        base = self._idf.get(term, self._max_idf * UNKNOWN_WORD_SHARE)
        return base * GENERIC_WORD_SHARE if term in generic else base

    def rank(self, text: str, limit: int = 5) -> list[Match]:
        """The best entries for `text`, best first, each with a score in 0..100."""
        weights, topical = self._weighed(text)
        return self._score(weights, topical, limit) if topical else []

    def asked_terms(self, text: str) -> set[str]:
        """What `text` names, known to the knowledge or not: its terms (typos repaired) but everyday words ("what",
        "mean"). "what is a kubernetes ingress" names kubernetes and ingress."""
        return {term for word in content_words(text)
                if word not in GENERIC_WORDS and word not in INTERJECTIONS and (term := self._repair(word))}

    def weigh_query(self, text: str) -> tuple[dict[str, float], dict[str, None]]:
        """The query's terms (typos repaired, known word pairs added) with their weights, and which are topical:
        words the knowledge uses that are not everyday words."""
        weights, topical = self._weighed(text)
        return dict(weights), dict(topical)

    def _weigh(self, text: str) -> tuple[dict[str, float], dict[str, None]]:
        repaired = [(word, self._repair(word)) for word in content_words(text)]
        words = [word for word, term in repaired if term]
        terms = [term for word, term in repaired if term]
        generic = {term for word, term in zip(words, terms) if word in GENERIC_WORDS}
        pairs = [term for term in with_pairs(terms)[len(terms):] if term in self._idf]
        topical = dict.fromkeys(term for term in terms if term in self._idf and term not in generic)
        return {term: self.weight(term, generic) for term in dict.fromkeys(terms + pairs)}, topical

    def _score(self, query: dict[str, float], topical: dict[str, None], limit: int) -> list[Match]:
        total = sum(query.values())
        covered = self._coverage(query)
        # Matching phrasings is the costly part; it is worked out only for the entries the question covers best.
        # An entry's best phrasing can only match words the entry holds, so a phrasing match lifts an entry that
        # the coverage already ranks high: on the question sets, the first ten never change. A stable sort keeps
        # entries of equal coverage in the order the question's terms found them.
        shortlist = sorted(covered, key=covered.__getitem__, reverse=True)[:SHORTLIST]
        scores = self._scores(query, total, covered, shortlist[:limit])
        if 0 < limit < len(shortlist):
            # An entry's coverage caps its score (see _may_reach): entries whose cap is below the limit-th score of
            # the best covered cannot be among the best, so their phrasings are not matched. The cap any entry has
            # cuts the list (best covered first) short, then each remaining entry's own cap is checked.
            threshold = min(scores.values()) - SCORE_SLACK
            end = bisect_right(shortlist, -self._coverage_floor(threshold, total), lo=limit,
                               key=lambda index: -covered[index])
            rest = self._may_reach(threshold, shortlist[limit:end], covered, total)
            scores.update(self._scores(query, total, covered, rest))
        # Ties keep the order the question's terms found the entries in, as the coverage does.
        order = dict(zip(covered, range(len(covered))))
        best = sorted(sorted(scores, key=order.__getitem__), key=scores.__getitem__, reverse=True)[:limit]
        matches = []
        for index in best:
            matched = tuple(term for term in topical if term in self._core_terms[index])
            matches.append(Match(self.entries[index], round(scores[index], 1), matched,
                                 round(sum(query[term] for term in matched), 2)))
        return matches

    def _scores(self, query: dict[str, float], total: float, covered: dict[int, float],
                entries: list[int]) -> dict[int, float]:
        best_phrase = self._phrase_closeness(query, total, set(entries))
        return {index: min(100.0, 100 * (COVERAGE_SHARE * covered[index] / total
                                         + (1 - COVERAGE_SHARE) * best_phrase.get(index, 0.0)))
                for index in entries}

    def _may_reach(self, score: float, entries: list[int], covered: dict[int, float], total: float) -> list[int]:
        """The entries that can still reach `score`: an entry's best phrasing holds at most the terms the entry
        covers, and weighs at least as much as its lightest phrasing, which caps the phrasing's closeness."""
        # The score's formula (see _score and _phrase_closeness) with those caps, divided by 100.
        share_rate = (COVERAGE_SHARE + (1 - COVERAGE_SHARE) * QUESTION_SIDE) / total
        fill_rate = (1 - COVERAGE_SHARE) * PHRASING_SIDE
        needed, lightest = score / 100, self._lightest
        return [index for index in entries
                if covered[index] * share_rate + fill_rate * min(1.0, covered[index] / lightest[index]) >= needed]

    @staticmethod
    def _coverage_floor(score: float, total: float) -> float:
        """The least coverage with which any entry can still reach `score` (see _may_reach): the cap of an entry
        whose lightest phrasing the covered terms fill."""
        reach = COVERAGE_SHARE + (1 - COVERAGE_SHARE) * QUESTION_SIDE
        return (score / 100 - (1 - COVERAGE_SHARE) * PHRASING_SIDE) / reach * total

    def _coverage(self, query: dict[str, float]) -> dict[int, float]:
        """How much of the question each entry holds, weighted by where it holds each term."""
        covered: dict[int, float] = defaultdict(float)
        # Rarest terms first: a term found in a large share of entries then only adds to the candidates the
        # rarer terms found, so in a big knowledge base "how" or "vs" does not pull every entry into the ranking.
        common = max(COMMON_POSTINGS, COMMON_SHARE * len(self.entries))
        for term in sorted(query, key=lambda term: len(self._strength.get(term, ()))):
            weight, postings = query[term], self._strength.get(term, {})
            if covered and len(postings) > common:
                # Only entries already covered gain: walk whichever of the two is shorter.
                if len(postings) < len(covered):
                    for index, strength in postings.items():
                        if index in covered:
                            covered[index] += weight * strength
                else:
                    for index in covered:
                        strength = postings.get(index)
                        if strength is not None:
                            covered[index] += weight * strength
            else:
                for index, strength in postings.items():
                    covered[index] += weight * strength
        return covered

    def _phrase_closeness(self, query: dict[str, float], total: float, entries: set[int]) -> dict[int, float]:
        """For each of `entries`, how close its best phrasing is to the question: the question's share of the
        phrasing's words, and the phrasing's share of the question's."""
        # Per entry, its phrasings grouped by the question's terms they hold, as {mask: the terms' weight}: within
        # a group the lightest phrasing is the closest, so one closeness per group is enough.
        groups: dict[int, dict[int, float]] = {}
        for term, weight in query.items():
            holders = self._in_phrasing.get(term)
            if holders:
                for index in holders.keys() & entries:
                    groups[index] = self._split(groups.get(index, {}), holders[index], weight)
        best: dict[int, float] = {}
        for index, found in groups.items():
            weights = self._phrasing_weights[index]
            closest = 0.0
            for group, hit in found.items():
                lightest = weights[(group & -group).bit_length() - 1]
                closeness = QUESTION_SIDE * hit / total + PHRASING_SIDE * hit / (hit if hit > lightest else lightest)
                if closeness > closest:
                    closest = closeness
            best[index] = closest
        return best

    @staticmethod
    def _split(groups: dict[int, float], holding: int, weight: float) -> dict[int, float]:
        """`groups` after a term of `weight` held by the phrasings in mask `holding`."""
        split: dict[int, float] = {}
        for group, hit in groups.items():
            inside = group & holding
            if inside:
                split[inside] = hit + weight
                holding ^= inside
            if inside != group:
                split[group ^ inside] = hit
        if holding:
            split[holding] = weight
        return split
