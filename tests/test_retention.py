"""Old rows go, by age, and nothing a guarantee still needs: today's claims, recent event ids, quizzes."""

from datetime import datetime, timedelta, timezone

from bot.core.commands import ScheduleSpec
from bot.core.replies import Reply, Request, Status
from bot.storage import Retention, open_storage, prune

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)


def test_prune_deletes_only_what_is_older_than_kept(database):
    storage = open_storage(database)
    reply = Reply(Status.SUGGEST)
    old = storage.questions.log_question(Request("old question", "U1"), reply, NOW - timedelta(days=400))
    recent = storage.questions.log_question(Request("recent question", "U1"), reply, NOW - timedelta(days=3))
    storage.questions.record_feedback(old, "U1", "helpful", None, NOW - timedelta(days=400))
    storage.questions.record_pick(old, "U2", "make-idempotent", NOW - timedelta(days=400))
    storage.questions.claim_event("slack", "EvOld", NOW - timedelta(days=31))
    storage.questions.claim_event("slack", "EvNew", NOW - timedelta(minutes=5))
    schedule = storage.schedules.set_schedule("slack", "C1", "tip", ScheduleSpec("09:00"), now=NOW - timedelta(days=90))
    for days, status in ((60, "sent"), (0, "sending")):
        post_id = storage.schedules.claim_post(schedule.id, (NOW - timedelta(days=days)).date().isoformat(), NOW)
        if status == "sent":
            storage.schedules.mark_sent(post_id, "1.1", NOW)
    pruned = prune(storage.db, NOW, Retention())
    kept_questions = [row["id"] for row in storage.questions.questions()]
    kept_events = [row["event_id"] for row in storage.db.rows("SELECT event_id FROM seen_events")]
    kept_posts = [post.status for post in storage.schedules.posts()]
    storage.close()
    assert pruned == {"questions": 1, "feedback": 1, "picks": 1, "seen events": 1, "posts": 1}
    assert kept_questions == [recent] and kept_events == ["EvNew"] and kept_posts == ["sending"]
