"""Slack: Socket Mode or HTTP mode, Block Kit replies, and the scheduler's Slack publisher."""

from ...config import Settings, check_slack
from ..base import Runtime


class SlackPlatform:
    name = "slack"
    # HTTP mode is stateless and Socket Mode allows a connection per replica: every replica serves Slack.
    needs_lease = False

    def check(self, settings: Settings) -> None:
        check_slack(settings.slack)

    def needs_port(self, settings: Settings) -> bool:
        return check_slack(settings.slack) == "http"

    async def run(self, runtime: Runtime) -> None:
        from .app import run_slack

        await run_slack(runtime.service, runtime.settings, runtime.scheduler, link=runtime.link,
                        mount=runtime.mount)


PLATFORM = SlackPlatform()
