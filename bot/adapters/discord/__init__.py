"""Discord: the gateway, slash commands, embeds with persistent buttons, and the scheduler's Discord publisher."""

from ...config import Settings, check_discord
from ...scheduler import Scheduler
from ...service import Service


class DiscordPlatform:
    name = "discord"

    def check(self, settings: Settings) -> None:
        check_discord(settings.discord)

    async def run(self, service: Service, scheduler: Scheduler, settings: Settings, port: int | None) -> None:
        from .app import run_discord

        await run_discord(service, settings, scheduler)


PLATFORM = DiscordPlatform()
