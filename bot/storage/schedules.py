"""Schedules, their posts (one per schedule per local date) and tip rotation."""

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from ..core.commands import ScheduleSpec, describe_spec
from ..core.knowledge import Entry
from ..core.tips import is_round_over, next_tip
from .database import stamp

if TYPE_CHECKING:
    from .interfaces import SqlDatabase

# A post is claimed as `sending`; then it is `sent`, waits as `retry`, or ends `failed`. When a send's outcome is
# not known (a timeout, a dropped connection, a process killed mid-send) it is `unknown` until the channel is
# looked in: found there it is `sent`; not found, it is sent again the same local day, or else `missed`.
SENDING, RETRY, SENT, FAILED, UNKNOWN, MISSED = "sending", "retry", "sent", "failed", "unknown", "missed"


@dataclass(frozen=True)
class Schedule:
    id: int
    platform: str
    workspace: str
    channel: str
    kind: str
    time: str
    timezone: str
    days: str
    close_minutes: int
    enabled: bool
    paused_reason: str
    updated_at: datetime | None

    @property
    def is_active(self) -> bool:
        return self.enabled and not self.paused_reason

    @property
    def spec(self) -> ScheduleSpec:
        return ScheduleSpec(self.time, self.timezone, self.days, self.close_minutes)

    def describe(self) -> str:
        state = "" if self.enabled else " (off)"
        if self.enabled and self.paused_reason:
            state = f" (paused: {self.paused_reason})"
        return describe_spec(self.kind, self.spec) + state

    @classmethod
    def from_row(cls, row: dict) -> "Schedule":
        updated = datetime.fromisoformat(row["updated_at"]) if row["updated_at"] else None
        return cls(row["id"], row["platform"], row["workspace"] or "", row["channel"], row["kind"], row["time"],
                   row["timezone"], row["days"], row["close_minutes"], bool(row["enabled"]),
                   row["paused_reason"] or "", updated)


@dataclass(frozen=True)
class Post:
    id: int
    schedule_id: int
    local_date: str
    status: str
    attempts: int
    reason: str
    message_ref: str | None
    entry_id: str | None
    quiz_id: int | None

    claimed_at: datetime | None = None

    @classmethod
    def from_row(cls, row: dict) -> "Post":
        claimed = datetime.fromisoformat(row["claimed_at"]) if row["claimed_at"] else None
        return cls(row["id"], row["schedule_id"], row["local_date"], row["status"], row["attempts"],
                   row["reason"] or "", row["message_ref"], row["entry_id"], row["quiz_id"], claimed)


