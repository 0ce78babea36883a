"""`backend-bot serve`: every configured platform and the scheduler, in one asyncio loop."""

import asyncio
import logging

from .config import ConfigError, Settings
from .wiring import Bot, build_bot, build_scheduler, configured_platforms

log = logging.getLogger(__name__)
NOTHING_CONFIGURED = (
    "no chat platform is configured: set SLACK_BOT_TOKEN with SLACK_APP_TOKEN or SLACK_SIGNING_SECRET "
    "for Slack, or DISCORD_TOKEN for Discord (try `backend-bot chat` to use the bot in the terminal)")


async def run_platforms(bot: Bot, platforms: list, port: int | None = None) -> None:
    # Each platform registers its publisher with the scheduler once connected; until then its posts wait.
    scheduler = build_scheduler(bot)
    tasks = [asyncio.create_task(each.run(bot.service, scheduler, bot.settings, port), name=each.name)
             for each in platforms]
    tasks.append(asyncio.create_task(scheduler.run_forever(), name="scheduler"))
    await asyncio.gather(*tasks)


def serve(settings: Settings, port: int | None = None) -> int:
    platforms = configured_platforms(settings)
    if not platforms:
        raise ConfigError(NOTHING_CONFIGURED)
    # Check every platform's settings before connecting to any, so the bot never starts half-configured.
    for each in platforms:
        each.check(settings)
    bot = build_bot(settings)
    try:
        asyncio.run(run_platforms(bot, platforms, port))
    except KeyboardInterrupt:
        pass
    finally:
        bot.close()
    return 0
