"""Scheduled Slack posts in tests: the bot over HTTP, its scheduler with the real Slack publisher, a clock we set."""

from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timezone

from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.publisher import SlackPublisher
from bot.adapters.slack.transport import build_web_client
from bot.wiring import Bot
from bot.core.commands import ScheduleSpec
from bot.scheduler import Scheduler
from bot.wiring import build_scheduler
from slack_requests import ANN, BOT_TOKEN, CHANNEL, SlackOverHttp, click_on, slack_over_http, slash_command
from slack_standin import TEAM_ID, SlackStandIn

UTC = timezone.utc
SET_AT = datetime(2025, 1, 1, tzinfo=UTC)
MONDAY_9 = datetime(2025, 1, 13, 9, 0, tzinfo=UTC)


class Clock:
    """The bot's now: tests move it by hand, nothing waits on the wall clock."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Scene:
    slack: SlackStandIn
    bot: Bot
    http: SlackOverHttp
    scheduler: Scheduler
    clock: Clock

    def schedule(self, kind: str, time: str = "09:00", channel: str = CHANNEL, days: str = "daily",
                 close_minutes: int = 480):
        spec = ScheduleSpec(time, "UTC", days, close_minutes)
        return self.scheduler.schedules.set_schedule("slack", channel, kind, spec, workspace=TEAM_ID, now=SET_AT)

    async def run(self, now: datetime):
        self.clock.now = now
        return await self.scheduler.run_once(now)

    async def command(self, text: str, key: str, user: str = ANN, channel: str = CHANNEL) -> dict:
        """What the person who typed `/backend text` is shown (the message sent to the command's response_url)."""
        await self.http.send_command(slash_command(text, self.slack.response_url(key), user=user, channel=channel))
        return await self.response(key)

    async def response(self, key: str) -> dict:
        def sent():
            return next((call.params for call in self.slack.calls if call.method == "response_url"
                         and call.path == key), None)

        return await self.slack.wait_for(sent)

    async def click_option(self, quiz_post: dict, letter: str, user: str, key: str) -> dict:
        """`user` clicks option `letter` on the posted quiz; returns what they alone are shown."""
        block = next(block for block in quiz_post["blocks"] if block.get("block_id") == "quiz_answers")
        element = next(element for element in block["elements"] if element["action_id"] == f"quiz_answer_{letter}")
        await self.http.send_click(click_on(quiz_post, block, element, self.slack.response_url(key), user))
        return await self.response(key)


@asynccontextmanager
async def slack_with_scheduler(settings_for, client_for=None, **variables):
    """A Scene; `client_for(standin)` may give the publisher another Web API client than the bot's own kind."""
    clock = Clock(MONDAY_9)
    async with slack_over_http(settings_for, clock=clock, **variables) as (slack, bot, http):
        client = client_for(slack) if client_for else build_web_client(BOT_TOKEN, slack.api_url)
        scheduler = build_scheduler(bot, {"slack": SlackPublisher(client)})
        yield Scene(slack, bot, http, scheduler, clock)


def client_without_retries(slack: SlackStandIn) -> AsyncWebClient:
    """slack_sdk's plain client: a 429 reaches the publisher at once instead of being waited out inside."""
    return AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_url)


def quiz_post_of(scene: Scene) -> dict:
    return next(post for post in scene.slack.successful("chat.postMessage")
                if any(block.get("block_id") == "quiz_answers" for block in post["blocks"]))


def option_letters(card) -> tuple[str, list[str]]:
    """(the right letter, the wrong ones)."""
    return card.correct, [option.letter for option in card.options if option.letter != card.correct]
