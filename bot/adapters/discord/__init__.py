"""Discord: the gateway, slash commands, embeds with persistent buttons, and the scheduler's Discord publisher."""

from ...config import Settings, check_discord
from ..base import Runtime


class DiscordPlatform:
    name = "discord"

    def check(self, settings: Settings) -> None:
        check_discord(settings.discord)

    def needs_port(self, settings: Settings) -> bool:
        return False

    async def run(self, runtime: Runtime) -> None:
        from .app import run_discord

        await run_discord(runtime.service, runtime.settings, runtime.scheduler, link=runtime.link)


PLATFORM = DiscordPlatform()
