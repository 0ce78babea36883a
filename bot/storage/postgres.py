"""A PostgreSQL database behind the same surface as the SQLite one: a small pool, `?` placeholders, transactions."""

import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from .database import OffTheLoop, StorageError, insert_statement, newer_schema_error
from .location import redacted, without_password

try:
    import psycopg
    from psycopg.rows import dict_row
    from psycopg_pool import ConnectionPool
except ImportError as missing:  # the PostgreSQL driver is an extra: say which, in one line, when it is absent
    raise StorageError('PostgreSQL needs the postgres extra: pip install "backend-bot[postgres]" '
                       f"({missing.name} is not installed)") from None

from .postgres_migrations import apply_migrations, applied_steps

# A few connections serve a process: calls run on as many threads, so one slow query does not hold up the rest.
POOL_SIZE = 4
CONNECT_TIMEOUT = 10
# There are as many threads as connections, so a call waits for one only while the server is unreachable: then it
# fails after this long and the person gets the storage apology, rather than silence.
POOL_WAIT = 5.0


def placeholders(sql: str) -> str:
    """The repositories' SQLite-style `?` as psycopg's `%s` (a literal `%` doubled so psycopg leaves it)."""
    return sql.replace("%", "%%").replace("?", "%s")


class PostgresDatabase(OffTheLoop):
    """Every repository's connection to PostgreSQL. Outside `transaction()` each statement commits on its own
    (autocommit); inside, the statements of that thread share one connection and commit together. The LISTEN for
    change notices holds a connection of its own, outside the pool (notices.py)."""

    dialect = "postgresql"
    # Locks the row an insert depends on until the insert commits, so a concurrent update waits or is seen.
    share_lock = " FOR SHARE"

    def __init__(self, url: str, pool_size: int = POOL_SIZE):
        self.url = url
        self._local = threading.local()
        self._threads = ThreadPoolExecutor(max_workers=pool_size, thread_name_prefix="database")
        try:
            with psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT) as connection:
                newer = apply_migrations(connection)
        except (psycopg.Error, ValueError) as error:  # ValueError: a URL psycopg cannot parse
            raise self._error("cannot use", error) from None
        if newer:
            raise newer_schema_error(redacted(url), newer[-1], "another database")
        self._pool = ConnectionPool(url, min_size=1, max_size=pool_size, open=False, name="backend-bot",
                                    timeout=POOL_WAIT,
                                    kwargs={"autocommit": True, "row_factory": dict_row,
                                            "connect_timeout": CONNECT_TIMEOUT},
                                    # A server restart leaves dead connections in the pool: test each on checkout.
                                    check=ConnectionPool.check_connection)
        self._pool.open()

    def describe(self) -> str:
        return f"PostgreSQL at {redacted(self.url)}"

    def schema_steps(self) -> list[str]:
        with self._connection() as connection:
            return applied_steps(connection)

    def check(self) -> str:
        """'' when the database answers a read at once, else why not."""
        try:
            with psycopg.connect(self.url, autocommit=True, connect_timeout=2) as probe:
                probe.execute("SELECT version FROM schedule_version").fetchone()
        except psycopg.Error as error:
            return f"the database does not answer: {self._said(error)}"
        return ""

    def close(self) -> None:
        self._threads.shutdown(wait=True)
        self._pool.close()

    @contextmanager
    def transaction(self, lock: str = ""):
        """Statements on this thread run in one transaction. `lock` names what the transaction reads and then
        writes (SQLite's BEGIN IMMEDIATE serialises every writer; here only those naming the same thing wait)."""
        if getattr(self._local, "connection", None) is not None:
            raise RuntimeError("transactions do not nest")
        with self._connection() as connection:
            try:
                with connection.transaction():
                    self._local.connection = connection
                    if lock:
                        connection.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [lock])
                    yield self
            except psycopg.Error as error:
                raise self._error("cannot write to", error) from None
            finally:
                self._local.connection = None

    def execute(self, sql: str, parameters: Sequence = ()) -> "psycopg.Cursor":
        """One statement, committed on its own unless in a transaction; rowcount says whether it won a claim."""
        with self._connection() as connection:
            try:
                return connection.execute(placeholders(sql), list(parameters))
            except psycopg.Error as error:
                raise self._error("cannot use", error) from None

    def execute_many(self, sql: str, rows: Iterable[Sequence]) -> int:
        """One statement for each of `rows`; how many rows they changed in all."""
        with self._connection() as connection:
            try:
                with connection.cursor() as cursor:
                    cursor.executemany(placeholders(sql), [list(row) for row in rows])
                    return max(cursor.rowcount, 0)
            except psycopg.Error as error:
                raise self._error("cannot write to", error) from None

    def rows(self, sql: str, parameters: Sequence = ()) -> list[dict]:
        with self._connection() as connection:
            try:
                return connection.execute(placeholders(sql), list(parameters)).fetchall()
            except psycopg.Error as error:
                raise self._error("cannot use", error) from None

    def insert(self, table: str, row: dict) -> int:
        return self.rows(insert_statement(table, row) + " RETURNING id", list(row.values()))[0]["id"]

    @contextmanager
    def _connection(self):
        """This thread's transaction's connection, else one from the pool for the one statement."""
        current = getattr(self._local, "connection", None)
        if current is not None:
            yield current
            return
        try:
            with self._pool.connection() as connection:
                yield connection
        except psycopg.OperationalError as error:
            raise self._error("cannot reach", error) from None

    def _error(self, doing: str, error: Exception) -> StorageError:
        return StorageError(f"{doing} the database at {redacted(self.url)}: {self._said(error)}")

    def _said(self, error: Exception) -> str:
        """The driver's message on one line (libpq adds hints on lines of their own), without the password."""
        return without_password(" ".join(str(error).split()), self.url)
