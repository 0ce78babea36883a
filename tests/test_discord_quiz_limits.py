"""Every entry's tip and quiz, in both quiz forms and at every stage, stays within Discord's limits."""

import random

from discord_standin import CHANNEL_ID, discord_bot, discord_client, discord_server, discord_settings  # noqa: F401

from bot.adapters.discord.publisher import DiscordPublisher
from bot.core.knowledge import Entry
from bot.core.quiz import PICK_ANSWER, PICK_QUESTION, QuizResult, build_quiz
from bot.core.tips import Tip

HERE = str(CHANNEL_ID)
WORDY = "keep every adjustment idempotent and recorded with the event that caused it; " * 6
LONG_ENTRY = Entry("long-reconciliation-job", "How do I keep a very long running reconciliation job correct? " * 6,
                   tuple(f"Point {number}: {WORDY}" for number in range(1, 14)), is_list=True)


async def test_every_entrys_tip_and_quiz_are_accepted_by_discord(discord_client, discord_server, discord_bot):
    publisher = DiscordPublisher(discord_client)
    entries = discord_bot.responder.knowledge.entries
    rng = random.Random(7)
    for number, entry in enumerate(entries):
        await publisher.post_tip(HERE, Tip(entry, discord_bot.responder.related_to(entry)), 1)
        for form in (PICK_ANSWER, PICK_QUESTION):
            card = build_quiz(entries, rng, entry=entry, form=form)
            quiz_id = 2 * number + (form == PICK_QUESTION)
            quiz_message = await publisher.post_quiz(HERE, quiz_id, card, quiz_id)
            # Many winners: the reveal names up to 50 and counts the rest.
            winners = tuple(str(4400000000000001000 + person) for person in range(80))
            result = QuizResult(card, 100, winners)
            await publisher.update_quiz(HERE, quiz_message, quiz_id, result)
            await publisher.post_reveal(HERE, quiz_message, quiz_id, result)
    assert [call.status for call in discord_server.calls if call.method in ("POST", "PATCH")
            and call.path.startswith("/channels/")] == [200] * (7 * len(entries))
    assert all(len(label) <= 80 for message in discord_server.messages
               for label in discord_server.button_labels(message))


async def test_a_very_long_entry_is_shortened_to_fit_a_tip(discord_client, discord_server):
    assert len(LONG_ENTRY.question) > 256 and len(LONG_ENTRY.answer_text) > 4096
    await DiscordPublisher(discord_client).post_tip(HERE, Tip(LONG_ENTRY), 1)
    [message] = discord_server.messages
    [embed] = message["embeds"]
    assert len(embed["title"]) <= 256 and embed["title"].endswith("…")
    assert len(embed["description"]) <= 4096 and embed["description"].startswith("• Point 1: keep every")
