"""Closeness in meaning in plain Python, for a command that asks a question or two of a small knowledge base: the
same cosines and profile scores as index.py (to float rounding), without importing numpy. A question the word
rules do not settle compares itself with every phrasing, about 50 ms for the 2,907 phrasings (examples included)
of the shipped knowledge, so `serve` and bulk commands use index.py.
"""

import heapq
import sys
from array import array
from collections.abc import Collection
from operator import mul

from ..core.knowledge import Entry
from ..prepared import PreparedCache
from .agreement import entry_closeness, with_profile
from .model import Model, phrasing_vectors


class PlainIndex:
    def __init__(self, entries: list[Entry], model: Model, cache: PreparedCache = PreparedCache(None)):
        self.model = model
        phrasings = phrasing_vectors(entries, model, cache)
        width = model.dimensions
        self.groups: list[list[memoryview]] = []
        start = 0
        rows = _rows(phrasings.vectors, width)
        for count in phrasings.counts:
            self.groups.append(rows[start:start + count])
            start += count
        # Each entry's profile: its weights for the model's dimensions, then a constant (profile.py); none for a
        # knowledge too large to be compared in full, which this index is not built for anyway.
        self.profiles = _rows(phrasings.profiles, width + 1) if phrasings.profiles is not None else None

    def closeness(self, text: str, among: Collection[int] = (), nearest: int = 5) -> dict[int, float]:
        if not self.groups:
            return {}
        query = self.model.vector(text)
        wanted = set(among) if nearest == 0 else range(len(self.groups))
        # A text without a known token points nowhere: no profile scores (as in index.py).
        profiled = self.profiles is not None and any(query)
        best = {index: with_profile(entry_closeness(sum(map(mul, query, row)) for row in self.groups[index]),
                                    self._profile_score(index, query) if profiled else 0.0) for index in wanted}
        closest = heapq.nlargest(nearest, best, key=best.__getitem__) if nearest else []
        return {index: best[index] for index in {*closest, *among}}

    def _profile_score(self, index: int, query: list[float]) -> float:
        profile = self.profiles[index]
        return sum(map(mul, query, profile)) + profile[-1]


def _rows(data: bytes, width: int) -> list[memoryview]:
    """Float32 rows of `width`, read in place: turning them into lists of floats first costs more than a question's
    comparisons. The bytes are little-endian; a big-endian machine reads a swapped copy."""
    values = memoryview(data).cast("f") if sys.byteorder == "little" else memoryview(_swapped(data))
    return [values[row * width:(row + 1) * width] for row in range(len(values) // width)] if width else []


def _swapped(data: bytes) -> array:
    values = array("f", data)
    values.byteswap()
    return values
