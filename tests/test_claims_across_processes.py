"""Exactly-once claims hold between processes, not only threads: several processes on the same database race for
one event, one daily post, one quiz answer, one reveal and one retry, and exactly one wins each."""

import json
import random
import subprocess
import sys
from datetime import datetime, timezone

import pytest

from bot.core.commands import ScheduleSpec
from bot.core.quiz import CLOSED, PICK_ANSWER, build_quiz
from bot.storage import open_storage

pytestmark = pytest.mark.usefixtures("database")

RACERS = 4
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=timezone.utc)
# Each racer opens its own storage (its own connections), says it is ready, and claims when told to go, so the
# claims really overlap rather than queue behind one process's start-up.
RACER = """
import json, sys
from datetime import datetime
from bot.core.replies import Reply, Request, Status
from bot.storage import open_storage

location, claim, target = sys.argv[1], sys.argv[2], int(sys.argv[3])
now = datetime.fromisoformat(sys.argv[4])
storage = open_storage(location)
# As the scheduler does: it reads what is due, then claims it; a rival may have claimed it in between.
seen = {"reveal": storage.quizzes.quiz, "retry": storage.schedules.post}.get(claim, lambda _: None)(target)
print("ready", flush=True)
sys.stdin.readline()
if claim == "event":
    won = storage.questions.log_first_delivery(Request("hi", "U1", "C1", "slack", event_id="Ev1"),
                                               Reply(Status.UNKNOWN), now) is not None
elif claim == "post":
    won = storage.schedules.claim_post(target, "2026-06-01", now) is not None
elif claim == "answer":
    won = storage.quizzes.answer(target, "U1", "A", now).is_counted
elif claim == "reveal":
    won = storage.quizzes.claim_reveal(seen)
else:
    won = storage.schedules.claim_retry(seen, now)
storage.close()
print(json.dumps(won), flush=True)
"""


def race(database, claim: str, target: int = 0) -> list[bool]:
    racers = [subprocess.Popen([sys.executable, "-c", RACER, str(database), claim, str(target), NOW.isoformat()],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for _ in range(RACERS)]
    try:
        for racer in racers:
            assert racer.stdout.readline().strip() == "ready"
        for racer in racers:
            racer.stdin.write("go\n")
            racer.stdin.flush()
        return [json.loads(racer.communicate(timeout=60)[0]) for racer in racers]
    finally:
        for racer in racers:
            racer.kill()


def test_one_event_delivered_to_several_processes_is_answered_and_logged_once(database):
    open_storage(database).close()  # the schema exists before the race, as it does once a bot has run
    assert sorted(race(database, "event")) == [False] * (RACERS - 1) + [True]
    storage = open_storage(database)
    assert [row["text"] for row in storage.questions.questions()] == ["hi"]
    storage.close()


def test_one_daily_post_is_claimed_by_one_process(database):
    storage = open_storage(database)
    schedule = storage.schedules.set_schedule("slack", "C1", "tip", ScheduleSpec("09:00"), now=NOW)
    storage.close()
    assert sorted(race(database, "post", schedule.id)) == [False] * (RACERS - 1) + [True]
    storage = open_storage(database)
    assert [(post.schedule_id, post.attempts) for post in storage.schedules.posts()] == [(schedule.id, 1)]
    storage.close()


def posted_quiz(storage, bot_entries) -> int:
    card = build_quiz(bot_entries, random.Random(3), form=PICK_ANSWER)
    quiz_id = storage.quizzes.create_quiz(card, "slack", "C1", "2026-06-01")
    storage.quizzes.mark_posted(quiz_id, "1.1", NOW)
    return quiz_id


def test_one_persons_answer_clicked_in_several_processes_counts_once(database, bot):
    storage = open_storage(database)
    quiz_id = posted_quiz(storage, bot.responder.knowledge.entries)
    outcomes = race(database, "answer", quiz_id)
    answers = storage.quizzes.answers(quiz_id)
    storage.close()
    assert sorted(outcomes) == [False] * (RACERS - 1) + [True]
    assert [(row["user"], row["choice"]) for row in answers] == [("U1", "A")]


def test_one_quiz_reveal_is_claimed_by_one_process(database, bot):
    storage = open_storage(database)
    quiz_id = posted_quiz(storage, bot.responder.knowledge.entries)
    assert storage.quizzes.move(quiz_id, CLOSED, NOW)
    outcomes = race(database, "reveal", quiz_id)
    quiz = storage.quizzes.quiz(quiz_id)
    storage.close()
    assert sorted(outcomes) == [False] * (RACERS - 1) + [True]
    assert (quiz.reveal_status, quiz.reveal_attempts) == ("sending", 1)


def test_one_retry_of_a_failed_post_is_taken_by_one_process(database):
    storage = open_storage(database)
    schedule = storage.schedules.set_schedule("slack", "C1", "tip", ScheduleSpec("09:00"), now=NOW)
    post_id = storage.schedules.claim_post(schedule.id, "2026-06-01", NOW)
    storage.schedules.mark_retry(post_id, "rate limited", NOW)
    outcomes = race(database, "retry", post_id)
    post = storage.schedules.post(post_id)
    storage.close()
    assert sorted(outcomes) == [False] * (RACERS - 1) + [True]
    assert (post.status, post.attempts) == ("sending", 2)
