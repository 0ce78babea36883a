"""Builds everything from Settings in one place: knowledge, storage, the service, the scheduler, the platforms."""

import functools
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from .config import Settings
from .core.fusion import ClosenessFactory, OpinionFactory
from .core.replies import Responder
from .daily import Daily
from .knowledge_files import load_knowledge
from .learning import LiveKnowledge
from .metrics import Metrics
from .scheduler import Publisher, Scheduler
from .service import Service
from .prepared import PreparedCache
from .storage import LearnedStore, Storage, open_storage, utc_now

# Every platform `serve` can run, by name: the module that defines it is imported only when it is looked up, so
# `backend-bot ask` never loads a chat library. A new platform is one line here and a module under adapters/.
PLATFORMS = {"slack": "bot.adapters.slack", "discord": "bot.adapters.discord"}


@dataclass
class Bot:
    settings: Settings
    live: LiveKnowledge
    storage: Storage
    daily: Daily
    service: Service

    @property
    def responder(self) -> Responder:
        return self.live.responder

    def close(self) -> None:
        self.storage.close()


def semantic_for(settings: Settings, plain: bool = False) -> ClosenessFactory | None:
    """Closeness in meaning for the fused matcher; None for BOT_MATCHER=lexical, which then loads no model.
    `plain`: for a command that asks a question or two, worked out without numpy (see bot/semantic)."""
    if settings.matcher == "lexical":
        return None
    from .semantic import closeness_for, start_loading

    start_loading()
    return functools.partial(closeness_for, cache=PreparedCache(settings.cache_folder), plain=plain)


def opinion_for(settings: Settings) -> OpinionFactory | None:
    """The sentence transformer's second opinion, for BOT_MATCHER=transformer only; raises ModelError when its
    extra is not installed."""
    if settings.matcher != "transformer":
        return None
    from .semantic import second_opinion_for

    return functools.partial(second_opinion_for, cache=PreparedCache(settings.cache_folder))


def live_knowledge(settings: Settings, learned: LearnedStore, meaning: bool = True,
                   plain: bool = False) -> LiveKnowledge:
    """The files plus what the team taught, built (or loaded from the cache of built knowledge) for `settings`."""
    semantic, opinion = (semantic_for(settings, plain), opinion_for(settings)) if meaning else (None, None)
    return LiveKnowledge(settings.knowledge_paths, learned, semantic, PreparedCache(settings.cache_folder), opinion)


def build_responder(settings: Settings) -> Responder:
    return Responder(load_knowledge(settings.knowledge_paths), semantic_for(settings), opinion_for(settings))


def build_bot(settings: Settings, clock: Callable[[], datetime] = utc_now, counting: bool = True,
              few_questions: bool = False) -> Bot:
    """Raises KnowledgeError or StorageError with a message for a person; the caller decides how to exit.

    `clock` is the service's now (quiz answers, schedule commands); tests set it. A one-off command, whose figures
    nobody reads, passes `counting=False`; one that asks only a question or two (`ask`, `chat`) also passes
    `few_questions=True`, so meaning is worked out without importing numpy."""
    storage = open_storage(settings.database)
    try:
        live = live_knowledge(settings, storage.learned, plain=few_questions)
    except BaseException:
        storage.close()
        raise
    service = Service(live, storage, settings.bot_admins, clock, Metrics(counting), auto_teach=settings.auto_teach)
    return Bot(settings, live, storage, Daily(live, storage), service)


def build_scheduler(bot: Bot, publishers: Mapping[str, Publisher] | None = None) -> Scheduler:
    """The scheduler over the bot's own database and knowledge; each platform registers its publisher."""
    return Scheduler(bot.storage, bot.daily, publishers, interval=bot.settings.schedule_check_seconds,
                     send_timeout=bot.settings.schedule_send_timeout, metrics=bot.service.metrics)


def platform(name: str):
    return importlib.import_module(PLATFORMS[name]).PLATFORM


def configured_platforms(settings: Settings) -> list:
    return [platform(name) for name in PLATFORMS if getattr(settings, name).is_configured]
