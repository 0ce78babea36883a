"""Which schedules are due: in their own timezone, on their weekdays, across DST changes, the same local day only."""

from datetime import datetime, timezone

import pytest

from bot.core.commands import ScheduleSpec
from bot.scheduler import Scheduler, due_date, next_slot

UTC = timezone.utc
LONG_AGO = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.fixture
def scheduler(bot):
    return Scheduler(bot.storage, bot.daily, publishers={"slack": object(), "discord": object()})


def add(scheduler, channel, time, tz, days="daily", platform="slack", kind="tip", set_at=LONG_AGO):
    return scheduler.schedules.set_schedule(platform, channel, kind, ScheduleSpec(time, tz, days), now=set_at)


def due_channels(scheduler, now):
    return sorted((due.schedule.channel, due.local_date) for due in scheduler.due_posts(now))


def test_the_same_instant_is_due_in_berlin_but_not_yet_in_new_york(scheduler):
    add(scheduler, "CBERLIN", "09:00", "Europe/Berlin")
    add(scheduler, "CNEWYORK", "09:00", "America/New_York")
    add(scheduler, "CTOKYO", "09:00", "Asia/Tokyo")
    # 10:00 in Berlin, 04:00 in New York, 17:00 in Tokyo on a Monday in winter.
    assert due_channels(scheduler, datetime(2025, 1, 13, 9, 0, tzinfo=UTC)) == [
        ("CBERLIN", "2025-01-13"), ("CTOKYO", "2025-01-13")]
    assert due_channels(scheduler, datetime(2025, 1, 13, 14, 0, tzinfo=UTC)) == [
        ("CBERLIN", "2025-01-13"), ("CNEWYORK", "2025-01-13"), ("CTOKYO", "2025-01-13")]


def test_the_local_date_is_the_channels_own_not_utcs(scheduler):
    add(scheduler, "CTOKYO", "07:00", "Asia/Tokyo")
    # 23:30 UTC on the 13th is already 08:30 on the 14th in Tokyo.
    assert due_channels(scheduler, datetime(2025, 1, 13, 23, 30, tzinfo=UTC)) == [("CTOKYO", "2025-01-14")]


def test_nine_in_berlin_moves_an_hour_earlier_in_utc_when_summer_time_starts(scheduler):
    add(scheduler, "CBERLIN", "09:00", "Europe/Berlin")
    # Saturday 29 March 2025 is still CET (UTC+1): 09:00 is 08:00 UTC.
    assert due_channels(scheduler, datetime(2025, 3, 29, 7, 30, tzinfo=UTC)) == []
    assert due_channels(scheduler, datetime(2025, 3, 29, 8, 0, tzinfo=UTC)) == [("CBERLIN", "2025-03-29")]
    # Sunday 30 March 2025 is CEST (UTC+2) from 02:00: 09:00 is 07:00 UTC.
    assert due_channels(scheduler, datetime(2025, 3, 30, 6, 59, tzinfo=UTC)) == []
    assert due_channels(scheduler, datetime(2025, 3, 30, 7, 0, tzinfo=UTC)) == [("CBERLIN", "2025-03-30")]


def test_nine_in_new_york_moves_an_hour_later_in_utc_when_summer_time_ends(scheduler):
    add(scheduler, "CNY", "09:00", "America/New_York")
    assert due_channels(scheduler, datetime(2025, 11, 1, 13, 0, tzinfo=UTC)) == [("CNY", "2025-11-01")]
    assert due_channels(scheduler, datetime(2025, 11, 2, 13, 30, tzinfo=UTC)) == []
    assert due_channels(scheduler, datetime(2025, 11, 2, 14, 0, tzinfo=UTC)) == [("CNY", "2025-11-02")]


def test_a_time_skipped_by_the_clock_change_still_posts_that_day(scheduler):
    add(scheduler, "CBERLIN", "02:30", "Europe/Berlin")
    # 02:30 does not exist in Berlin on 30 March 2025; the post goes out once the clock is past the gap.
    assert due_channels(scheduler, datetime(2025, 3, 30, 0, 59, tzinfo=UTC)) == []
    assert due_channels(scheduler, datetime(2025, 3, 30, 1, 30, tzinfo=UTC)) == [("CBERLIN", "2025-03-30")]


