"""Slack: Socket Mode or HTTP mode, Block Kit replies, and the scheduler's Slack publisher."""

from ...config import Settings, check_slack
from ...scheduler import Scheduler
from ...service import Service


class SlackPlatform:
    name = "slack"

    def check(self, settings: Settings) -> None:
        check_slack(settings.slack)

    async def run(self, service: Service, scheduler: Scheduler, settings: Settings, port: int | None) -> None:
        from .app import run_slack

        await run_slack(service, settings, scheduler, port)


PLATFORM = SlackPlatform()
