"""Daily tip rotation: a channel sees every entry once before any repeats, then a new shuffled round."""

import random
from datetime import datetime, timedelta, timezone

import pytest

from bot.wiring import build_bot
from bot.core.commands import ScheduleSpec
from bot.core.knowledge import Entry
from bot.core.tips import is_round_over, next_tip
from bot.wiring import build_scheduler

FIRST_DAY = datetime(2025, 1, 1, 9, 0, tzinfo=timezone.utc)


class TipRecorder:
    def __init__(self):
        self.tips: dict[str, list[str]] = {}

    async def post_tip(self, channel, tip, post_id=0):
        self.tips.setdefault(channel, []).append(tip.entry.id)
        return "ref"


def entry(entry_id):
    return Entry(id=entry_id, question=f"{entry_id}?", answer=(f"{entry_id}.",))


@pytest.mark.usefixtures("database")
async def test_a_channel_sees_every_entry_once_before_any_repeats_then_a_new_shuffled_round(bot):
    recorder = TipRecorder()
    scheduler = build_scheduler(bot, {"slack": recorder})
    scheduler.rng = random.Random(11)
    scheduler.schedules.set_schedule("slack", "C1", "tip", ScheduleSpec("09:00", "UTC", "daily"),
                                     now=FIRST_DAY - timedelta(days=1))
    every_id = sorted(item.id for item in bot.responder.knowledge.entries)
    for day in range(2 * len(every_id) + 1):
        await scheduler.run_once(FIRST_DAY + timedelta(days=day))
    shown = recorder.tips["C1"]
    first_round, second_round = shown[:len(every_id)], shown[len(every_id):2 * len(every_id)]
    assert sorted(first_round) == every_id and sorted(second_round) == every_id
    assert second_round != first_round
    assert all(today != yesterday for yesterday, today in zip(shown, shown[1:]))
    assert shown[-1] in every_id


@pytest.mark.usefixtures("database")
def test_each_channel_and_each_terminal_user_has_a_rotation_of_its_own(bot):
    schedules = bot.storage.schedules
    entries = bot.responder.knowledge.entries
    rng = random.Random(3)
    for _ in range(len(entries)):
        tip = schedules.choose_entry("tip:slack:C1", entries, rng)
        schedules.record_shown("tip:slack:C1", tip.id, entries)
    fresh = schedules.choose_entry("tip:console:ann", entries, rng)
    assert fresh.id in {item.id for item in entries}
    assert schedules.db.rows("SELECT DISTINCT audience FROM tips_shown") == [{"audience": "tip:slack:C1"}]


@pytest.mark.usefixtures("database")
def test_the_rotation_is_kept_across_a_restart(settings_for):
    seen = []
    for _ in range(3):
        bot = build_bot(settings_for())
        schedules, entries = bot.storage.schedules, bot.responder.knowledge.entries
        for _ in range(9):
            tip = schedules.choose_entry("tip:slack:C1", entries, random.Random(len(seen)))
            schedules.record_shown("tip:slack:C1", tip.id, entries)
            seen.append(tip.id)
        bot.close()
    assert len(seen) == 27 and len(set(seen)) == 27


def test_an_entry_added_mid_round_joins_the_current_round():
    entries = [entry("a"), entry("b"), entry("c")]
    grown = entries + [entry("new")]
    assert is_round_over(entries, {"a", "b", "c"})
    assert not is_round_over(grown, {"a", "b", "c"})
    assert next_tip(grown, {"a", "b", "c"}, random.Random(0)).id == "new"


def test_a_new_round_never_opens_with_the_tip_that_closed_the_last_one():
    entries = [entry(name) for name in "abcd"]
    for seed in range(50):
        assert next_tip(entries, {"a", "b", "c", "d"}, random.Random(seed), last_shown="c").id != "c"


def test_entries_removed_from_the_knowledge_no_longer_hold_a_round_open():
    assert is_round_over([entry("a"), entry("b")], {"a", "b", "gone"})