def test_only_the_chosen_weekdays_are_due(scheduler):
    add(scheduler, "CWEEK", "09:00", "UTC", days="mon-fri")
    add(scheduler, "CMWF", "09:00", "UTC", days="mon,wed,fri")
    friday, saturday, wednesday = (datetime(2025, 1, day, 10, tzinfo=UTC) for day in (17, 18, 15))
    assert due_channels(scheduler, friday) == [("CMWF", "2025-01-17"), ("CWEEK", "2025-01-17")]
    assert due_channels(scheduler, saturday) == []
    assert due_channels(scheduler, wednesday) == [("CMWF", "2025-01-15"), ("CWEEK", "2025-01-15")]


def test_a_post_missed_while_down_is_due_later_that_local_day_but_not_the_next(scheduler):
    add(scheduler, "CBERLIN", "09:00", "Europe/Berlin")
    assert due_channels(scheduler, datetime(2025, 1, 13, 22, 59, tzinfo=UTC)) == [("CBERLIN", "2025-01-13")]
    # Just after local midnight the 13th's post is no longer due, and the 14th's is not due before 09:00.
    assert due_channels(scheduler, datetime(2025, 1, 13, 23, 1, tzinfo=UTC)) == []


def test_a_date_already_claimed_is_not_due_again(scheduler):
    schedule = add(scheduler, "C1", "09:00", "UTC")
    now = datetime(2025, 1, 13, 9, 5, tzinfo=UTC)
    assert scheduler.schedules.claim_post(schedule.id, "2025-01-13", now) is not None
    assert due_channels(scheduler, now) == []
    assert due_channels(scheduler, datetime(2025, 1, 14, 9, 5, tzinfo=UTC)) == [("C1", "2025-01-14")]


def test_a_schedule_set_after_todays_time_starts_tomorrow(scheduler):
    set_at = datetime(2025, 1, 13, 15, 0, tzinfo=UTC)
    schedule = add(scheduler, "C1", "09:00", "UTC", set_at=set_at)
    assert due_channels(scheduler, datetime(2025, 1, 13, 15, 1, tzinfo=UTC)) == []
    assert due_channels(scheduler, datetime(2025, 1, 14, 9, 0, tzinfo=UTC)) == [("C1", "2025-01-14")]
    assert next_slot(schedule, set_at) == datetime(2025, 1, 14, 9, 0, tzinfo=UTC)


def test_schedules_that_are_off_or_paused_are_never_due(scheduler):
    add(scheduler, "COFF", "09:00", "UTC")
    paused = add(scheduler, "CPAUSED", "09:00", "UTC")
    scheduler.schedules.turn_off("slack", "COFF", "tip")
    scheduler.schedules.pause_schedule(paused.id, "not_in_channel")
    assert due_channels(scheduler, datetime(2025, 1, 13, 10, tzinfo=UTC)) == []


def test_a_platform_without_a_publisher_waits_instead_of_losing_its_post(scheduler):
    add(scheduler, "C1", "09:00", "UTC", platform="telegram")
    assert due_channels(scheduler, datetime(2025, 1, 13, 10, tzinfo=UTC)) == []
    assert scheduler.schedules.posts() == []


def test_due_date_is_the_local_date_in_iso_form(scheduler):
    schedule = add(scheduler, "C1", "00:15", "Pacific/Auckland")
    assert due_date(schedule, datetime(2025, 6, 30, 12, 30, tzinfo=UTC)) == "2025-07-01"


def test_a_schedule_with_a_timezone_that_no_longer_exists_is_paused_and_the_others_still_run(scheduler):
    broken = add(scheduler, "CBROKEN", "09:00", "UTC")
    add(scheduler, "COK", "09:00", "UTC")
    scheduler.schedules.db.execute("UPDATE schedules SET timezone = 'Mars/Olympus_Mons' WHERE id = ?", [broken.id])
    assert due_channels(scheduler, datetime(2025, 1, 13, 10, tzinfo=UTC)) == [("COK", "2025-01-13")]
    assert scheduler.schedules.schedule(broken.id).paused_reason == "unknown timezone Mars/Olympus_Mons"
