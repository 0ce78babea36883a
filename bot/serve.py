"""`backend-bot serve`: every configured platform, the scheduler and the operator's port, in one asyncio loop,
until SIGTERM or SIGINT."""

import asyncio
import contextlib
import logging
import os
import signal
from dataclasses import replace

from .adapters.base import Link, Runtime
from .config import ConfigError, Settings
from .storage import Retention, StorageError, prune, utc_now
from .storage.notices import listen_for_learned
from .web import OperatorPort
from .lease import LeaseHolder, holder_name
from .scheduler import Scheduler
from .wiring import Bot, build_bot, build_scheduler, configured_platforms

log = logging.getLogger(__name__)
NOTHING_CONFIGURED = (
    "no chat platform is configured: set SLACK_BOT_TOKEN with SLACK_APP_TOKEN or SLACK_SIGNING_SECRET "
    "for Slack, or DISCORD_TOKEN for Discord (try `backend-bot chat` to use the bot in the terminal)")
# Slack's HTTP mode needs a port even when PORT is not set.
DEFAULT_PORT = 3000
# On SIGTERM, work in flight gets this long to finish before everything is closed.
DRAIN_SECONDS = 10.0
PRUNE_SECONDS = 24 * 60 * 60
# Taught phrasings must reach every process on the database within 5 s.
KNOWLEDGE_CHECK_SECONDS = 2.0


async def run_until_stopped(bot: Bot, platforms: list, port: int | None, host: str = "0.0.0.0") -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stop.set)
    links = {each.name: Link() for each in platforms}
    if port is None and any(each.needs_port(bot.settings) for each in platforms):
        port = DEFAULT_PORT
    operator = OperatorPort(bot.storage.db, bot.service.metrics, links, bot.live)
    if port is not None:
        try:
            port = await operator.start(host, port)
        except OSError as error:
            why = os.strerror(error.errno) if error.errno else str(error)
            raise ConfigError(f"cannot listen on port {port} ({why}): set PORT to a free port") from None
    scheduler = build_scheduler(bot)
    # Each platform registers its publisher with the scheduler once connected; until then its posts wait.
    tasks = [asyncio.create_task(each.run(Runtime(bot.service, scheduler, bot.settings, links[each.name],
                                                  operator.mount if port is not None else None,
                                                  lease_for(bot, each.name) if each.needs_lease else None)),
                                 name=each.name)
             for each in platforms]
    scheduling = asyncio.create_task(scheduler.run_forever(stop=stop), name="scheduler")
    tasks.append(scheduling)
    tasks.append(asyncio.create_task(prune_daily(bot, stop), name="retention"))
    tasks.append(asyncio.create_task(keep_knowledge_fresh(bot, stop, scheduler), name="knowledge"))
    stopping = asyncio.create_task(stop.wait())
    log.info("backend-bot started: %s, %d knowledge entries%s", ", ".join(each.name for each in platforms),
             len(bot.responder.knowledge.entries), f", operator port {port}" if port is not None else "")
    try:
        done, _ = await asyncio.wait([*tasks, stopping], return_when=asyncio.FIRST_COMPLETED)
        failed = [task for task in done if task is not stopping and task.exception() is not None]
        if failed:
            raise failed[0].exception()
        log.info("stopping: no new work is taken; finishing what is in flight (up to %g s)", DRAIN_SECONDS)
        # The scheduler ends its loop after the wave it is sending; a post still unsent then is handed back
        # (claimed, so the next start looks for it in the channel before sending).
        await asyncio.wait([scheduling, asyncio.create_task(bot.service.drained(DRAIN_SECONDS))],
                           timeout=DRAIN_SECONDS, return_when=asyncio.ALL_COMPLETED)
    finally:
        for task in [*tasks, stopping]:
            task.cancel()
        await asyncio.gather(*tasks, stopping, return_exceptions=True)
        await operator.stop()
        for signal_number in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signal_number)
    log.info("stopped")


