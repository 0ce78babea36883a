"""Meaning beside words: a static sentence-embedding model shipped with the package, and per-entry closeness.

Imported only for the fused matcher (BOT_MATCHER, the default); `BOT_MATCHER=lexical` loads no model. The model
and each knowledge base's index load on a background thread, so they overlap with reading the knowledge files
and building the word index; the first question waits for them only if they are not ready yet.
"""

from concurrent.futures import Future, ThreadPoolExecutor
from functools import lru_cache

from ..core.fusion import Closeness
from ..core.knowledge import Entry
from ..prepared import PreparedCache


class ModelError(Exception):
    """The model files are missing or unreadable; the message is for a person."""


# One worker: the model loads first, then each index in turn, without racing each other for the two cores.
_loader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="semantic-model")


@lru_cache(maxsize=1)
def start_loading() -> Future:
    """Starts loading the model (once per process) and returns its future."""
    from .embedding import Embedder

    return _loader.submit(Embedder)


def closeness_for(entries: list[Entry], cache: PreparedCache = PreparedCache(None)) -> Closeness:
    """A ClosenessFactory (see bot.core.fusion): closeness in meaning of a question to each of `entries`; the
    entries' vectors come from `cache` when an earlier run embedded the same phrasings with the same model."""
    from .index import SemanticIndex

    model = start_loading()
    index = _loader.submit(lambda: SemanticIndex(entries, model.result(), cache))
    return lambda text, among, nearest: index.result().closeness(text, among, nearest)
