"""However many questions a week brings, the weekly review fits each platform's limits: the stand-ins refuse what
Slack and Discord would refuse, and the review says how many more there are."""

from datetime import datetime, timedelta, timezone

import pytest

from discord_standin import CHANNEL_ID, discord_server, running_client  # noqa: F401 (a fixture)
from slack_standin import SlackStandIn

from bot.adapters.discord.publisher import DiscordPublisher
from bot.adapters.slack.publisher import SlackPublisher
from bot.adapters.slack.transport import build_web_client
from bot.core.replies import Request
from bot.review import build_review
from bot.wiring import build_bot

NOW = datetime(2025, 1, 13, 9, 0, tzinfo=timezone.utc)
# Distinct needs, each long and full of characters that need escaping, and none near another.
WORDS = "ledger webhook cache replica queue schema tracing deploy secrets retries shard broker".split()


@pytest.fixture
def busy_week(settings_for, discord_server):
    bot = build_bot(settings_for(**discord_server.variables()))
    log = bot.storage.questions
    for number in range(300):
        text = f"<!channel> {WORDS[number % 12]} &<> ünïcode ✓ " + " ".join(f"w{number}x{k}" for k in range(250))
        reply = bot.responder.reply_to(text)
        log.log_question(Request(text, f"U{number % 9}", "C1", "slack"), reply, NOW - timedelta(hours=number % 150))
    yield bot
    bot.close()


async def test_a_week_of_three_hundred_long_misses_posts_within_slack_and_discord_limits(busy_week, discord_server):
    review = build_review(busy_week.storage, busy_week.responder, NOW)
    assert len(review.misses) == 300
    async with SlackStandIn() as slack:
        publisher = SlackPublisher(build_web_client("xoxb-test", slack.api_url))
        await publisher.post_digest("C1", review, post_id=1)
        [posted] = slack.successful("chat.postMessage")
    assert "…and " in str(posted["blocks"][-1]) and "<!channel>" not in str(posted)
    async with running_client(busy_week) as client:
        await DiscordPublisher(client).post_digest(str(CHANNEL_ID), review, post_id=1)
        [message] = await discord_server.wait_until(lambda: discord_server.messages)
    assert "…and " in message["embeds"][0]["description"]
    assert len(discord_server.button_ids(message)) <= 25