def lease_for(bot: Bot, platform: str) -> LeaseHolder:
    """The lease deciding which process serves `platform` (one Discord gateway session for all replicas on this
    database), renewed on the database thread."""
    name, holder, seconds, run = f"{platform}-gateway", holder_name(), bot.settings.lease_seconds, bot.storage.db.run
    leases = bot.storage.leases
    return LeaseHolder(name, lambda: run(leases.acquire, name, holder, seconds),
                       lambda token: run(leases.renew, name, holder, token, seconds),
                       lambda token: run(leases.release, name, holder, token), seconds)


async def keep_knowledge_fresh(bot: Bot, stop: asyncio.Event, scheduler: Scheduler | None = None) -> None:
    """Edited, added or removed knowledge files and phrasings taught by any process are served within seconds;
    the check and the rebuild run on the database thread, and the new knowledge is swapped in whole. A broken
    edit is logged, shown by /healthz, and said once in the admin channels (where the weekly review goes).
    On PostgreSQL a notice wakes the check as soon as any process teaches; the periodic check stays the safety net
    for a notice lost while the listener reconnects, and is all there is for edited files and SQLite."""
    told = ""
    heard = asyncio.Event()
    listening = listen_for_learned(bot.storage.db, heard)
    try:
        while not stop.is_set():
            heard.clear()
            try:
                if await bot.storage.db.run(bot.live.refresh):
                    bot.service.metrics.entries.set(len(bot.responder.knowledge.entries))
            except StorageError as error:
                log.error("could not read the taught phrasings: %s", error)
            except Exception:
                # Whatever else a hostile edit can do, it must not stop the bot: the last good knowledge serves on.
                log.exception("could not check the knowledge for changes; still serving the last good one")
            problem = bot.live.problem
            if problem != told and scheduler is not None:
                told = problem
                if problem:
                    await scheduler.notify_admins(f"The knowledge files were edited, but {problem}.")
            await until_either(stop, heard, KNOWLEDGE_CHECK_SECONDS)
    finally:
        if listening is not None:
            listening.cancel()
            await asyncio.gather(listening, return_exceptions=True)


async def until_either(first: asyncio.Event, second: asyncio.Event, seconds: float) -> None:
    """Sleeps `seconds`, or less when either event is set meanwhile."""
    waits = [asyncio.create_task(first.wait()), asyncio.create_task(second.wait())]
    try:
        await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()


async def prune_daily(bot: Bot, stop: asyncio.Event) -> None:
    """Old questions, event ids and finished posts go once a day, on the database thread."""
    keep = Retention(question_days=bot.settings.keep_question_days)
    while not stop.is_set():
        try:
            pruned = await bot.storage.db.run(prune, bot.storage.db, utc_now(), keep)
            if any(pruned.values()):
                log.info("pruned %s", ", ".join(f"{count} {what}" for what, count in pruned.items()))
        except StorageError as error:
            log.error("could not prune old rows: %s", error)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), PRUNE_SECONDS)


def serve(settings: Settings, port: int | None = None, only: list[str] | None = None,
          slack_mode: str | None = None) -> int:
    """Runs until SIGTERM or SIGINT; `only` limits it to some configured platforms, `slack_mode` picks Socket Mode
    or HTTP mode when both are configured (a PaaS's web and worker processes share one set of variables)."""
    if slack_mode == "http":
        settings = replace(settings, slack=replace(settings.slack, app_token=""))
    elif slack_mode == "socket":
        settings = replace(settings, slack=replace(settings.slack, signing_secret=""))
    platforms = [each for each in configured_platforms(settings) if not only or each.name in only]
    if not platforms:
        raise ConfigError(NOTHING_CONFIGURED)
    # Check every platform's settings before connecting to any, so the bot never starts half-configured.
    for each in platforms:
        each.check(settings)
    bot = build_bot(settings)
    try:
        # Meaning (and the transformer's vectors, seconds on a cold cache) is ready before the first question.
        bot.responder.warm()
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(run_until_stopped(bot, platforms, settings.port if port is None else port))
    finally:
        bot.close()
    return 0
