"""How close in meaning a question is to each entry, from its cosines to the entry's phrasings (see agreement.py)."""

from collections.abc import Collection
from functools import lru_cache

import numpy as np

from ..core.knowledge import Entry
from ..prepared import PreparedCache
from . import EXACT_UP_TO
from .agreement import group_closeness, group_with_profiles
from .embedding import Embedder
from .model import phrasing_vectors

# Beyond EXACT_UP_TO entries, entries are shortlisted first by their mean phrasing over the model's leading
# dimensions (it is a PCA model: they carry most of the meaning), one short row per entry instead of ~5 to 50 full
# ones, and only the shortlist is compared in full. The shortlist is generous, so the nearest few are almost always
# in it; 10,000 entries then cost about as much as a few hundred.
SHORTLIST = 100
ROUGH_DIMENSIONS = 64


class SemanticIndex:
    """Built once per knowledge base. `closeness(text, among, nearest)` gives cosines for the `nearest` entries
    closest to the text and for each entry position in `among` (the word matcher's candidates)."""

    def __init__(self, entries: list[Entry], embedder: Embedder, cache: PreparedCache = PreparedCache(None)):
        self.embedder = embedder
        # A reply may ask about one question more than once (to check an answer, then to rank suggestions).
        self._embedded = lru_cache(maxsize=16)(embedder.embed_one)
        # Embedded anew, after a reload, are only the phrasings the knowledge before did not have.
        phrasings = phrasing_vectors(entries, embedder.model, cache, embedder.phrasings.embed)
        self.vectors = np.frombuffer(phrasings.vectors, dtype="<f4").reshape(-1, embedder.dimensions)
        embedder.phrasings.remember(phrasings.texts, self.vectors)
        # Only a knowledge compared in full has profiles (see profile.py).
        self.profiles = (None if phrasings.profiles is None
                         else np.frombuffer(phrasings.profiles, dtype="<f4").reshape(-1, embedder.dimensions + 1))
        self.counts = counts = np.array(phrasings.counts, dtype=np.int64)
        self.starts = np.r_[0, np.cumsum(counts)[:-1]] if len(counts) else counts
        self.size = len(entries)
        self.rough = None
        if self.size > EXACT_UP_TO:
            sums = np.add.reduceat(self.vectors[:, :ROUGH_DIMENSIONS], self.starts, axis=0)
            self.rough = sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)

    def closeness(self, text: str, among: Collection[int] = (), nearest: int = 5) -> dict[int, float]:
        if not self.size:
            return {}
        query = self._embedded(text)
        if self.rough is None:
            # Few entries: comparing with every phrasing at once costs less than picking out the rows wanted.
            best = group_with_profiles(group_closeness(self.vectors @ query, self.counts), self._profile_scores(query))
            if nearest >= self.size:
                return {index: float(value) for index, value in enumerate(best.tolist())}
            closest = np.argpartition(-best, nearest)[:nearest].tolist() if nearest else []
            return {int(index): float(best[index]) for index in {*closest, *among}}
        if nearest == 0:
            # Only the word matcher's candidates are to be compared: no need to look at the other entries at all.
            wanted = np.array(sorted(set(among)), dtype=np.int64)
            return dict(zip(wanted.tolist(), self._best_of(wanted, query).tolist())) if len(wanted) else {}
        shortlist = np.argpartition(-(self.rough @ query[:ROUGH_DIMENSIONS]), SHORTLIST)[:SHORTLIST]
        # A hundred-odd positions: Python's set and sort cost less than numpy's union here.
        wanted = np.array(sorted({*shortlist.tolist(), *among}), dtype=np.int64)
        best = self._best_of(wanted, query)
        closest = wanted[np.argpartition(-best, nearest)[:nearest]] if len(wanted) > nearest else wanted
        found = dict(zip(wanted.tolist(), best.tolist()))
        return {int(index): found[index] for index in {*closest.tolist(), *among}}

    def _best_of(self, wanted: np.ndarray, query: np.ndarray) -> np.ndarray:
        """Each wanted entry's closeness, from its phrasings' rows, one run per entry, without a loop (a knowledge
        this large has no profiles)."""
        lengths = self.counts[wanted]
        segments = np.cumsum(lengths) - lengths
        rows = np.arange(lengths.sum()) + np.repeat(self.starts[wanted] - segments, lengths)
        return group_closeness(self.vectors[rows] @ query, lengths)

    def _profile_scores(self, query: np.ndarray) -> np.ndarray | float:
        """Every entry's profile score (profile.py); 0 for a text without a known token, which points nowhere (its
        scores would be the fit's constants alone), and for a knowledge without profiles."""
        if self.profiles is None or not query.any():
            return 0.0
        return self.profiles[:, :-1] @ query + self.profiles[:, -1]
