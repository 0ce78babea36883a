"""Ranks knowledge entries for a question: IDF-weighted coverage of its words, with typo repair."""

import math
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from .knowledge import Entry, KnowledgeBase
from .text import STOP_WORDS, stem, to_terms, tokenise

# How much a query word counts when found only in a weaker part of an entry.
PHRASING_STRENGTH = 1.0
TAG_STRENGTH = 0.7
ANSWER_STRENGTH = 0.4
# A word the knowledge never uses still counts against coverage, a little less than the rarest known word:
# "how do I bake bread" must not look like a strong match for an entry that only shares "how".
UNKNOWN_WORD_SHARE = 0.8
TYPO_CUTOFF = 84


@dataclass(frozen=True)
class Match:
    entry: Entry
    score: float


@dataclass
class _Phrasing:
    entry_index: int
    weight: float


class Matcher:
    def __init__(self, knowledge: KnowledgeBase):
        self.entries = knowledge.entries
        field_terms = [self._entry_fields(entry) for entry in self.entries]
        self._idf = self._inverse_document_frequency(field_terms)
        self._max_idf = max(self._idf.values(), default=1.0)
        self._strength: dict[str, list[tuple[int, float]]] = defaultdict(list)
        self._in_phrasing: dict[str, list[int]] = defaultdict(list)
        self._phrasings: list[_Phrasing] = []
        for index, (phrasings, tags, answer) in enumerate(field_terms):
            self._index_entry(index, phrasings, tags, answer)
        self._words = self._vocabulary_words()
        self._repair = lru_cache(maxsize=20_000)(self._repair_word)

    @staticmethod
    def _entry_fields(entry: Entry) -> tuple[list[set[str]], set[str], set[str]]:
        phrasings = [set(to_terms(text)) for text in (entry.question, entry.label, *entry.aliases) if text]
        tags = {term for tag in entry.tags for term in to_terms(tag)}
        answer = set(to_terms(" ".join(entry.answer)))
        return phrasings, tags, answer

    def _inverse_document_frequency(self, field_terms) -> dict[str, float]:
        frequency: dict[str, int] = defaultdict(int)
        for phrasings, tags, answer in field_terms:
            for term in set().union(*phrasings, tags, answer):
                frequency[term] += 1
        total = len(field_terms)
        return {term: math.log((total + 1) / (count + 0.5)) + 0.1 for term, count in frequency.items()}

    def _index_entry(self, index: int, phrasings: list[set[str]], tags: set[str], answer: set[str]) -> None:
        strengths: dict[str, float] = {}
        for term in answer:
            strengths[term] = ANSWER_STRENGTH
        for term in tags:
            strengths[term] = TAG_STRENGTH
        for phrasing in phrasings:
            phrasing_index = len(self._phrasings)
            self._phrasings.append(_Phrasing(index, sum(self._idf[term] for term in phrasing)))
            for term in phrasing:
                strengths[term] = PHRASING_STRENGTH
                self._in_phrasing[term].append(phrasing_index)
        for term, strength in strengths.items():
            self._strength[term].append((index, strength))

    def _vocabulary_words(self) -> dict[str, str]:
        words: dict[str, str] = {}
        for entry in self.entries:
            for text in (entry.question, *entry.aliases, *entry.tags, *entry.answer):
                for word in tokenise(text):
                    if word not in STOP_WORDS and len(word) > 3:
                        words.setdefault(word, stem(word))
        return words

    def _repair_word(self, word: str) -> str:
        """The knowledge's own term for a misspelt word, or the word's stem when none is close."""
        term = stem(word)
        if term in self._idf or len(word) < 5 or not word.isalpha():
            return term
        found = process.extractOne(word, self._words.keys(), scorer=fuzz.ratio, score_cutoff=TYPO_CUTOFF)
        return self._words[found[0]] if found else term

    def query_terms(self, text: str) -> list[str]:
        terms = [self._repair(word) for word in tokenise(text) if word not in STOP_WORDS and len(word) > 1]
        return list(dict.fromkeys(terms))

    def _weight(self, term: str) -> float:
        return self._idf.get(term, self._max_idf * UNKNOWN_WORD_SHARE)

    def rank(self, text: str, limit: int = 5) -> list[Match]:
        """The best entries for `text`, best first, each with a score in 0..100."""
        terms = self.query_terms(text)
        total = sum(self._weight(term) for term in terms)
        if not any(term in self._idf for term in terms):
            return []
        covered: dict[int, float] = defaultdict(float)
        phrase_hits: dict[int, float] = defaultdict(float)
        for term in terms:
            weight = self._weight(term)
            for index, strength in self._strength.get(term, ()):
                covered[index] += weight * strength
            for phrasing_index in self._in_phrasing.get(term, ()):
                phrase_hits[phrasing_index] += weight
        best_phrase: dict[int, float] = defaultdict(float)
        for phrasing_index, hit in phrase_hits.items():
            phrasing = self._phrasings[phrasing_index]
            closeness = 0.7 * hit / total + 0.3 * hit / max(phrasing.weight, hit)
            if closeness > best_phrase[phrasing.entry_index]:
                best_phrase[phrasing.entry_index] = closeness
        scored = [
            Match(self.entries[index], round(100 * (0.55 * value / total + 0.45 * best_phrase[index]), 1))
            for index, value in covered.items()
        ]
        scored.sort(key=lambda match: -match.score)
        return scored[:limit]
