"""`backend-bot serve`: every adapter whose tokens are set, in one asyncio loop."""

import asyncio
import logging

from .app import Bot, build_bot
from .config import ConfigError, Settings, check_discord, check_slack
from .scheduler import build_scheduler

log = logging.getLogger(__name__)


async def run_adapters(bot: Bot, port: int | None = None) -> None:
    # Each adapter registers its publisher with the scheduler once connected; until then its posts wait.
    scheduler = build_scheduler(bot)
    tasks = []
    if bot.settings.has_slack:
        from .adapters.slack import run_slack

        tasks.append(asyncio.create_task(run_slack(bot, port=port, scheduler=scheduler), name="slack"))
    if bot.settings.has_discord:
        from .adapters.discord import run_discord

        tasks.append(asyncio.create_task(run_discord(bot, scheduler=scheduler), name="discord"))
    if not tasks:
        raise ConfigError(
            "no chat platform is configured: set SLACK_BOT_TOKEN with SLACK_APP_TOKEN or SLACK_SIGNING_SECRET "
            "for Slack, or DISCORD_TOKEN for Discord (try `backend-bot chat` to use the bot in the terminal)")
    tasks.append(asyncio.create_task(scheduler.run_forever(), name="scheduler"))
    await asyncio.gather(*tasks)


def serve(settings: Settings, port: int | None = None) -> int:
    # Check every platform's settings before connecting to any, so the bot never starts half-configured.
    if settings.has_slack:
        check_slack(settings)
    if settings.has_discord:
        check_discord(settings)
    bot = build_bot(settings)
    try:
        asyncio.run(run_adapters(bot, port))
    except KeyboardInterrupt:
        pass
    finally:
        bot.close()
    return 0
