"""Replies stay within Discord's message limits even for very long knowledge entries; the stand-in enforces them."""

import discord
import pytest
import yaml

from discord_standin import CHANNEL_ID, discord_server, running_client  # noqa: F401

from bot.wiring import build_bot

LONG_QUESTION = ("How do I keep a very long running reconciliation job between the ledger service and the payment "
                 "provider correct when either side can retry, time out, reorder or duplicate its notifications, "
                 "and the finance team needs an audit trail of every adjustment the job made along the way?")
POINT = "keep every adjustment idempotent and recorded with the event that caused it; " * 6
LONG_KNOWLEDGE = {"title": "Long answers", "entries": [
    {"id": "long-reconciliation-job", "question": LONG_QUESTION,
     "answer": [f"Point {number}: {POINT}" for number in range(1, 14)], "related": ["long-reconciliation-notes"]},
    {"id": "long-reconciliation-notes", "question": "Where is the runbook for the nightly ledger reconciliation kept?",
     "answer": "In the operations wiki."},
]}


@pytest.fixture
def long_knowledge_bot(tmp_path, settings_for, discord_server):
    folder = tmp_path / "extra"
    folder.mkdir()
    (folder / "long.yaml").write_text(yaml.safe_dump(LONG_KNOWLEDGE), encoding="utf-8")
    made = build_bot(settings_for(**discord_server.variables(), KNOWLEDGE_PATH=str(folder)))
    yield made
    made.close()


async def test_very_long_entry_is_sent_within_discord_limits(long_knowledge_bot, discord_server):
    entry = long_knowledge_bot.responder.knowledge.get("long-reconciliation-job")
    assert len(entry.question) > 256 and len(entry.answer_text) > 4096
    assert long_knowledge_bot.responder.reply_to(entry.question).entry == entry
    async with running_client(long_knowledge_bot) as client:
        await discord_server.post_message(f"<@{client.user.id}> {entry.question}")
        [message] = await discord_server.wait_until(lambda: discord_server.messages)
    [post] = discord_server.calls_to("POST", r"^/channels/\d+/messages$")
    assert post.status == 200
    [embed] = message["embeds"]
    assert len(embed["title"]) <= 256 and embed["title"].endswith("…")
    assert len(embed["description"]) <= 4096 and embed["description"].endswith("…")
    assert embed["description"].startswith("• Point 1: keep every adjustment idempotent")
    assert all(len(label) <= 80 for label in discord_server.button_labels(message))
    assert all(len(custom_id) <= 100 for custom_id in discord_server.button_ids(message))


async def test_standin_rejects_an_embed_over_the_limit_like_discord(discord_server, settings_for):
    bot = build_bot(settings_for(**discord_server.variables()))
    try:
        async with running_client(bot) as client:
            channel = client.get_channel(CHANNEL_ID)
            with pytest.raises(discord.HTTPException) as rejected:
                await channel.send(embed=discord.Embed(title="x" * 257))
    finally:
        bot.close()
    assert rejected.value.status == 400
    assert "embeds.0.title" in rejected.value.text
    assert discord_server.messages == []
