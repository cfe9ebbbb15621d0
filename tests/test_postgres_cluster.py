"""The PostgreSQL server the test command provides (tests/postgres.py): it answers, listens on
127.0.0.1 only, does not run as root, gives each test a database of its own, and when it
cannot be had the PostgreSQL tests are skipped with the reason printed."""

from __future__ import annotations

import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

import psycopg
import pytest

from tests.conftest import POSTGRES, ROOT
from tests.postgres import SYSTEM_USER, Cluster, database_name, drop_database, fresh_database

BACKENDS = ("sqlite", "postgresql")


def our_cluster(config: pytest.Config) -> Cluster:
    cluster = config.stash[POSTGRES].cluster
    if cluster is None:
        pytest.skip("the server is an existing one (CASEBOT_TEST_PG_URL), not started here")
    return cluster


def listening_addresses(port: int) -> set[str]:
    """The addresses with a TCP socket listening on `port`, from the kernel's tables."""
    found = set()
    for table, family in (("/proc/net/tcp", socket.AF_INET), ("/proc/net/tcp6", socket.AF_INET6)):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port_hex = local.split(":")
            if state == "0A" and int(port_hex, 16) == port:  # 0A: LISTEN
                # Each 32-bit word of the address is printed in host byte order.
                words = [int(address[i : i + 8], 16) for i in range(0, len(address), 8)]
                found.add(socket.inet_ntop(family, struct.pack(f"={len(words)}I", *words)))
    return found


def databases(server: str) -> set[str]:
    with psycopg.connect(server) as conn:
        return {name for (name,) in conn.execute("SELECT datname FROM pg_database")}


def test_the_server_answers_in_a_database_of_the_tests_own(pg_database: str) -> None:
    with psycopg.connect(pg_database) as conn:
        row = conn.execute("SELECT version(), current_database()").fetchone()
    assert row is not None
    version, name = row
    assert version.startswith("PostgreSQL ")
    assert name == database_name(pg_database) and name.startswith("casebot_test_")


def test_each_backend_of_a_module_gets_its_run(backend: str, request: pytest.FixtureRequest):
    """This module says BACKENDS = ("sqlite", "postgresql"): the test runs once on each, and
    the PostgreSQL run has a database to open."""
    if backend == "postgresql":
        with psycopg.connect(request.getfixturevalue("pg_database")) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    else:
        assert "pg_server" not in request.fixturenames


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux's /proc/net/tcp")
def test_the_cluster_listens_on_loopback_only(pg_server: str, pytestconfig: pytest.Config):
    cluster = our_cluster(pytestconfig)
    assert listening_addresses(cluster.port) == {"127.0.0.1"}
    # 127.0.0.2 is loopback too: a server listening on every address would accept there.
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.2", cluster.port), timeout=10).close()
    with psycopg.connect(pg_server) as conn:
        row = conn.execute("SHOW unix_socket_directories").fetchone()
    assert row == (str(cluster.root),)


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs Linux's /proc")
def test_the_server_does_not_run_as_root(pg_server: str, pytestconfig: pytest.Config) -> None:
    cluster = our_cluster(pytestconfig)
    postmaster = int((cluster.data / "postmaster.pid").read_text().split()[0])
    with psycopg.connect(pg_server) as conn:
        row = conn.execute("SELECT pg_backend_pid()").fetchone()
    assert row is not None
    runners = {Path(f"/proc/{pid}").stat().st_uid for pid in (postmaster, row[0])}
    if os.geteuid() == 0:
        import pwd

        user = pwd.getpwnam(SYSTEM_USER).pw_uid
        assert runners == {user}
        assert cluster.data.stat().st_uid == cluster.root.stat().st_uid == user
    else:
        assert runners == {os.geteuid()}


def test_fresh_databases_are_independent_and_dropped(pg_server: str) -> None:
    first, second = fresh_database(pg_server), fresh_database(pg_server)
    assert database_name(first) != database_name(second)
    left_open = psycopg.connect(first, autocommit=True)
    try:
        left_open.execute("CREATE TABLE notes (body TEXT NOT NULL)")
        left_open.execute("INSERT INTO notes VALUES ('嘎查党支部召开会议')")
        with psycopg.connect(second) as conn:
            assert conn.execute("SELECT to_regclass('notes')").fetchone() == (None,)
        # A test that fails before closing its store leaves connections: dropping ends them.
        drop_database(pg_server, first)
        drop_database(pg_server, second)
        with pytest.raises(psycopg.OperationalError):
            left_open.execute("SELECT 1")
    finally:
        left_open.close()
    assert {database_name(first), database_name(second)}.isdisjoint(databases(pg_server))


def test_a_copy_of_a_template_starts_with_its_rows_and_goes_its_own_way(pg_server: str):
    template = fresh_database(pg_server)
    try:
        with psycopg.connect(template) as conn:
            conn.execute("CREATE TABLE places (name TEXT PRIMARY KEY)")
            conn.execute("INSERT INTO places VALUES ('鄂尔多斯市')")
        copy = fresh_database(pg_server, template=template)
        try:
            with psycopg.connect(copy) as conn:
                conn.execute("INSERT INTO places VALUES ('达拉特旗')")
                rows = conn.execute("SELECT name FROM places ORDER BY name").fetchall()
            assert sorted(rows) == sorted([("鄂尔多斯市",), ("达拉特旗",)])
            with psycopg.connect(template) as conn:
                assert conn.execute("SELECT name FROM places").fetchall() == [("鄂尔多斯市",)]
        finally:
            drop_database(pg_server, copy)
    finally:
        drop_database(pg_server, template)


