"""A third signal from a sentence transformer: all-MiniLM-L6-v2, the model the static one was distilled from,
exported whole to ONNX with 8-bit weights (bot/semantic/minilm/, rebuilt by build_transformer.py) and run with
onnxruntime. `BOT_MATCHER=transformer`, installed with `pip install 'backend-bot[transformer]'`.

It reads a question as a whole, word order and all, where the static model averages its words; that tells "asks
about this entry in other words" from "shares a word with it" better than anything else measured here. It is
weighed beside words and the static model (see bot/core/fusion.py, WITH_TRANSFORMER).
"""

import importlib.util
from collections.abc import Collection, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..core.fusion import NEAREST, Opinion
from ..core.knowledge import Entry
from ..prepared import PreparedCache
from . import ModelError
from .agreement import group_closeness
from .embedding import KnownPhrasings
from .model import kept_vectors, phrasing_groups
from .wordpiece import WordPiece

FOLDER = Path(__file__).resolve().parent / "minilm"
EXTRA = "pip install 'backend-bot[transformer]'"
# The model's own limit, its start and end tokens included; a text is cut well past it (256 tokens are rarely
# over 1,200 characters) before it is split, so a pasted log costs no more than a long question.
MAX_TOKENS = 256
MAX_CHARS = 1_500


def require_runtime() -> None:
    """Raises ModelError, saying how to install it, when onnxruntime is missing."""
    if importlib.util.find_spec("onnxruntime") is None:
        raise ModelError(f"BOT_MATCHER=transformer needs onnxruntime: {EXTRA}")


class Transformer:
    def __init__(self, folder: Path = FOLDER):
        require_runtime()
        import onnxruntime

        self.tokenizer = WordPiece(folder / "tokenizer.json")
        self.start, self.end = self.tokenizer.vocabulary["[CLS]"], self.tokenizer.vocabulary["[SEP]"]
        options = onnxruntime.SessionOptions()
        # One question at a time, beside the bot's other work on a small machine: one thread is the fastest.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        try:
            self.session = onnxruntime.InferenceSession(str(folder / "model.onnx"), options,
                                                        providers=["CPUExecutionProvider"])
        except Exception as error:  # onnxruntime raises its own types for a missing or damaged file
            raise ModelError(f"cannot load the transformer {folder / 'model.onnx'}: {error}") from error
        self.dimensions = self.session.get_outputs()[0].shape[-1]
        # A phrasing taught in chat then costs one text, not the seconds of all of them.
        self.phrasings = KnownPhrasings(self.embed, self.dimensions)
        self._not_ours: np.ndarray | None = None

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One row of length 1 per text. Each text is run on its own: the 8-bit model scales its activations by
        what else is in the batch, so batched texts would move by ~1% with their neighbours (twice as fast, but a
        phrasing's vector would depend on what it was built with, and differ from a question's)."""
        vectors = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for row, text in enumerate(texts):
            ids = np.array([[self.start, *self.tokenizer.ids(text[:MAX_CHARS])[:MAX_TOKENS - 2], self.end]])
            vectors[row] = self.session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})[0][0]
        return vectors

    def not_ours_vectors(self, cache: PreparedCache) -> np.ndarray:
        """The vectors of the messages not for the bot (not_ours_messages): worked out once per process, so that a
        knowledge reload without a cache does not embed all 400 again."""
        if self._not_ours is None:
            messages = not_ours_messages()
            data = kept_vectors(cache, "not-ours", messages, FOLDER, self.embed)
            self._not_ours = np.frombuffer(data, dtype="<f4").reshape(len(messages), -1)
        return self._not_ours


class SecondOpinion:
    """How close the transformer finds a question to each entry (from its phrasings, see agreement.py) and to the
    messages known not to be for the bot; asked like a Closeness (bot/core/fusion.py)."""

    def __init__(self, entries: list[Entry], model: Transformer, cache: PreparedCache = PreparedCache(None)):
        self.model = model
        groups = phrasing_groups(entries)
        texts = [text for group in groups for text in group]
        data = kept_vectors(cache, "transformer", texts, FOLDER, model.phrasings.embed)
        self.vectors = np.frombuffer(data, dtype="<f4").reshape(len(texts), -1) if texts else None
        if self.vectors is not None:
            model.phrasings.remember(texts, self.vectors)
        self.counts = np.array([len(group) for group in groups], dtype=np.int64)
        self.not_ours = model.not_ours_vectors(cache)
        # A reply asks about one question more than once (to rank it, then to list suggestions).
        self._read = lru_cache(maxsize=16)(self._closeness)

    def __call__(self, text: str, among: Collection[int] = (), nearest: int = NEAREST) -> Opinion:
        if self.vectors is None:
            return Opinion()
        closeness, not_ours = self._read(text)
        count = min(nearest, len(closeness))
        closest = np.argpartition(-closeness, count - 1)[:count].tolist() if count else []
        return Opinion({index: float(closeness[index]) for index in {*closest, *among}}, not_ours)

    def _closeness(self, text: str) -> tuple[np.ndarray, float]:
        question = self.model.embed([text])[0]
        not_ours = 0.0
        if len(self.not_ours):
            not_ours = float(group_closeness(self.not_ours @ question, [len(self.not_ours)])[0])
        return group_closeness(self.vectors @ question, self.counts), not_ours


def not_ours_messages() -> list[str]:
    """Messages a backend-knowledge bot should not answer, one a line (written for the purpose, not taken from any
    question set): the team's own facts and logistics, tool manuals, other meanings of backend words, other
    subjects, chat."""
    path = FOLDER / "not-ours.txt"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise ModelError(f"cannot read {path}: {getattr(error, 'strerror', None) or error} (reinstall the package)") \
            from None
    return [line.strip() for line in lines if line.strip()]
