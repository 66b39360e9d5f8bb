"""A throwaway PostgreSQL cluster for tests that run real drivers.

Each pytest process (each xdist worker) starts its own cluster in a temp directory on a free
127.0.0.1 port, logs every statement to a file the tests read back, and stops it at the end of
the session. PostgreSQL refuses to run as root, so under root the server processes run as an
unprivileged OS user (`postgres`, created when missing).
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ADMIN_USER = "pinless_admin"
ADMIN_PASSWORD = "admin-secret"
APP_USER = "app"
APP_PASSWORD = "app-secret"
APP_DATABASE = "app"
OS_USER = os.environ.get("PINLESS_PG_OS_USER", "postgres")

# Rows the example Lambda handlers read and write.
SEED_SQL = """
CREATE TABLE orders (
    id serial PRIMARY KEY,
    customer text NOT NULL,
    total numeric(10, 2) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO orders (customer, total) VALUES ('ada', 12.50), ('grace', 99.00), ('linus', 7.25);
CREATE TABLE events (
    id serial PRIMARY KEY,
    kind text NOT NULL,
    customer text,
    at timestamptz NOT NULL DEFAULT now()
);
"""

SERVER_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "max_connections": "60",
    "shared_buffers": "'16MB'",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "log_destination": "'stderr'",
    "logging_collector": "off",
    "log_statement": "'all'",
    "log_min_messages": "'warning'",
    "log_connections": "on",
    "log_disconnections": "on",
    # %q ends the prefix for non-session processes, so user@db is present on session lines only.
    "log_line_prefix": "'%m [%p] %q%u@%d '",
    "timezone": "'UTC'",
}

_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \S+ \[(?P<pid>\d+)\] "
    r"(?:(?P<user>[^@\s]*)@(?P<db>\S*) )?(?P<level>[A-Z]+\d?):  (?P<message>.*)$"
)
_STATEMENT = re.compile(r"^(?P<kind>statement|execute [^:]+): (?P<text>.*)$", re.S)


class PostgresUnavailable(RuntimeError):
    """The PostgreSQL server binaries (or a user to run them as) are not available."""


@dataclass(frozen=True)
class LogEntry:
    pid: int
    user: str | None
    database: str | None
    level: str
    message: str

    @property
    def statement(self) -> str | None:
        """The SQL text of a `statement:` / `execute <name>:` entry, else None."""
        match = _STATEMENT.match(self.message) if self.level == "LOG" else None
        return match["text"] if match else None


def find_bindir() -> Path:
    """Directory holding initdb/pg_ctl: $PG_BINDIR, PATH, or the Debian layout."""
    candidates = [os.environ.get("PG_BINDIR", "")]
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(str(Path(initdb).resolve().parent))
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for candidate in filter(None, candidates):
        if all((Path(candidate) / tool).exists() for tool in ("initdb", "pg_ctl", "postgres")):
            return Path(candidate)
    raise PostgresUnavailable(
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found on PATH, in $PG_BINDIR "
        "or /usr/lib/postgresql/*/bin; install the postgresql-15 package (Debian/Ubuntu)"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_account() -> pwd.struct_passwd | None:
    """The OS user to run the server as: None to run as ourselves (not root)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(OS_USER)
    except KeyError:
        pass
    # Only root reaches this point; a system account with no home or shell is enough.
    useradd = shutil.which("useradd")
    if useradd is None:
        raise PostgresUnavailable(f"running as root, no OS user {OS_USER!r} and no useradd")
    subprocess.run(
        [useradd, "--system", "--user-group", "--no-create-home",
         "--shell", "/usr/sbin/nologin", OS_USER],
        check=True, capture_output=True,
    )
    return pwd.getpwnam(OS_USER)


class Cluster:
    """One initdb'd, running cluster; use `start()` / `stop()` or the pytest fixture."""

    def __init__(self, base: Path | None = None):
        self.bindir = find_bindir()
        self.account = server_account()
        # The server account must reach the directory: $TMPDIR may be private to root.
        parent = "/tmp" if self.account is not None else None
        self.base = base or Path(tempfile.mkdtemp(prefix="pinless-pg-", dir=parent))
        self.data = self.base / "data"
        self.logfile = self.base / "server.log"
        self.port = 0
        self._admin = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> "Cluster":
        self._initdb()
        for attempt in range(3):
            self.port = free_port()
            self._configure()
            try:
                self._pg_ctl("start", "-w", "-t", "60", "-l", str(self.logfile))
                break
            except subprocess.CalledProcessError as exc:
                # Another process may have taken the port between free_port() and bind().
                if attempt == 2:
                    raise RuntimeError(f"pg_ctl start failed:\n{exc.stderr}\n{self.log_text()}")
        self._create_app_database()
        return self

    def stop(self) -> None:
        if self._admin is not None:
            self._admin.close()
            self._admin = None
        if (self.data / "postmaster.pid").exists():
            self._pg_ctl("stop", "-w", "-m", "fast", check=False)
        shutil.rmtree(self.base, ignore_errors=True)

    def _run(self, args: list[str], check: bool = True) -> subprocess.CompletedProcess:
        user = {} if self.account is None else {
            "user": self.account.pw_uid, "group": self.account.pw_gid, "extra_groups": [],
        }
        # Our own PG* variables must not leak into initdb/pg_ctl.
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C"
        return subprocess.run(args, check=check, capture_output=True, text=True, env=env,
                              cwd=self.base, timeout=120, **user)

    def _pg_ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return self._run([str(self.bindir / "pg_ctl"), "-D", str(self.data), *args], check)

    def _initdb(self) -> None:
        pwfile = self.base / "pwfile"
        pwfile.write_text(ADMIN_PASSWORD + "\n")
        if self.account is not None:
            for path in (self.base, pwfile):
                os.chown(path, self.account.pw_uid, self.account.pw_gid)
        self._run([
            str(self.bindir / "initdb"), "-D", str(self.data), "-U", ADMIN_USER,
            f"--pwfile={pwfile}", "--auth-host=scram-sha-256", "--auth-local=trust",
            "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions",
        ])

    def _configure(self) -> None:
        settings = dict(SERVER_SETTINGS, port=str(self.port),
                        unix_socket_directories=f"'{self.base}'")
        conf = "".join(f"{name} = {value}\n" for name, value in settings.items())
        # postgresql.auto.conf is read last, so a retry on another port just overwrites it.
        (self.data / "postgresql.auto.conf").write_text(conf)

    def _create_app_database(self) -> None:
        admin = self.admin()
        with admin.cursor() as cur:
            cur.execute(f"CREATE ROLE {APP_USER} LOGIN PASSWORD %s", (APP_PASSWORD,))
            cur.execute(f"CREATE DATABASE {APP_DATABASE} OWNER {APP_USER}")
        import psycopg2

        with psycopg2.connect(self.dsn()) as conn, conn.cursor() as cur:
            cur.execute(SEED_SQL)
        conn.close()

    # -- connection helpers ------------------------------------------------------------------

    def dsn(self, user: str = APP_USER, database: str = APP_DATABASE) -> str:
        password = ADMIN_PASSWORD if user == ADMIN_USER else APP_PASSWORD
        return f"postgresql://{user}:{password}@127.0.0.1:{self.port}/{database}"

    def admin_dsn(self) -> str:
        return self.dsn(ADMIN_USER, "postgres")

    def env(self) -> dict[str, str]:
        """Environment a handler under test reads its connection settings from."""
        return {
            "DATABASE_URL": self.dsn(),
            "PGHOST": "127.0.0.1",
            "PGPORT": str(self.port),
            "PGUSER": APP_USER,
            "PGPASSWORD": APP_PASSWORD,
            "PGDATABASE": APP_DATABASE,
            "PINLESS_ADMIN_DSN": self.admin_dsn(),
        }

    def admin(self):
        """A shared autocommit superuser connection (psycopg2) to the `postgres` database."""
        if self._admin is None or self._admin.closed:
            import psycopg2

            self._admin = psycopg2.connect(self.admin_dsn())
            self._admin.autocommit = True
        return self._admin

    def app_backends(self, user: str = APP_USER) -> int:
        """Client backends of `user` in pg_stat_activity right now."""
        return count_backends(self.admin(), user)

    def wait_backends(self, expected: int, timeout: float = 3.0, user: str = APP_USER) -> int:
        """Poll until `expected` backends remain: a closed socket's backend exits asynchronously."""
        deadline = time.monotonic() + timeout
        while True:
            count = self.app_backends(user)
            if count == expected or time.monotonic() > deadline:
                return count
            time.sleep(0.01)

    # -- server log --------------------------------------------------------------------------

    def log_mark(self) -> int:
        """An offset into the server log; pass it to `statements_since`."""
        return self.logfile.stat().st_size if self.logfile.exists() else 0

    def log_text(self, mark: int = 0) -> str:
        if not self.logfile.exists():
            return ""
        with open(self.logfile, "rb") as fh:
            fh.seek(mark)
            return fh.read().decode("utf-8", "replace")

    def entries_since(self, mark: int) -> list[LogEntry]:
        return parse_log(self.log_text(mark))

    def statements_since(self, mark: int, user: str | None = None) -> list[str]:
        """SQL the server logged (log_statement=all) since `mark`, optionally for one user."""
        return [
            entry.statement for entry in self.entries_since(mark)
            if entry.statement is not None and (user is None or entry.user == user)
        ]

    def connections_since(self, mark: int, user: str = APP_USER) -> int:
        """Authorized connections of `user` since `mark` (log_connections=on)."""
        prefix = f"connection authorized: user={user} "
        return sum(entry.message.startswith(prefix) for entry in self.entries_since(mark))


def count_backends(admin_connection, user: str = APP_USER) -> int:
    # Autocommit: every query is its own transaction, so pg_stat_activity is never a stale snapshot.
    with admin_connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE usename = %s AND backend_type = 'client backend'",
            (user,),
        )
        return cur.fetchone()[0]


def parse_log(text: str) -> list[LogEntry]:
    """Split stderr-format log text into entries; continuation lines start with a tab."""
    entries: list[LogEntry] = []
    for line in text.splitlines():
        match = _LINE.match(line)
        if match:
            entries.append(LogEntry(
                pid=int(match["pid"]), user=match["user"], database=match["db"],
                level=match["level"], message=match["message"],
            ))
        elif line.startswith("\t") and entries:
            last = entries[-1]
            entries[-1] = LogEntry(last.pid, last.user, last.database, last.level,
                                   last.message + "\n" + line[1:])
    return entries


def running_in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