def run_pytest(
    *args: str, env: dict[str, str], within: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """A pytest process of its own (started by the command `within`, if any), with `env` set,
    by default on this module's two tests that need a database."""
    mine = [f"{Path(__file__).relative_to(ROOT)}::{test.__name__}" for test in (
        test_the_server_answers_in_a_database_of_the_tests_own,
        test_each_backend_of_a_module_gets_its_run)]  # fmt: skip
    return subprocess.run(
        [*within, sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider",
         *(args or mine)],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
        env={k: v for k, v in os.environ.items() if not k.startswith("CASEBOT_TEST_PG")} | env,
    )  # fmt: skip


def test_the_cluster_is_stopped_and_removed_when_the_session_ends_in_failure(
    pg_server: str, pytestconfig: pytest.Config, tmp_path: Path
) -> None:
    our_cluster(pytestconfig)
    failing = tmp_path / "test_fails.py"
    failing.write_text(
        textwrap.dedent("""
            import psycopg
            from tests.conftest import POSTGRES

            def test_fails(pg_database, pytestconfig):
                cluster = pytestconfig.stash[POSTGRES].cluster
                print("cluster:", cluster.root, cluster.port)
                psycopg.connect(pg_database)  # left open, as by a test that fails midway
                raise AssertionError("fails on purpose")
        """),
        encoding="utf-8",
    )
    done = run_pytest("-s", "-p", "tests.conftest", str(failing), env={})
    assert done.returncode == 1 and "fails on purpose" in done.stdout, done.stdout + done.stderr
    found = re.search(r"cluster: (\S+) (\d+)", done.stdout)
    assert found is not None
    assert not Path(found[1]).exists()
    assert listening_addresses(int(found[2])) == set()


def test_turned_off_the_postgresql_tests_are_skipped_saying_so() -> None:
    done = run_pytest(env={"CASEBOT_TEST_PG": "0"})
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "postgresql: disabled by CASEBOT_TEST_PG=0: the PostgreSQL tests are skipped" in out
    assert "test_each_backend_of_a_module_gets_its_run[sqlite] PASSED" in out
    assert "test_each_backend_of_a_module_gets_its_run[postgresql] SKIPPED" in out
    assert out.count("SKIPPED [1] tests/test_postgres_cluster.py") == 2
    assert out.count("PostgreSQL unavailable: disabled by CASEBOT_TEST_PG=0") == 2
    assert "postgresql: not available, the PostgreSQL tests were skipped" in out


def test_an_unreachable_server_skips_the_postgresql_tests_saying_why() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        where = f"127.0.0.1:{closed.getsockname()[1]}/postgres"
        done = run_pytest(env={"CASEBOT_TEST_PG_URL": f"postgresql://casebot:s3cret@{where}"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"PostgreSQL unavailable: cannot connect to postgresql://casebot:***@{where}" in (
        done.stdout
    )
    assert "s3cret" not in done.stdout + done.stderr
    assert "test_each_backend_of_a_module_gets_its_run[sqlite] PASSED" in done.stdout


def test_without_server_programs_the_postgresql_tests_are_skipped_saying_why() -> None:
    """A machine without PostgreSQL where it cannot be installed: Debian's directory of server
    programs hidden in a mount namespace of its own, and nothing (not apt-get) on PATH."""
    unshare, lib = shutil.which("unshare"), Path("/usr/lib/postgresql")
    hide = f"mount -t tmpfs none {lib} && " if lib.is_dir() else ""
    within = (str(unshare), "--mount", "sh", "-c", f'{hide}PATH=/nonexistent exec "$@"', "sh")
    probe = [*within, sys.executable, "-c", ""]
    if (
        os.geteuid() != 0
        or unshare is None
        or subprocess.run(probe, capture_output=True).returncode
    ):
        pytest.skip("needs root and a mount namespace of its own (unshare)")
    done = run_pytest(env={}, within=within)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "postgresql: no server programs found;" in done.stdout
    assert (
        "PostgreSQL unavailable: no PostgreSQL server binaries (initdb, pg_ctl, postgres) and"
        " not root or no apt-get, so they cannot be installed"
    ) in done.stdout
    assert "test_each_backend_of_a_module_gets_its_run[sqlite] PASSED" in done.stdout
    assert "postgresql: not available, the PostgreSQL tests were skipped: no PostgreSQL" in (
        done.stdout
    )


def test_an_existing_server_is_used_as_it_is(pg_server: str, pytestconfig: pytest.Config):
    our_cluster(pytestconfig)  # the run below must not start a cluster of its own
    before = databases(pg_server)
    done = run_pytest(env={"CASEBOT_TEST_PG_URL": pg_server})
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"postgresql: the existing server {pg_server} (CASEBOT_TEST_PG_URL)" in done.stdout
    assert "3 passed" in done.stdout
    assert f"postgresql: PostgreSQL {pytestconfig.stash[POSTGRES].version}, the existing" in (
        done.stdout
    )
    assert databases(pg_server) == before  # the test databases were dropped
