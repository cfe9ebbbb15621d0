"""A throwaway PostgreSQL server for the tests.

The first test that needs PostgreSQL starts one cluster for the session: server binaries
from `pg_config --bindir`, /usr/lib/postgresql/*/bin or PATH, installed from Debian's
packages when missing and the run is root (CI); as root the server runs as the system user
`casebot-test`, since PostgreSQL refuses to run as root. It listens on 127.0.0.1 only, on a
free port, with its socket, data and log in a temporary directory removed at the end.
Durability is off (fsync, synchronous_commit, full_page_writes): nothing outlives the run.

Each test gets its own database (`fresh_database`), dropped after it. When PostgreSQL cannot
be had, the tests that need it are skipped with the reason, shown in the report header, the
skip lines and the final summary. Environment:
  CASEBOT_TEST_PG=0                      skip the PostgreSQL tests;
  CASEBOT_TEST_PG_URL=postgresql://...   use that existing server (its maintenance database
                                         and a user who may create databases) instead.

A test's store on PostgreSQL opens the URL the `pg_database` fixture gives (tests/conftest.py),
e.g. in the `store` fixture: `await Store.open(request.getfixturevalue("pg_database"))` when
`backend == "postgresql"`. To copy a migrated database rather than migrate each test's: in a
session fixture, `url = fresh_database(pg_server)`, open a Store on it and close it again,
then have `pg_database` pass `template=url` to `SessionServer.database` (a template may have
no open connection while it is copied).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

import psycopg
from psycopg import sql

from tests.debian import install_debian_packages

if TYPE_CHECKING:
    import pwd

SWITCH = "CASEBOT_TEST_PG"
EXISTING_URL = "CASEBOT_TEST_PG_URL"
SYSTEM_USER = "casebot-test"
SUPERUSER = "casebot"
SERVER_PROGRAMS = ("initdb", "pg_ctl", "postgres")
# Appended to the cluster's postgresql.conf. Autovacuum is off so that no background work
# competes with the tests and query plans do not change with its timing.
SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "autovacuum": "off",
}


class PostgresUnavailable(Exception):
    """PostgreSQL cannot be had for this test run; the message says why."""


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _version_key(bindir: Path) -> tuple[int, ...]:
    """/usr/lib/postgresql/15/bin -> (15,): Debian keeps each major version side by side."""
    return tuple(int(n) for n in bindir.parent.name.split(".") if n.isdigit())


def server_bindir() -> Path | None:
    """The directory holding initdb, pg_ctl and postgres, or None when there is none."""
    candidates: list[Path] = []
    if pg_config := shutil.which("pg_config"):
        done = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        if done.returncode == 0:
            candidates.append(Path(done.stdout.strip()))
    lib = Path("/usr/lib/postgresql")
    candidates += sorted(lib.glob("*/bin"), key=_version_key, reverse=True)
    if initdb := shutil.which("initdb"):
        # pg_ctl finds postgres next to its own resolved path: take the real directory.
        candidates.append(Path(initdb).resolve().parent)
    return next(
        (d for d in candidates if all((d / name).is_file() for name in SERVER_PROGRAMS)), None
    )


def ensure_server_bindir() -> Path:
    """The server binaries' directory, installing Debian's `postgresql` package if needed."""
    found = server_bindir()
    if found is None:
        failure = install_debian_packages("postgresql")
        found = server_bindir()
        if found is None:
            raise PostgresUnavailable(
                "no PostgreSQL server binaries (initdb, pg_ctl, postgres) and "
                + (failure or "the installed `postgresql` package does not provide them")
            )
    return found


def system_user() -> pwd.struct_passwd:
    """The unprivileged account the server runs as when the tests run as root."""
    import pwd  # POSIX only; needed only when running as root

    try:
        return pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        pass
    done = subprocess.run(
        ["useradd", "--system", "--no-create-home", "--user-group",
         "--shell", "/usr/sbin/nologin", SYSTEM_USER],
        capture_output=True, text=True,
    )  # fmt: skip
    try:
        # Looked up again whatever useradd said: a parallel test run may have created it.
        return pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        raise PostgresUnavailable(
            f"running as root and cannot create the user {SYSTEM_USER} to run PostgreSQL as "
            f"(it refuses root): {done.stderr.strip() or 'useradd failed'}"
        ) from None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Cluster:
    """A PostgreSQL cluster in the temporary directory `root`, run by `owner` (None: by us)."""

    root: Path
    bindir: Path
    owner: pwd.struct_passwd | None
    port: int = 0

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "server.log"

    @property
    def url(self) -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/postgres"

    def run(self, program: str, *args: str) -> subprocess.CompletedProcess[str]:
        """Run one of the server programs, as the owner."""
        as_owner: dict[str, object] = {}
        if self.owner is not None:
            as_owner = {"user": self.owner.pw_uid, "group": self.owner.pw_gid, "extra_groups": []}
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        return subprocess.run(
            [str(self.bindir / program), *args],
            capture_output=True, text=True, cwd=self.root, env=env, timeout=120,
            **as_owner,  # type: ignore[arg-type]
        )  # fmt: skip

    def init(self) -> None:
        done = self.run(
            "initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust",
            "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip
        if done.returncode:
            raise PostgresUnavailable(f"initdb failed: {_last_line(done.stderr)}")
        socket_dir = str(self.root).replace("'", "''")
        settings = SETTINGS | {"unix_socket_directories": f"'{socket_dir}'"}
        with (self.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write("".join(f"{name} = {value}\n" for name, value in settings.items()))

    def start(self) -> None:
        """Start the server on a free port; `pg_ctl -w` returns once it accepts connections."""
        for _ in range(3):
            self.port = free_port()
            logged = self.log.stat().st_size if self.log.exists() else 0
            done = self.run(
                "pg_ctl", "start", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                "-o", f"-p {self.port}",
            )  # fmt: skip
            if done.returncode == 0:
                return
            with self.log.open(encoding="utf-8", errors="replace") as log:
                log.seek(logged)
                said = log.read()
            # Another process may take the free port before the server binds it: try another.
            if "Address already in use" not in said:
                break
        raise PostgresUnavailable(f"pg_ctl start failed: {_last_line(said or done.stderr)}")

    def stop(self) -> None:
        """Stop the server at once (its data is thrown away) and remove its directory."""
        if (self.data / "postmaster.pid").exists():
            self.run("pg_ctl", "stop", "-D", str(self.data), "-m", "immediate", "-w")
        shutil.rmtree(self.root, ignore_errors=True)


def _last_line(text: str) -> str:
    return (text.strip().splitlines() or ["no message"])[-1]


def start_cluster(bindir: Path) -> Cluster:
    """A new cluster, started; as root its files and processes belong to `casebot-test`."""
    owner = system_user() if _is_root() else None
    cluster = Cluster(Path(tempfile.mkdtemp(prefix="casebot-pg-")), bindir, owner)
    try:
        if owner is not None:
            os.chown(cluster.root, owner.pw_uid, owner.pw_gid)
        cluster.init()
        cluster.start()
    except (OSError, subprocess.SubprocessError) as failure:
        cluster.stop()
        raise PostgresUnavailable(f"cannot start PostgreSQL: {failure}") from failure
    except BaseException:
        cluster.stop()
        raise
    return cluster


def database_name(url: str) -> str:
    return unquote(urlsplit(url).path.lstrip("/"))


def fresh_database(server_url: str, template: str | None = None) -> str:
    """Create a database on the server at `server_url`; its URL (same user and options).

    `template` is the URL of a database to copy, e.g. one migrated once per session; copying
    needs that nobody is connected to it meanwhile (close its Store first). Without it the
    database is a copy of the server's empty template1."""
    name = f"casebot_test_{uuid.uuid4().hex}"
    create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template is not None:
        create = sql.SQL("{} TEMPLATE {}").format(create, sql.Identifier(database_name(template)))
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(create)
    return urlsplit(server_url)._replace(path=f"/{name}").geturl()


