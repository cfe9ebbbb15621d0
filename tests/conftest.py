from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.ingest.pipeline import IngestReport, ingest_paths
from bot.ingest.split import split_page
from bot.store import Store
from tests.postgres import PostgresUnavailable, SessionServer

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "data" / "sample").glob("*.txt"))
POSTGRES = pytest.StashKey[SessionServer]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgresql: the test runs on the PostgreSQL backend")
    config.stash[POSTGRES] = SessionServer(os.environ)


def pytest_report_header(config: pytest.Config) -> str:
    return config.stash[POSTGRES].header()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    terminalreporter.write_line(terminalreporter.config.stash[POSTGRES].summary())


def pytest_unconfigure(config: pytest.Config) -> None:
    # Here rather than in a fixture's teardown: runs however the session ends.
    config.stash[POSTGRES].stop()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests using `backend` run on SQLite only, unless their module opts into more with
    `BACKENDS = ("sqlite", "postgresql")`; `-m "not postgresql"` leaves those runs out."""
    backends = getattr(metafunc.module, "BACKENDS", None)
    if backends is None or "backend" not in metafunc.fixturenames:
        return
    if unknown := set(backends) - {"sqlite", "postgresql"}:
        raise pytest.UsageError(f"{metafunc.module.__name__}.BACKENDS: unknown {unknown}")
    params = [
        pytest.param(b, marks=pytest.mark.postgresql) if b == "postgresql" else b for b in backends
    ]
    metafunc.parametrize("backend", params, indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """The store backend under test, "sqlite" or "postgresql"; the PostgreSQL run is
    skipped, with the reason, when the server cannot be had."""
    name = getattr(request, "param", "sqlite")
    if name == "postgresql":
        request.getfixturevalue("pg_server")
    return name


@pytest.fixture(scope="session")
def pg_server(pytestconfig: pytest.Config) -> str:
    """URL of the session's PostgreSQL server (see tests/postgres.py), started on first use."""
    try:
        return pytestconfig.stash[POSTGRES].url()
    except PostgresUnavailable as unavailable:
        pytest.skip(f"PostgreSQL unavailable: {unavailable}")


@pytest.fixture
def pg_database(pg_server: str, pytestconfig: pytest.Config) -> Iterator[str]:
    """URL of a new, empty database for this test on the session's server, dropped after it."""
    with pytestconfig.stash[POSTGRES].database() as url:
        yield url


@pytest.fixture(scope="session")
def pg_library_template(pg_server: str, pytestconfig: pytest.Config) -> Iterator[str]:
    """A database migrated once per session, which each test's library copies: creating
    the schema costs more than copying it. Closed before copying: PostgreSQL copies a
    template only while nobody is connected to it."""

    async def migrate(url: str) -> None:
        await (await Store.open(url)).close()

    with pytestconfig.stash[POSTGRES].database() as url:
        asyncio.run(migrate(url))
        yield url


@pytest.fixture
def pg_library(pg_library_template: str, pytestconfig: pytest.Config) -> Iterator[str]:
    """URL of a new database holding an empty casebot library, dropped after the test."""
    with pytestconfig.stash[POSTGRES].database(template=pg_library_template) as url:
        yield url


@pytest.fixture
def library_target(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Path | str:
    """Where the test's library is: a SQLite file, or a PostgreSQL database's URL."""
    if backend == "postgresql":
        return request.getfixturevalue("pg_library")
    return tmp_path / "casebot.db"


def seed_text(prefix: str) -> str:
    """The seed page whose file name starts with `prefix` (e.g. "004")."""
    (path,) = [p for p in SEEDS if p.name.startswith(prefix)]
    return path.read_text(encoding="utf-8")


def seed_article(prefix: str, seq: int) -> tuple[str, str]:
    """Title and normalised text of the `seq`-th article on a seed page."""
    draft = split_page(seed_text(prefix))[seq]
    return draft.title, draft.body


def casebot(*args: str, db: Path | str) -> subprocess.CompletedProcess[str]:
    """Run the `casebot` command line in a real process against the library `db` (a SQLite
    file or a PostgreSQL URL)."""
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args, "--db", str(db)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )


def migrations_of(store: Store) -> list[tuple[int, str]]:
    """(version, sql) of the migrations of the store's backend."""
    from bot.store import postgres, sqlite

    return (postgres if store.dialect == "postgresql" else sqlite).migrations()


async def ingest(store: Store, *paths: Path, **options: object) -> IngestReport:
    defaults: dict[str, object] = {
        "max_bytes": 20 * 1024 * 1024,
        "near_ratio": 90.0,
        "timezone": "Asia/Shanghai",
    }
    return await ingest_paths(store, list(paths), **(defaults | options))  # type: ignore[arg-type]


@pytest.fixture
async def store(library_target: Path | str) -> AsyncIterator[Store]:
    """An empty library on the test's backend (SQLite unless its module opts into both)."""
    s = await Store.open(library_target)
    yield s
    await s.close()


@pytest.fixture
def sample_dir(tmp_path: Path) -> Path:
    """A private copy of the bundled corpus."""
    target = tmp_path / "sample"
    shutil.copytree(ROOT / "data" / "sample", target)
    return target


@pytest.fixture
async def seeded(store: Store, sample_dir: Path) -> Store:
    """A store holding the five seed pages."""
    report = await ingest(store, sample_dir, forced_date="2024-07-01")
    assert report.rejected == []
    return store


@pytest.fixture(scope="session")
def pg_seeded_template(pg_library_template: str, pytestconfig: pytest.Config) -> Iterator[str]:
    """A PostgreSQL library holding the five seed pages, built once per session."""
    with pytestconfig.stash[POSTGRES].database(template=pg_library_template) as url:
        asyncio.run(_seed(url))
        yield url


@pytest.fixture
def seeded_target(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest, pytestconfig: pytest.Config
) -> Iterator[Path | str]:
    """A library of the test's own holding the five seed pages, on the test's backend: a
    copy of the session's (copying beats ingesting again). Closed: open it with Store.open."""
    if backend == "postgresql":
        template = request.getfixturevalue("pg_seeded_template")
        with pytestconfig.stash[POSTGRES].database(template=template) as url:
            yield url
        return
    target = tmp_path / "seeded.db"
    shutil.copy(request.getfixturevalue("seeded_file"), target)
    yield target


@pytest.fixture(scope="session")
def seeded_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A closed database file holding the five seed pages, built once per test session."""
    path = tmp_path_factory.mktemp("seeded") / "seeded.db"
    asyncio.run(_seed(path))
    return path


async def _seed(target: Path | str) -> None:
    """Imports the five seed pages into the library at `target`."""
    s = await Store.open(target)
    try:
        report = await ingest(s, ROOT / "data" / "sample", forced_date="2024-07-01")
        assert report.rejected == []
    finally:
        await s.close()
