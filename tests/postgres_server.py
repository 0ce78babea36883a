"""A real PostgreSQL for the tests: started once a session from the machine's server binaries, in a temporary
folder, on a private port; each test gets a database of its own. Without binaries the PostgreSQL cases skip."""

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

# What a fresh server binary lacks, said once as the skip reason of every PostgreSQL case.
NO_SERVER = "no PostgreSQL server binaries (initdb, pg_ctl): install Debian's postgresql package to run these cases"
SUPERUSER = "postgres"
TEMPLATE = "bot_template"


def find_bindir() -> Path | None:
    """Where initdb and pg_ctl are: Debian's versioned folders (newest first), pg_config's answer, or PATH."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version, reverse=True)
    if shutil.which("pg_config"):
        found = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        candidates.append(found.stdout.strip())
    if shutil.which("initdb"):
        candidates.append(str(Path(shutil.which("initdb")).parent))
    return next((Path(folder) for folder in candidates
                 if folder and (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists()), None)


def _version(folder: str) -> int:
    name = Path(folder).parent.name
    return int(name) if name.isdigit() else 0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PostgresServer:
    """initdb, pg_ctl start and stop. The server refuses to run as root, so as root it runs as the `postgres`
    account (Debian's package makes it), else as `nobody`; otherwise as whoever runs the tests."""

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.folder = Path(tempfile.mkdtemp(prefix="backend-bot-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.account = _server_account()
        self._names = itertools.count(1)

    def start(self) -> "PostgresServer":
        if self.account:
            shutil.chown(self.folder, user=self.account)
        self.folder.chmod(0o700)
        self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "--encoding=UTF8",
                  "--no-sync", "--no-instructions")
        # fsync off: a test server's data need not survive a power cut, and syncing is most of the run time.
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "server.log"), "-w", "-t", "60",
                  "-o", options, "start")
        return self

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str = "postgres", password: str = "") -> str:
        secret = f":{password}" if password else ""
        return f"postgresql://{SUPERUSER}{secret}@127.0.0.1:{self.port}/{database}"

    def admin(self, sql: str) -> None:
        """One statement as the superuser, outside a transaction (CREATE DATABASE must be)."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(sql)

    def new_database(self, template: str = TEMPLATE) -> str:
        """A fresh database's URL: a copy of `template` (migrated once a session), or empty from template0."""
        name = f"test_{os.getpid()}_{next(self._names)}"
        self.admin(f"CREATE DATABASE {name} TEMPLATE {template}")
        return self.url(name)

    def drop(self, url: str) -> None:
        self.admin(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")

    def _run(self, program: str, *arguments: str) -> None:
        command = [str(self.bindir / program), *arguments]
        if self.account:
            command = ["runuser", "-u", self.account, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, cwd=self.folder, timeout=120)
        if done.returncode != 0:
            log = self.folder / "server.log"
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise RuntimeError(f"{program} failed ({done.returncode}): {done.stderr.strip()} {tail}")


def _server_account() -> str:
    if os.geteuid() != 0:
        return ""
    for name in (SUPERUSER, "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise RuntimeError("running as root with neither a postgres nor a nobody account to run the server as")


@pytest.fixture(scope="session")
def postgres_server():
    bindir = find_bindir()
    if bindir is None:
        pytest.skip(NO_SERVER)
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip('psycopg is not installed: pip install ".[test]" (it includes the postgres extra)')
    server = PostgresServer(bindir).start()
    try:
        from bot.storage.postgres import PostgresDatabase

        server.admin(f"CREATE DATABASE {TEMPLATE}")
        PostgresDatabase(server.url(TEMPLATE)).close()
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server):
    """A migrated database of this test's own, dropped afterwards."""
    url = postgres_server.new_database()
    yield url
    postgres_server.drop(url)


@pytest.fixture
def empty_postgres_url(postgres_server):
    """A database with no tables at all, for tests of migrating one."""
    url = postgres_server.new_database(template="template0")
    yield url
    postgres_server.drop(url)
