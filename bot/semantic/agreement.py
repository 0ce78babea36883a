"""An entry's closeness to a question, from the cosines of the question to each of the entry's phrasings: half the
best cosine, half the mean of the best three.

The best alone lets one phrasing that shares a word with the question by accident pull its entry up; an entry whose
several phrasings are all close is the one the question is about. On the seen question sets this put the right entry
first for 5 more blind in-scope lines in a hundred with the static model, 2 more with the transformer (README, "How
matching works"). An entry with fewer than three phrasings is judged on those it has. The entry's profile
(profile.py), how its phrasings lie all together, is weighed beside this; the sum is scaled back to at most 1.
"""

import heapq
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

BEST_SHARE = 0.5
AGREEING = 3
# An entry's profile score (profile.py), capped at 1, weighs this much beside its closeness from the cosines: set on
# the seen sets with the blends' bars.
PROFILE_SHARE = 0.1
# Padded rows are used while they hold at most this many cells per cosine (see group_closeness).
PADDED_CELLS = 4


def entry_closeness(cosines: Iterable[float]) -> float:
    """One entry's closeness from its phrasings' cosines (at least one), in plain Python."""
    best = heapq.nlargest(AGREEING, cosines)
    return BEST_SHARE * best[0] + (1 - BEST_SHARE) * sum(best) / len(best)


def group_closeness(cosines: "np.ndarray", lengths) -> "np.ndarray":
    """`entry_closeness` of each group of `cosines`, the groups lying one after another with `lengths` (each at least
    one), without a loop over the groups."""
    import numpy as np

    lengths = np.asarray(lengths, dtype=np.int64)
    starts = np.cumsum(lengths) - lengths
    width = max(AGREEING, int(lengths.max()))
    if width * len(lengths) <= PADDED_CELLS * len(cosines):
        # One row per group, padded with -inf past its end: the best three of every row at once.
        columns = np.arange(width)
        rows = np.where(columns < lengths[:, None], starts[:, None] + columns, len(cosines))
        best = -np.partition(-np.append(cosines, -np.inf)[rows], AGREEING - 1, axis=1)[:, :AGREEING]
        first = best.max(axis=1)
        return BEST_SHARE * first + (1 - BEST_SHARE) * np.where(np.isfinite(best), best, 0.0).sum(axis=1) / \
            np.minimum(lengths, AGREEING)
    # A group far longer than the others would make the padded rows mostly padding: sort within groups instead.
    groups = np.repeat(np.arange(len(lengths)), lengths)
    # Best first within each group; the groups stay in their order, as they are already sorted by group.
    ranked = cosines[np.lexsort((-cosines, groups))]
    top = np.arange(len(cosines)) - np.repeat(starts, lengths) < AGREEING
    sums = np.bincount(groups[top], weights=ranked[top], minlength=len(lengths))
    return BEST_SHARE * ranked[starts] + (1 - BEST_SHARE) * sums / np.minimum(lengths, AGREEING)


def with_profile(closeness: float, profile: float) -> float:
    """An entry's closeness with its profile's score weighed in: at most 1, as a cosine is."""
    return (closeness + PROFILE_SHARE * min(profile, 1.0)) / (1 + PROFILE_SHARE)


def group_with_profiles(closeness: "np.ndarray", profiles: "np.ndarray") -> "np.ndarray":
    """`with_profile` of each entry, without a loop."""
    import numpy as np

    return (closeness + PROFILE_SHARE * np.minimum(profiles, 1.0)) / (1 + PROFILE_SHARE)
