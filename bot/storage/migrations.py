"""The schema, as numbered migrations that sqlite-utils applies once each, in order."""

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("backend-bot")


def add_version(db: Database, table: str, counter: str) -> None:
    """A one-row table whose number triggers bump on every change to `table`, by any process: cheap to watch."""
    db[counter].create({"id": int, "version": int}, pk="id")
    db[counter].insert({"id": 1, "version": 0})
    watch(db, table, counter)


def watch(db: Database, table: str, counter: str) -> None:
    """Triggers that bump an existing version counter on every change to `table`."""
    for event in ("INSERT", "UPDATE", "DELETE"):
        db.execute(f"CREATE TRIGGER {table}_{event.lower()} AFTER {event} ON {table} "
                   f"BEGIN UPDATE {counter} SET version = version + 1 WHERE id = 1; END")


def newer_steps(db: Database) -> list[str]:
    """Schema steps the database has that this version does not know: it was written by a newer backend-bot."""
    known = {step.name for step in migrations._migrations}
    return [step.name for step in migrations.applied(db) if step.name not in known]


@migrations()
def m001_questions(db: Database) -> None:
    db["questions"].create({
        "id": int, "asked_at": str, "platform": str, "channel": str, "user": str,
        "text": str, "status": str, "intent": str, "entry_id": str, "score": float,
    }, pk="id")
    db["questions"].create_index(["asked_at"])
    db["feedback"].create({
        "question_id": int, "user": str, "verdict": str, "entry_id": str, "given_at": str,
    }, pk=("question_id", "user"), foreign_keys=[("question_id", "questions", "id")])
    db["seen_events"].create({"platform": str, "event_id": str, "seen_at": str}, pk=("platform", "event_id"))


@migrations()
def m002_schedules(db: Database) -> None:
    """Daily tips and quizzes; the unique indexes are what make posts and answers exactly-once."""
    db["schedules"].create({
        "id": int, "platform": str, "workspace": str, "channel": str, "kind": str, "time": str, "timezone": str,
        "days": str, "close_minutes": int, "enabled": int, "paused_reason": str, "updated_at": str,
        "updated_by": str,
    }, pk="id", not_null={"platform", "channel", "kind", "time", "timezone", "days"},
        defaults={"workspace": "", "enabled": 1, "paused_reason": "", "close_minutes": 480})
    db["schedules"].create_index(["platform", "channel", "kind"], unique=True)
    db["posts"].create({
        "id": int, "schedule_id": int, "local_date": str, "status": str, "attempts": int, "next_attempt_at": str,
        "reason": str, "claimed_at": str, "sent_at": str, "message_ref": str, "entry_id": str, "quiz_id": int,
    }, pk="id", defaults={"attempts": 0, "reason": ""})
    db["posts"].create_index(["schedule_id", "local_date"], unique=True)
    db["posts"].create_index(["status", "next_attempt_at"])
    db["tips_shown"].create({"audience": str, "round": int, "entry_id": str, "shown_at": str},
                            pk=("audience", "round", "entry_id"))
    db["quizzes"].create({
        "id": int, "schedule_id": int, "platform": str, "workspace": str, "channel": str, "timezone": str,
        "local_date": str, "entry_id": str, "card": str, "state": str, "close_minutes": int, "posted_at": str,
        "close_at": str, "closed_at": str, "revealed_at": str, "message_ref": str, "reveal_status": str,
        "reveal_attempts": int, "reveal_next_at": str, "reveal_reason": str,
    }, pk="id", defaults={"state": "open", "reveal_status": "pending", "reveal_attempts": 0, "workspace": "",
                          "reveal_reason": ""})
    db["quizzes"].create_index(["state", "close_at"])
    db["quizzes"].create_index(["platform", "channel", "local_date"])
    db["quizzes"].create_index(["platform", "workspace"])
    db["quiz_answers"].create({
        "quiz_id": int, "user": str, "choice": str, "correct": int, "answered_at": str,
    }, pk=("quiz_id", "user"), foreign_keys=[("quiz_id", "quizzes", "id")])


@migrations()
def m003_posts_by_date(db: Database) -> None:
    """The scheduler asks which of today's posts exist: by date, so the answer costs today's posts, not history."""
    db["posts"].create_index(["local_date", "schedule_id"])
    # Every change to a schedule, by any process, bumps one number: the scheduler re-reads schedules only then.
    add_version(db, "schedules", "schedule_version")


@migrations()
def m004_retention(db: Database) -> None:
    """What `stats` and pruning ask for: outcomes without a full scan, and old rows by date."""
    db["questions"].create_index(["intent", "status"])
    db["seen_events"].create_index(["seen_at"])


@migrations()
def m005_learned(db: Database) -> None:
    """Phrasings the team taught, each an alias of an entry; a version every process watches to reload."""
    db["learned_phrasings"].create({
        "id": int, "text": str, "normalized": str, "entry_id": str, "taught_by": str, "taught_at": str,
    }, pk="id", not_null={"text", "normalized", "entry_id"})
    db["learned_phrasings"].create_index(["normalized"], unique=True)
    add_version(db, "learned_phrasings", "learned_version")


@migrations()
def m006_picks(db: Database) -> None:
    """Which entry a person picked from a "did you mean": two people picking the same one make a candidate."""
    db["picks"].create({"question_id": int, "user": str, "entry_id": str, "picked_at": str},
                       pk=("question_id", "user"), foreign_keys=[("question_id", "questions", "id")])


@migrations()
def m007_review(db: Database) -> None:
    """Entries an admin added in chat (served beside the files, watched like taught phrasings), and questions an
    admin chose to ignore in the weekly review."""
    db["learned_entries"].create({"id": str, "entry": str, "added_by": str, "added_at": str}, pk="id",
                                 not_null={"entry"})
    watch(db, "learned_entries", "learned_version")
    db["review_ignored"].create({"normalized": str, "ignored_by": str, "ignored_at": str}, pk="normalized")


@migrations()
def m008_leases(db: Database) -> None:
    """What only one process may hold at a time (the Discord gateway session): its holder, the fencing token
    that grows with every new holder, and when it runs out, in seconds on the database's clock."""
    db["leases"].create({"name": str, "holder": str, "token": int, "expires_at": float}, pk="name",
                        not_null={"holder", "token", "expires_at"})


@migrations()
def m009_learned_notices(db: Database) -> None:
    """Nothing on SQLite: PostgreSQL announces taught phrasings to every process; processes sharing one SQLite file
    see them by checking learned_version every 2 s. The step exists so both schemas keep the same list."""