def drop_database(server_url: str, url: str) -> None:
    """Drop the database at `url`, closing any connection a failed test left open to it."""
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(drop.format(sql.Identifier(database_name(url))))


def redacted(url: str) -> str:
    """`url` with its password, if any, masked for printing."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")).geturl()


class SessionServer:
    """The PostgreSQL server of one test session, chosen from the environment: none
    (CASEBOT_TEST_PG=0), an existing one (CASEBOT_TEST_PG_URL), or a throwaway cluster
    started on first use and stopped by `stop`."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.existing = environ.get(EXISTING_URL) or None
        self.failure = f"disabled by {SWITCH}=0" if environ.get(SWITCH) == "0" else None
        self.cluster: Cluster | None = None
        self.version = ""
        self.started_in = 0.0
        self.databases = 0
        self.database_seconds = 0.0
        self._url: str | None = None

    def header(self) -> str:
        if self.failure is not None:
            return f"postgresql: {self.failure}: the PostgreSQL tests are skipped"
        if self.existing is not None:
            return f"postgresql: the existing server {redacted(self.existing)} ({EXISTING_URL})"
        bindir = server_bindir()
        if bindir is None:
            return (
                "postgresql: no server programs found; the first PostgreSQL test installs"
                " Debian's postgresql package if run as root with apt-get, or is skipped"
            )
        return f"postgresql: a throwaway cluster on 127.0.0.1 from {bindir}, started on first use"

    def url(self) -> str:
        """The server's URL (a user who may create databases, the maintenance database)."""
        if self._url is None and self.failure is None:
            began = time.perf_counter()
            try:
                self._url = self._connectable(self.existing or self._start_cluster())
            except PostgresUnavailable as unavailable:
                self.failure = str(unavailable)
                self.stop()
            self.started_in = time.perf_counter() - began
        if self.failure is not None:
            raise PostgresUnavailable(self.failure)
        assert self._url is not None
        return self._url

    def _start_cluster(self) -> str:
        self.cluster = start_cluster(ensure_server_bindir())
        return self.cluster.url

    def _connectable(self, url: str) -> str:
        try:
            with psycopg.connect(url, connect_timeout=10) as conn:
                (self.version,) = conn.execute("SHOW server_version").fetchone() or ("?",)
        except psycopg.Error as error:
            raise PostgresUnavailable(f"cannot connect to {redacted(url)}: {error}") from error
        return url

    @contextmanager
    def database(self, template: str | None = None) -> Iterator[str]:
        """A fresh database's URL for the block, dropped after it; its cost is tallied."""
        server = self.url()
        began = time.perf_counter()
        url = fresh_database(server, template)
        self.database_seconds += time.perf_counter() - began
        try:
            yield url
        finally:
            began = time.perf_counter()
            drop_database(server, url)
            self.database_seconds += time.perf_counter() - began
            self.databases += 1

    def stop(self) -> None:
        if self.cluster is not None:
            self.cluster.stop()

    def summary(self) -> str:
        if self.failure is not None:
            return f"postgresql: not available, the PostgreSQL tests were skipped: {self.failure}"
        if self._url is None:
            return "postgresql: not started, no selected test needed it"
        if self.cluster is None:
            where = f"the existing server {redacted(self._url)}"
        else:
            runner = self.cluster.owner.pw_name if self.cluster.owner else "this user"
            where = f"a throwaway cluster on 127.0.0.1:{self.cluster.port} run by {runner}"
        line = f"postgresql: PostgreSQL {self.version}, {where}, ready in {self.started_in:.2f} s"
        if self.databases:
            each = self.database_seconds / self.databases
            line += (
                f"; test databases: {self.databases}, {each * 1000:.0f} ms each to make and drop"
            )
        return line
