"""Embeds text with the shipped static model, with numpy: every text of a knowledge base at once, and questions.

The model is a model2vec distillation of all-MiniLM-L6-v2 (see build_model.py): one vector per subword token,
so a text's vector is the mean of its tokens' vectors, scaled to length 1. No torch, no transformer at run time.
"""

from collections.abc import Callable

import numpy as np

from .model import MODEL_FOLDER, Model
# Texts embedded at once when indexing: the token rows of 10,000 entries' phrasings gathered in one go would take
# over half a gigabyte; in slices of this many they take a few megabytes, at the same speed.
BATCH = 1_000


class KnownPhrasings:
    """The vectors of the knowledge's phrasings as last built, by text: a rebuild after a phrasing is taught or a file
    is edited embeds only the texts the last knowledge did not have, not all of them again. A text's vector does not
    depend on the texts embedded beside it, so the rows are the same as a full build's. Only the current knowledge's
    are kept."""

    def __init__(self, embed: Callable[[list[str]], np.ndarray], dimensions: int):
        self._embed, self.dimensions = embed, dimensions
        self.vectors: dict[str, np.ndarray] = {}

    def embed(self, texts: list[str]) -> np.ndarray:
        missing = [text for text in dict.fromkeys(texts) if text not in self.vectors]
        known = {**self.vectors, **dict(zip(missing, self._embed(missing)))} if missing else self.vectors
        return np.array([known[text] for text in texts], dtype=np.float32).reshape(len(texts), self.dimensions)

    def remember(self, texts: list[str], vectors: np.ndarray) -> None:
        self.vectors = dict(zip(texts, vectors))


class Embedder:
    def __init__(self, model: Model | None = None):
        self.model = model or Model(MODEL_FOLDER)
        table = self.model.table
        # Kept as stored (float16 halves the file); only the rows a text uses are widened, at embedding time.
        self.table = np.frombuffer(table.buffer, dtype="<f2" if table.kind == "F16" else "<f4").reshape(
            table.rows, table.dimensions)
        self.dimensions = table.dimensions
        self.phrasings = KnownPhrasings(self.embed, self.dimensions)

    def embed_one(self, text: str) -> np.ndarray:
        """The vector of one text: a question as it arrives (the batch path costs more for a single text)."""
        ids = self.model.token_ids(text)
        if not ids:
            return np.zeros(self.dimensions, dtype=np.float32)
        vector = self.table[ids].mean(axis=0, dtype=np.float32)
        return vector / max(float(np.sqrt(vector @ vector)), 1e-12)

    def embed(self, texts: list[str]) -> np.ndarray:
        """One row of length 1 per text (all zeros for a text with no known token)."""
        if len(texts) > BATCH:
            return np.concatenate([self.embed(texts[start:start + BATCH]) for start in range(0, len(texts), BATCH)])
        token_lists = [self.model.token_ids(text) for text in texts]
        vectors = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        rows = [row for row, tokens in enumerate(token_lists) if tokens]
        if rows:
            # One gather and one segmented sum for all texts: a knowledge base's thousands of phrasings at once.
            ids = np.fromiter((token for row in rows for token in token_lists[row]), dtype=np.int64)
            counts = np.array([len(token_lists[row]) for row in rows])
            starts = np.r_[0, np.cumsum(counts)[:-1]]
            sums = np.add.reduceat(self.table[ids].astype(np.float32), starts, axis=0)
            vectors[rows] = sums / counts[:, None]
        lengths = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(lengths == 0, 1.0, lengths)
