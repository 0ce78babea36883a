"""PostgreSQL's change notices: one LISTEN connection per process, outside the pool, that wakes whoever waits."""

import asyncio
import logging

from .location import without_password
from .postgres_migrations import LEARNED_CHANNEL

log = logging.getLogger(__name__)
CONNECT_TIMEOUT = 10
# A dropped listener connects again after this long; the periodic check covers what was said meanwhile.
RECONNECT_SECONDS = 1.0
# How the listening connection shows in pg_stat_activity, beside the pool's.
APPLICATION_NAME = "backend-bot notices"


def listen_for_learned(db, heard: asyncio.Event) -> asyncio.Task | None:
    """A task that sets `heard` whenever any process teaches a phrasing or adds an entry, or None on SQLite
    (which has no notices; the periodic check is all there is). Cancel the task to stop listening."""
    if db.dialect != "postgresql":
        return None
    return asyncio.create_task(listen(db.url, LEARNED_CHANNEL, heard), name="knowledge notices")


async def listen(url: str, channel: str, heard: asyncio.Event) -> None:
    """Sets `heard` on every notice on `channel` until cancelled, and once on each (re)connect, since a notice
    sent while no connection listened is lost."""
    import psycopg  # the driver is an extra: only a PostgreSQL database gets here

    failing = False  # said once per outage, not once a second
    while True:
        try:
            async with await psycopg.AsyncConnection.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT,
                                                             application_name=APPLICATION_NAME) as connection:
                await connection.execute(f"LISTEN {channel}")
                if failing:
                    log.info("listening for knowledge changes again")
                    failing = False
                heard.set()
                async for _ in connection.notifies():
                    heard.set()
        except psycopg.Error as error:
            if not failing:
                log.warning("not listening for knowledge changes (%s); checking every few seconds meanwhile",
                            without_password(" ".join(str(error).split()), url))
                failing = True
        await asyncio.sleep(RECONNECT_SECONDS)
