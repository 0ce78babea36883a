"""Meaning beside words: a static sentence-embedding model shipped with the package, and per-entry closeness.

Imported only for the fused matcher (BOT_MATCHER, the default); `BOT_MATCHER=lexical` loads no model. The model
and each knowledge base's index load on a background thread, so they overlap with reading the knowledge files
and building the word index; the first question waits for them only if they are not ready yet. Comparing with
numpy (index.py) is fast per question but importing numpy takes a good 0.15 s, so a command that asks a question
or two of a small knowledge base compares in plain Python (plain.py) instead; both give the same cosines.
"""

from concurrent.futures import Future, ThreadPoolExecutor
from functools import lru_cache

from ..core.fusion import NEAREST, Closeness, SecondOpinion
from ..core.knowledge import Entry
from ..prepared import PreparedCache


class ModelError(Exception):
    """The model files are missing or unreadable; the message is for a person."""


# Up to this many entries every phrasing is compared with the question, and plain Python may do it.
EXACT_UP_TO = 200
# One worker: the model loads first, then each index in turn, without racing each other for the two cores.
_loader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="semantic-model")


@lru_cache(maxsize=1)
def start_loading() -> Future:
    """Starts loading the model's tokenizer and table (once per process) and returns its future."""
    from .model import Model

    return _loader.submit(Model)


@lru_cache(maxsize=1)
def _embedder():
    from .embedding import Embedder

    return Embedder(start_loading().result())


def closeness_for(entries: list[Entry], cache: PreparedCache = PreparedCache(None), plain: bool = False) -> Closeness:
    """A ClosenessFactory (see bot.core.fusion): closeness in meaning of a question to each of `entries`; the
    entries' vectors come from `cache` when an earlier run embedded the same phrasings with the same model.
    `plain` is for a command that asks only a question or two: see above."""
    model = start_loading()  # first in the worker's queue, so the index below never waits on its own thread
    if plain and len(entries) <= EXACT_UP_TO:
        from .plain import PlainIndex

        index = _loader.submit(lambda: PlainIndex(entries, model.result(), cache))
    else:
        from .index import SemanticIndex

        index = _loader.submit(lambda: SemanticIndex(entries, _embedder(), cache))
    return lambda text, among, nearest: index.result().closeness(text, among, nearest)


@lru_cache(maxsize=1)
def _transformer() -> Future:
    from .transformer import Transformer

    return _loader.submit(Transformer)


def second_opinion_for(entries: list[Entry], cache: PreparedCache = PreparedCache(None)) -> SecondOpinion:
    """An OpinionFactory (see bot.core.fusion): how close the sentence transformer finds a question to the entries.
    Raises ModelError at once when onnxruntime is not installed; the model and its index load on the worker."""
    from .transformer import SecondOpinion as Opinion, require_runtime

    require_runtime()
    model = _transformer()
    index = _loader.submit(lambda: Opinion(entries, model.result(), cache))
    return lambda text, among=(), nearest=NEAREST: index.result()(text, among, nearest)
