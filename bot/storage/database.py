"""One SQLite database per process: its connection, its lock, its transaction rule and the thread that runs it."""

import asyncio
import functools
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from .postgres_migrations import STEPS

if TYPE_CHECKING:
    import sqlite_utils

T = TypeVar("T")
# Where sqlite-utils records the steps applied, and under which name (see migrations.py).
MIGRATIONS_TABLE, MIGRATION_SET = "_sqlite_migrations", "backend-bot"
# Statements that open or close a transaction themselves: never committed on their own.
_TRANSACTION_CONTROL = {"BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE"}
# How long a write waits for another process's lock (a backup, a `stats` on a big log) before it fails. Calls run
# on the database thread, never on the event loop, so a long wait delays only the work that needs the database.
BUSY_TIMEOUT = 15.0


class StorageError(Exception):
    """The database cannot be opened or written; the message says which file and what to do."""


def newer_schema_error(where: str, step: str, instead: str) -> StorageError:
    return StorageError(f"the database at {where} was written by a newer backend-bot (it has schema step {step}): "
                        f"upgrade backend-bot, or set BOT_DATABASE to {instead}")


def insert_statement(table: str, row: dict) -> str:
    """INSERT of one row's columns, with a ? for each value, in the SQL both databases read."""
    columns = ", ".join(f'"{column}"' for column in row)
    return f"INSERT INTO {table} ({columns}) VALUES ({', '.join('?' * len(row))})"


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def stamp(now: datetime | None = None) -> str:
    return (now or utc_now()).astimezone(timezone.utc).isoformat(timespec="seconds")


class OffTheLoop:
    """Runs storage work on the database's own threads, so the event loop never waits for it."""

    _threads: ThreadPoolExecutor

    async def run(self, work: Callable[..., T], *args) -> T:
        """`work(*args)` on a database thread; the event loop goes on meanwhile."""
        return await asyncio.get_running_loop().run_in_executor(self._threads, functools.partial(work, *args))


def is_busy(error: Exception) -> bool:
    """Whether SQLite refused because another connection holds the file (the extended codes, SQLITE_BUSY_RECOVERY
    and the like, keep the primary code in their low byte)."""
    return isinstance(error, sqlite3.OperationalError) and error.sqlite_errorcode & 0xFF in (sqlite3.SQLITE_BUSY,
                                                                                             sqlite3.SQLITE_LOCKED)


def cannot_open(path: Path, error: Exception, waited: float) -> str:
    """Why a SQLite file cannot be used, and what to do about it."""
    if is_busy(error):
        # The file is fine: another process holds it (a backup, a migration, a long write).
        return (f"the database at {path} stayed locked by another process for {waited:g} s (a backup or a "
                "migration?): try again when it is done")
    return f"cannot use the database at {path}: {error}. Set BOT_DATABASE to a file in a folder you can write to."


