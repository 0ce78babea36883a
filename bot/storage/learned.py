"""Phrasings the team taught the bot: each an alias of one entry, kept across restarts and YAML edits."""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from .database import stamp

if TYPE_CHECKING:
    from .interfaces import SqlDatabase


@dataclass(frozen=True)
class Phrasing:
    text: str
    entry_id: str
    taught_by: str
    taught_at: str


def normalized(text: str) -> str:
    return " ".join(text.casefold().split())


class LearnedPhrasings:
    def __init__(self, db: "SqlDatabase"):
        self.db = db

    def teach(self, text: str, entry_id: str, by: str = "", now: datetime | None = None) -> None:
        """Adds the phrasing, or moves it to `entry_id` when it was taught before."""
        sql = """INSERT INTO learned_phrasings (text, normalized, entry_id, taught_by, taught_at) VALUES (?, ?, ?, ?, ?)
                 ON CONFLICT (normalized) DO UPDATE SET text = excluded.text, entry_id = excluded.entry_id,
                     taught_by = excluded.taught_by, taught_at = excluded.taught_at"""
        self.db.execute(sql, [" ".join(text.split()), normalized(text), entry_id, by, stamp(now)])

    def unteach(self, text: str) -> bool:
        return self.db.execute("DELETE FROM learned_phrasings WHERE normalized = ?", [normalized(text)]).rowcount == 1

    def phrasings(self) -> list[Phrasing]:
        rows = self.db.rows("SELECT text, entry_id, taught_by, taught_at FROM learned_phrasings ORDER BY id")
        return [Phrasing(row["text"], row["entry_id"], row["taught_by"] or "", row["taught_at"]) for row in rows]

    def add_entry(self, entry: dict, by: str = "", now: datetime | None = None) -> bool:
        """Stores an entry added in chat (the fields of a knowledge file's entry); False when its id is taken."""
        sql = """INSERT INTO learned_entries (id, entry, added_by, added_at) VALUES (?, ?, ?, ?)
                 ON CONFLICT (id) DO NOTHING"""
        return self.db.execute(sql, [entry["id"], json.dumps(entry, ensure_ascii=False), by,
                                     stamp(now)]).rowcount == 1

    def remove_entry(self, entry_id: str) -> bool:
        return self.db.execute("DELETE FROM learned_entries WHERE id = ?", [entry_id]).rowcount == 1

    def entries(self) -> list[dict]:
        """Entries added in chat, oldest first, each as a knowledge file would hold it."""
        rows = self.db.rows("SELECT entry FROM learned_entries ORDER BY added_at, id")
        return [json.loads(row["entry"]) for row in rows]

    def version(self) -> int:
        """A number that changes whenever any process teaches, unteaches or adds an entry."""
        return self.db.rows("SELECT version FROM learned_version WHERE id = 1")[0]["version"]
