"""Discord: the gateway, slash commands, embeds with persistent buttons, and the scheduler's Discord publisher."""

from ...config import Settings, check_discord
from ..base import STANDBY, Runtime


class DiscordPlatform:
    name = "discord"
    needs_lease = True

    def check(self, settings: Settings) -> None:
        check_discord(settings.discord)

    def needs_port(self, settings: Settings) -> bool:
        return False

    async def run(self, runtime: Runtime) -> None:
        """With a lease, only while this replica holds it: lost, the gateway session is closed at once and the
        scheduler's Discord posts wait for the new holder."""
        from .app import run_discord

        lease = runtime.lease

        def work():
            return run_discord(runtime.service, runtime.settings, runtime.scheduler, link=runtime.link, lease=lease)

        if lease is None:
            await work()
            return

        def changed(held: bool) -> None:
            if not held:
                runtime.scheduler.unregister(self.name)
                runtime.link.state = STANDBY

        lease.on_change = changed
        await lease.hold(work)


PLATFORM = DiscordPlatform()
