"""`db copy`: a SQLite database's rows into PostgreSQL, ids kept, nothing copied twice."""

from typing import TYPE_CHECKING

from .database import Database, StorageError

if TYPE_CHECKING:
    from .postgres import PostgresDatabase

# In the order the foreign keys need them: a question before its votes and picks, a quiz before its answers.
COPIED_TABLES = ["questions", "feedback", "picks", "seen_events", "schedules", "posts", "tips_shown", "quizzes",
                 "quiz_answers", "learned_phrasings", "learned_entries", "review_ignored"]
# Not copied: the version counters are bumped by the target's own triggers as rows land, and each database keeps
# its own migration history and its own leases (held by the processes on it, for seconds).
OWN_TABLES = {"schedule_version", "learned_version", "_sqlite_migrations", "leases"}
BATCH = 1000


def copy_database(source: Database, target: "PostgresDatabase") -> dict[str, int]:
    """Copies every table of `source` into `target` in one transaction; the rows each table gained. A row whose
    key the target already has is left as it is, so a second copy adds nothing."""
    unknown = set(source.tables.table_names()) - set(COPIED_TABLES) - OWN_TABLES
    if unknown:
        # A table added by a later migration must be listed above, or its rows would be silently left behind.
        raise StorageError(f"db copy does not know the table(s) {', '.join(sorted(unknown))}: upgrade backend-bot")
    copied = {}
    with target.transaction(lock="db copy"):
        for table in COPIED_TABLES:
            columns = target_columns(target, table)
            copied[table] = sum(target.execute_many(_insert(table, columns), batch)
                                for batch in _batches(source, table, columns))
            advance_identity(target, table)
    return copied


def target_columns(target: "PostgresDatabase", table: str) -> list[str]:
    rows = target.rows("SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
                       "AND table_name = ? ORDER BY ordinal_position", [table])
    return [row["column_name"] for row in rows]


def advance_identity(target: "PostgresDatabase", table: str) -> None:
    """Moves the table's id sequence past the copied ids, so the next row PostgreSQL numbers does not collide."""
    identities = target.rows("SELECT column_name FROM information_schema.columns WHERE table_schema = "
                             "current_schema() AND table_name = ? AND is_identity = 'YES'", [table])
    for row in identities:
        column = row["column_name"]
        target.execute(f'SELECT setval(pg_get_serial_sequence(?, ?), max("{column}")) FROM {table} '
                       f'HAVING max("{column}") IS NOT NULL', [table, column])


def _batches(source: Database, table: str, columns: list[str]):
    # tips_shown's explicit rowid on PostgreSQL is SQLite's implicit one: the order tips were shown in.
    selected = ", ".join("rowid" if column == "rowid" else f'"{column}"' for column in columns)
    last = 0
    while True:
        rows = source.rows(f"SELECT rowid AS _at, {selected} FROM {table} WHERE rowid > ? ORDER BY rowid LIMIT ?",
                           [last, BATCH])
        if not rows:
            return
        last = rows[-1]["_at"]
        yield [[row[column] for column in columns] for row in rows]


def _insert(table: str, columns: list[str]) -> str:
    names = ", ".join(f'"{column}"' for column in columns)
    marks = ", ".join("?" for _ in columns)
    return f"INSERT INTO {table} ({names}) VALUES ({marks}) ON CONFLICT DO NOTHING"