class Database(OffTheLoop):
    """The connection every repository shares. Synchronous calls are for the CLI and for code already on the
    database thread; async code hands its work to `run`, which queues it on that one thread."""

    dialect = "sqlite"
    # SQLite has no row locks: BEGIN IMMEDIATE or a single statement already orders writers.
    share_lock = ""

    def __init__(self, path: Path, busy_timeout: float = BUSY_TIMEOUT, reading: bool = False):
        self.path = path
        self._lock = threading.RLock()
        self._threads = ThreadPoolExecutor(max_workers=1, thread_name_prefix="database")
        self._tables: "sqlite_utils.Database | None" = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.connection = sqlite3.connect(path, timeout=busy_timeout, check_same_thread=False)
            # As sqlite-utils sets it: a trigger's own change may fire triggers too.
            self._execute("PRAGMA recursive_triggers = on")
            self._switch_to_wal(busy_timeout)
            # In WAL mode, NORMAL syncs at checkpoints rather than on every commit: a commit survives the process
            # being killed, though not the machine losing power. The per-event claim and log stay cheap.
            self._execute("PRAGMA synchronous = NORMAL")
            # The step names are PostgreSQL's list, which a test holds equal to migrations.py's.
            if self._applied_steps() != [name for name, _ in STEPS]:
                self._migrate()
            elif reading:
                return  # WAL lets it read beside another process's write lock; the write probe would wait for it
            # A read-only file opens and reads fine, then fails every write: find out now, not at the first vote.
            version = self._execute("PRAGMA user_version").fetchone()[0]
            self._execute(f"PRAGMA user_version = {int(version)}")
        except (OSError, sqlite3.Error) as error:
            raise StorageError(cannot_open(path, error, busy_timeout)) from error

    def _switch_to_wal(self, patience: float) -> None:
        """WAL mode. Switching a new file to it needs the file to itself, and SQLite may then answer "locked" at
        once rather than wait out the busy timeout as other statements do: while another process starting beside
        this one writes the schema, this one tries again until `patience` runs out."""
        deadline = time.monotonic() + patience
        while True:
            try:
                self._execute("PRAGMA journal_mode = wal")
                return
            except sqlite3.OperationalError as error:
                if not is_busy(error) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    @property
    def tables(self) -> "sqlite_utils.Database":
        """The connection as sqlite-utils sees it: for the schema steps and for tools that list tables. Imported
        only when needed, so a database whose schema is current opens without loading the library."""
        if self._tables is None:
            import sqlite_utils

            self._tables = sqlite_utils.Database(self.connection)
        return self._tables

    def _applied_steps(self) -> list[str]:
        """The schema steps recorded in the file, in the order they were applied ([] for a new file)."""
        try:
            return [name for (name,) in self.connection.execute(
                f"SELECT name FROM {MIGRATIONS_TABLE} WHERE migration_set = ? ORDER BY rowid", [MIGRATION_SET])]
        except sqlite3.OperationalError as error:
            if "no such table" in str(error):
                return []
            raise

    def _migrate(self) -> None:
        """Applies the pending schema steps holding the write lock throughout: of several processes starting on a
        new file, one applies them and the others then find none pending (none fails on a half-made schema)."""
        from .migrations import migrations, newer_steps

        self._execute("BEGIN IMMEDIATE")
        try:
            newer = newer_steps(self.tables)
            if newer:
                raise newer_schema_error(str(self.path), newer[-1], "another file")
            migrations.apply(self.tables)
        except BaseException:
            self.connection.rollback()
            raise
        self.connection.commit()

    def _execute(self, sql: str, parameters: Sequence = ()) -> sqlite3.Cursor:
        """One statement. Outside a transaction a write commits at once, and a failed one leaves no transaction
        open behind it (the rule sqlite-utils keeps, so the schema steps and the rest behave alike)."""
        was_in_transaction = self.connection.in_transaction
        try:
            cursor = self.connection.execute(sql, parameters)
        except BaseException:
            if not was_in_transaction and self.connection.in_transaction:
                self.connection.rollback()
            raise
        if (not was_in_transaction and self.connection.in_transaction and cursor.description is None
                and sql.lstrip().split(None, 1)[0].upper() not in _TRANSACTION_CONTROL):
            self.connection.commit()
        return cursor

    def describe(self) -> str:
        return f"SQLite at {self.path}"

    def schema_steps(self) -> list[str]:
        with self._lock:
            return self._applied_steps()

    def check(self) -> str:
        """'' when the database answers a read at once, else why not. It uses a connection of its own, so
        writes queued behind another process's lock never delay the answer."""
        try:
            probe = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=0.5)
            try:
                probe.execute("SELECT version FROM schedule_version").fetchone()
            finally:
                probe.close()
        except sqlite3.Error as error:
            return f"the database does not answer: {error}"
        return ""

    def close(self) -> None:
        self._threads.shutdown(wait=True)
        self.connection.close()

    @contextmanager
    def transaction(self, lock: str = ""):
        """Statements in the block commit together. IMMEDIATE takes the write lock up front, so a read-then-write
        never meets a writer that got in between, whatever `lock` names (PostgreSQL locks only that)."""
        with self._lock:
            try:
                self._execute("BEGIN IMMEDIATE")
                try:
                    yield self
                except BaseException:
                    self.connection.rollback()
                    raise
                self.connection.commit()
            except sqlite3.Error as error:
                raise StorageError(f"cannot write to the database at {self.path}: {error}") from error

    def execute(self, sql: str, parameters: Sequence = ()) -> sqlite3.Cursor:
        """One statement, committed on its own; rowcount says whether this process won a claim."""
        with self._lock:
            try:
                return self._execute(sql, list(parameters))
            except sqlite3.Error as error:
                raise StorageError(f"cannot use the database at {self.path}: {error}") from error

    def rows(self, sql: str, parameters: Sequence = ()) -> list[dict]:
        """The rows a query (or an INSERT/UPDATE ... RETURNING) gives; a write outside a transaction is committed."""
        with self._lock:
            was_in_transaction = self.connection.in_transaction
            cursor = self.execute(sql, parameters)
            names = [column[0] for column in cursor.description]
            found = [dict(zip(names, values)) for values in cursor.fetchall()]
            # A write is committed on its own only when it returns no rows: a RETURNING one is committed here.
            if not was_in_transaction and self.connection.in_transaction:
                self.connection.commit()
            return found

    def insert(self, table: str, row: dict) -> int:
        with self._lock:
            try:
                return self._execute(insert_statement(table, row), list(row.values())).lastrowid
            except sqlite3.Error as error:
                raise StorageError(f"cannot write to the database at {self.path}: {error}") from error
