"""The shipped static model in plain Python: its tokenizer and its table of token vectors, and a text's vector
worked out without numpy, for a one-off command that asks one question and should not pay numpy's import.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.knowledge import Entry
from ..prepared import PACKAGE, PreparedCache, code_fingerprint
from . import EXACT_UP_TO, ModelError
from .table import read_table
from .wordpiece import WordPiece

if TYPE_CHECKING:
    import numpy as np

MODEL_FOLDER = Path(__file__).resolve().parent / "model"
# The matcher reads 500 characters of a message; the model reads no more either (a pasted log costs nothing).
MAX_CHARS = 500


class Model:
    def __init__(self, folder: Path = MODEL_FOLDER):
        self.tokenizer = WordPiece(folder / "tokenizer.json")
        self.table = read_table(folder / "model.safetensors")
        self.dimensions = self.table.dimensions
        if max(self.tokenizer.vocabulary.values(), default=0) >= self.table.rows:
            raise ModelError(f"{folder}: the tokenizer has more tokens than the table has rows ({self.table.rows})")

    def token_ids(self, text: str) -> list[int]:
        """The text's tokens, less the unknown one: it stands for "a word the model never saw", and averaging it
        in only blurs the text."""
        unknown = self.tokenizer.unknown
        return [token for token in self.tokenizer.ids(text[:MAX_CHARS]) if token != unknown]

    def vector(self, text: str) -> list[float]:
        """The text's vector of length 1 (all zeros when no token is known): the mean of its tokens' rows."""
        rows = [self.table.row(token) for token in self.token_ids(text)]
        if not rows:
            return [0.0] * self.dimensions
        sums = [math.fsum(column) for column in zip(*rows)]
        length = math.sqrt(math.fsum(value * value for value in sums)) or 1.0
        return [value / length for value in sums]


def phrasing_groups(entries: list[Entry]) -> list[list[str]]:
    """Each entry's phrasings: its question, label, aliases and examples."""
    return [[entry.question, *([entry.label] if entry.label else []), *entry.aliases, *entry.examples]
            for entry in entries]


def kept_vectors(cache: PreparedCache, kind: str, texts: list[str], model_folder: Path,
                 embed: Callable[[list[str]], "np.ndarray"]) -> bytes:
    """`embed(texts)` as float32 rows one after another, loaded from an earlier run when the texts, the code and the
    model in `model_folder` are the same."""
    key = "\n".join((repr(texts), code_fingerprint(PACKAGE / "semantic", model_folder)))
    return cache.get(kind, key, lambda: embed(texts).astype("<f4").tobytes())


@dataclass(frozen=True)
class Phrasings:
    """Every entry's every phrasing (its question, label, aliases and examples), one after another (`texts`), how
    many each entry has (`counts`), their vectors and the entries' profiles (profile.py), each as float32 rows one
    after another; no profiles for a knowledge of more than EXACT_UP_TO entries."""

    texts: list[str]
    counts: list[int]
    vectors: bytes
    profiles: bytes | None


def phrasing_vectors(entries: list[Entry], model: Model, cache: PreparedCache,
                     embed: Callable[[list[str]], "np.ndarray"] | None = None) -> Phrasings:
    """The entries' Phrasings. When no earlier run kept the vectors and profiles they are worked out with numpy,
    which is then imported; the vectors with `embed`, by default the static model's (embedding.py)."""
    groups = phrasing_groups(entries)

    def embed_all(texts: list[str]) -> "np.ndarray":
        from .embedding import Embedder

        return Embedder(model).embed(texts)

    texts = [text for group in groups for text in group]
    counts = [len(group) for group in groups]

    def fit(vectors: bytes) -> bytes:
        import numpy as np

        from .profile import fit_profiles

        rows = np.frombuffer(vectors, dtype="<f4").reshape(-1, model.dimensions)
        return fit_profiles(rows, np.array(counts, dtype=np.int64)).astype("<f4").tobytes()

    data = kept_vectors(cache, "vectors", texts, MODEL_FOLDER, embed or embed_all)
    if len(entries) > EXACT_UP_TO:
        return Phrasings(texts, counts, data, None)
    # The grouping is part of the key: the same texts split otherwise between entries fit other profiles.
    key = "\n".join((repr(texts), repr(counts), code_fingerprint(PACKAGE / "semantic", MODEL_FOLDER)))
    return Phrasings(texts, counts, data, cache.get("profiles", key, lambda: fit(data)))