class ScheduleStorage:
    def __init__(self, db: "SqlDatabase"):
        self.db = db

    def set_schedule(self, platform: str, channel: str, kind: str, spec: ScheduleSpec, workspace: str = "",
                     by: str = "", now: datetime | None = None) -> Schedule:
        """Turns the channel's `kind` on with `spec`, replacing its earlier time; clears a pause."""
        sql = """INSERT INTO schedules (platform, workspace, channel, kind, time, timezone, days, close_minutes,
                     enabled, paused_reason, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, '', ?, ?)
                 ON CONFLICT (platform, channel, kind) DO UPDATE SET workspace = excluded.workspace,
                     time = excluded.time, timezone = excluded.timezone, days = excluded.days,
                     close_minutes = excluded.close_minutes, enabled = 1, paused_reason = '',
                     updated_at = excluded.updated_at, updated_by = excluded.updated_by"""
        self.db.execute(sql, [platform, workspace, channel, kind, spec.time, spec.timezone, spec.days,
                           spec.close_minutes, stamp(now), by])
        return self.find_schedule(platform, channel, kind)

    def turn_off(self, platform: str, channel: str, kind: str, by: str = "", now: datetime | None = None) -> bool:
        sql = "UPDATE schedules SET enabled = 0, updated_at = ?, updated_by = ? WHERE platform = ? AND channel = ? " \
              "AND kind = ? AND enabled = 1"
        return self.db.execute(sql, [stamp(now), by, platform, channel, kind]).rowcount == 1

    def remove_schedule(self, schedule_id: int) -> bool:
        # Its posts go too: SQLite may hand the id to the next schedule, which must not inherit "already posted".
        with self.db.transaction() as db:
            db.execute("DELETE FROM posts WHERE schedule_id = ?", [schedule_id])
            return db.execute("DELETE FROM schedules WHERE id = ?", [schedule_id]).rowcount == 1

    def pause_schedule(self, schedule_id: int, reason: str, now: datetime | None = None) -> None:
        self.db.execute("UPDATE schedules SET paused_reason = ?, updated_at = ? WHERE id = ?",
                        [reason or "paused", stamp(now), schedule_id])

    def schedules(self, platform: str | None = None, channel: str | None = None) -> list[Schedule]:
        where, values = [], []
        for column, value in (("platform", platform), ("channel", channel)):
            if value is not None:
                where.append(f"{column} = ?")
                values.append(value)
        sql = "SELECT * FROM schedules" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id"
        return [Schedule.from_row(row) for row in self.db.rows(sql, values)]

    def find_schedule(self, platform: str, channel: str, kind: str) -> Schedule | None:
        found = self.db.rows("SELECT * FROM schedules WHERE platform = ? AND channel = ? AND kind = ?",
                          [platform, channel, kind])
        return Schedule.from_row(found[0]) if found else None

    def schedule(self, schedule_id: int) -> Schedule | None:
        found = self.db.rows("SELECT * FROM schedules WHERE id = ?", [schedule_id])
        return Schedule.from_row(found[0]) if found else None

    def version(self) -> int:
        """A number that changes whenever any process adds, changes or removes a schedule."""
        return self.db.rows("SELECT version FROM schedule_version WHERE id = 1")[0]["version"]

    def posted_on(self, local_dates: set[str]) -> set[tuple[int, str]]:
        """(schedule id, local date) of every post claimed on those dates, whatever became of it."""
        marks = ", ".join("?" for _ in local_dates)
        rows = self.db.rows(f"SELECT schedule_id, local_date FROM posts WHERE local_date IN ({marks})",
                            sorted(local_dates))
        return {(row["schedule_id"], row["local_date"]) for row in rows}

    def claim_post(self, schedule_id: int, local_date: str, now: datetime | None = None) -> int | None:
        """The new post's id when this process is first to claim (schedule, local date); None when another was."""
        sql = """INSERT INTO posts (schedule_id, local_date, status, attempts, claimed_at) VALUES (?, ?, ?, 1, ?)
                 ON CONFLICT DO NOTHING RETURNING id"""
        claimed = self.db.rows(sql, [schedule_id, local_date, SENDING, stamp(now)])
        return claimed[0]["id"] if claimed else None

    def set_post_content(self, post_id: int, entry_id: str, quiz_id: int | None = None) -> None:
        self.db.execute("UPDATE posts SET entry_id = ?, quiz_id = ? WHERE id = ?", [entry_id, quiz_id, post_id])

    def mark_sent(self, post_id: int, message_ref: str, now: datetime | None = None) -> None:
        self.db.execute("UPDATE posts SET status = ?, message_ref = ?, sent_at = ?, reason = '', next_attempt_at = NULL "
                     "WHERE id = ?", [SENT, message_ref, stamp(now), post_id])

    def mark_retry(self, post_id: int, reason: str, next_attempt_at: datetime) -> None:
        self.db.execute("UPDATE posts SET status = ?, reason = ?, next_attempt_at = ? WHERE id = ?",
                     [RETRY, reason, stamp(next_attempt_at), post_id])

    def mark_failed(self, post_id: int, reason: str) -> None:
        self.db.execute("UPDATE posts SET status = ?, reason = ?, next_attempt_at = NULL WHERE id = ?",
                     [FAILED, reason, post_id])

    def retries_due(self, now: datetime) -> list[Post]:
        rows = self.db.rows("SELECT * FROM posts WHERE status = ? AND next_attempt_at <= ? ORDER BY id",
                         [RETRY, stamp(now)])
        return [Post.from_row(row) for row in rows]

    def claim_retry(self, post: Post, now: datetime | None = None) -> bool:
        """True when this process takes the retry (or the resolution of an unknown outcome); the attempt count
        makes a second taker lose."""
        sql = "UPDATE posts SET status = ?, attempts = attempts + 1, claimed_at = ? " \
              "WHERE id = ? AND status = ? AND attempts = ?"
        return self.db.execute(sql, [SENDING, stamp(now), post.id, post.status, post.attempts]).rowcount == 1

    def mark_unknown(self, post_id: int, reason: str, look_again_at: datetime | None = None) -> None:
        self.db.execute("UPDATE posts SET status = ?, reason = ?, next_attempt_at = ? WHERE id = ?",
                        [UNKNOWN, reason, stamp(look_again_at) if look_again_at else None, post_id])

    def mark_missed(self, post_id: int, reason: str) -> None:
        self.db.execute("UPDATE posts SET status = ?, reason = ? WHERE id = ?", [MISSED, reason, post_id])

    def unresolved(self, now: datetime, stale_before: datetime) -> list[Post]:
        """Posts whose outcome is unknown (marked so, and due a look), or claimed for sending before
        `stale_before` by a process that never said how it went (it was killed, or the machine went down)."""
        sql = """SELECT * FROM posts WHERE (status = ? AND (next_attempt_at IS NULL OR next_attempt_at <= ?))
                 OR (status = ? AND claimed_at < ?) ORDER BY id"""
        rows = self.db.rows(sql, [UNKNOWN, stamp(now), SENDING, stamp(stale_before)])
        return [Post.from_row(row) for row in rows]

    def post(self, post_id: int) -> Post | None:
        found = self.db.rows("SELECT * FROM posts WHERE id = ?", [post_id])
        return Post.from_row(found[0]) if found else None

    def posts(self, schedule_id: int | None = None) -> list[Post]:
        where, values = ("WHERE schedule_id = ?", [schedule_id]) if schedule_id is not None else ("", [])
        return [Post.from_row(row) for row in self.db.rows(f"SELECT * FROM posts {where} ORDER BY id", values)]

    def _current_round(self, audience: str) -> tuple[int, list[str]]:
        """The latest round number and the entry ids shown in it, oldest first."""
        rows = self.db.rows("SELECT round, entry_id FROM tips_shown WHERE audience = ? AND round = "
                         "(SELECT max(round) FROM tips_shown WHERE audience = ?) ORDER BY shown_at, rowid",
                         [audience, audience])
        return (rows[0]["round"] if rows else 1), [row["entry_id"] for row in rows]

    def choose_entry(self, audience: str, entries: Sequence[Entry], rng: random.Random) -> Entry:
        """The next entry for `audience` ('tip:slack:C123', 'quiz:console:ann'): one not yet shown in this round,
        else the first of a new round."""
        _, shown = self._current_round(audience)
        return next_tip(entries, set(shown), rng, last_shown=shown[-1] if shown else None)

    def record_shown(self, audience: str, entry_id: str, entries: Sequence[Entry],
                     now: datetime | None = None) -> None:
        """Stored once the tip or quiz was really shown, so a failed send does not use up an entry."""
        # Two processes showing the same audience a tip must agree on the round: one reads and writes at a time.
        with self.db.transaction(lock=f"tips_shown:{audience}"):
            current, shown = self._current_round(audience)
            if entry_id in shown or (shown and is_round_over(entries, shown)):
                current += 1
            self.db.execute("INSERT INTO tips_shown (audience, round, entry_id, shown_at) VALUES (?, ?, ?, ?) "
                            "ON CONFLICT DO NOTHING", [audience, current, entry_id, stamp(now)])
