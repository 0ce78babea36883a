"""Loads the shipped static embedding model (numpy, tokenizers and safetensors only) and embeds text with it.

The model is a model2vec distillation of all-MiniLM-L6-v2 (see build_model.py): one vector per subword token,
so a text's vector is the mean of its tokens' vectors, scaled to length 1. No torch, no transformer at run time.
"""

from pathlib import Path

import numpy as np
from safetensors.numpy import load_file
from tokenizers import Tokenizer

from . import ModelError

MODEL_FOLDER = Path(__file__).resolve().parent / "model"
# The matcher reads 500 characters of a message; the model reads no more either (a pasted log costs nothing).
MAX_CHARS = 500
# Texts embedded at once when indexing: the token rows of 10,000 entries' phrasings gathered in one go would take
# over half a gigabyte; in slices of this many they take a few megabytes, at the same speed.
BATCH = 1_000


class Embedder:
    def __init__(self, folder: Path = MODEL_FOLDER):
        try:
            self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
            tensors = load_file(str(folder / "model.safetensors"))
        except Exception as error:  # tokenizers and safetensors raise their own types for a bad file
            raise ModelError(f"cannot load the semantic model in {folder}: {error}") from error
        if "embeddings" not in tensors:
            raise ModelError(f"{folder / 'model.safetensors'} holds no embeddings table")
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        # Kept as stored (float16 halves the file); only the rows a text uses are widened, at embedding time.
        self.table = tensors["embeddings"]
        self.dimensions = self.table.shape[1]
        # The unknown token stands for "a word the model never saw"; averaging it in only blurs the text.
        self._unknown = self.tokenizer.token_to_id("[UNK]")

    def embed_one(self, text: str) -> np.ndarray:
        """The vector of one text: a question as it arrives (the batch path costs more for a single text)."""
        ids = [token for token in self.tokenizer.encode(text[:MAX_CHARS], add_special_tokens=False).ids
               if token != self._unknown]
        if not ids:
            return np.zeros(self.dimensions, dtype=np.float32)
        vector = self.table[ids].mean(axis=0, dtype=np.float32)
        return vector / max(float(np.sqrt(vector @ vector)), 1e-12)

    def embed(self, texts: list[str]) -> np.ndarray:
        """One row of length 1 per text (all zeros for a text with no known token)."""
        if len(texts) > BATCH:
            return np.concatenate([self.embed(texts[start:start + BATCH]) for start in range(0, len(texts), BATCH)])
        encodings = self.tokenizer.encode_batch([text[:MAX_CHARS] for text in texts], add_special_tokens=False)
        token_lists = [[token for token in encoding.ids if token != self._unknown] for encoding in encodings]
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
