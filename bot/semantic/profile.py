"""Each entry's profile: the direction its phrasings point in, less the directions every entry's phrasings share.

Closeness (agreement.py) asks which entry has a phrasing or three near the question. A profile asks which entry's
phrasings, all of them together, lie the way the question lies once what all backend talk has in common is
discounted ("our service", "in prod", "how do we"): a linear score per entry, fitted to the whole knowledge's
phrasings at once by ridge regression, each phrasing to score 1 for its own entry and 0 for the others. Every entry
weighs the same in the fit however many phrasings it has, so a team's entry with a question and two aliases is not
drowned by one with sixty examples. The fit is one solve of a square system one larger than the model's
dimensions (257 by 257), about 10 ms for the shipped knowledge, and is kept in the prepared cache beside the
phrasings' vectors.

A profile is weighed beside the closeness (agreement.PROFILE_SHARE). On the seen sets' blind in-scope lines the
static model's profiles alone put the right entry first for 86% of them, its closeness alone for 78%; weighed
together, with the bars set anew, the fused matcher answers more of those lines right and fewer wrong (README, "How
matching works"). A profile is no judge of what is not ours: a linear score can be as high for a question far from
every entry as for one near it, which is why it only adds to the closeness, never stands alone.

Only a knowledge of up to EXACT_UP_TO entries (bot/semantic) has profiles. A linear score over the model's 256
dimensions cannot keep thousands of entries apart: at 10,000 synthetic entries it put the right entry first less
often (84% of the benchmark's questions with them, 86% without), and their fit took half a second a build.
"""

import numpy as np

# How strongly the fit is pulled towards small weights; from 0.3 to 3 the seen sets' figures hardly move.
RIDGE = 1.0
# Phrasing rows summed into the fit at a time: weighing thousands at once would copy them all.
CHUNK = 8_192


def fit_profiles(vectors: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """One row per entry (its phrasings lying one after another in `vectors`, `counts` of them each): the weight of
    each of the model's dimensions, then a constant. An entry's score is its row · [question's vector, 1]."""
    entries, dimensions = len(counts), vectors.shape[1]
    if not entries:
        return np.zeros((0, dimensions + 1), dtype=np.float32)
    counts = np.asarray(counts, dtype=np.int64)
    # Each phrasing weighs 1 / its entry's count, scaled so that the weights add up to the number of phrasings.
    share = len(vectors) / entries
    weights = np.repeat(share / counts, counts)
    gram = np.zeros((dimensions + 1, dimensions + 1))
    for start in range(0, len(vectors), CHUNK):
        # Each slice's products in float32 (twice as fast), summed across slices in float64.
        rows = vectors[start:start + CHUNK]
        weighed = rows * weights[start:start + CHUNK, None].astype(np.float32)
        gram[:dimensions, :dimensions] += weighed.T @ rows
        gram[:dimensions, dimensions] += weighed.sum(axis=0, dtype=np.float64)
    gram[dimensions, :dimensions] = gram[:dimensions, dimensions]
    gram[dimensions, dimensions] = weights.sum()
    gram += RIDGE * np.eye(dimensions + 1)
    # What each entry's phrasings should score: 1 for their own entry, weighed as above, summed per entry.
    starts = np.cumsum(counts) - counts
    means = np.add.reduceat(vectors, starts, axis=0).astype(np.float64) / counts[:, None]
    targets = share * np.hstack([means, np.ones((entries, 1))])
    return np.linalg.solve(gram, targets.T).T.astype(np.float32)

