"""Shared fixtures: a local HTTP server, the ../shared data folder, a database of each test's
own (a copy of one seeded once per session), the CLI.

The ``cli`` fixture runs ``tracker`` in this process (``tracker.cli.main`` with its own
environment mapping, stdout and stderr captured): most command tests use it, since a subprocess
costs a second of imports. :func:`run_tracker` starts a real subprocess, for the smoke tests of
each command and what only a process shows (signals, locks held by another process, exit codes).

Nothing here reaches the internet: both point CelesTrak at 127.0.0.1 (a closed port unless a test passes its own local server), switch
Launch Library 2 and the price vendors off (``TRACKER_LL2_URL=off``, ``TRACKER_YAHOO_URL=off``,
``TRACKER_EASTMONEY_URL=off``) unless a test passes a local server, and ignore any proxy settings
of the environment.
"""

from __future__ import annotations

import itertools
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import hypothesis
import pytest
from sqlalchemy.pool import NullPool

from tests.httpserver import LocalServer, serve

# Property-based tests: the suite (and so CI) runs the same examples every time, so a landing
# never depends on luck; `HYPOTHESIS_PROFILE=fuzz python -m pytest tests/test_fuzz.py` (repeat
# it for a few minutes) explores new random inputs.
hypothesis.settings.register_profile("suite", derandomize=True, database=None)
hypothesis.settings.register_profile("fuzz", derandomize=False, database=None)
hypothesis.settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "suite"))

#: ``../shared`` beside the repository: real published data for tests; may be absent.
SHARED = Path(__file__).resolve().parents[2] / "shared"

#: Seconds any one ``tracker`` subprocess may take before the test fails instead of hanging.
TRACKER_TIMEOUT = 60.0

#: Where CelesTrak is unless a test says otherwise: the discard port on localhost, which refuses
#: connections, so a test that forgets to set TRACKER_CELESTRAK_URL fails fast and stays offline.
OFFLINE_CELESTRAK = "http://127.0.0.1:9"

_PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


# -- data ------------------------------------------------------------------------------------------


def shared_path(*parts: str) -> Path:
    """A path below ../shared; skips the calling test when ../shared (or that path) is absent."""
    if not SHARED.is_dir():
        pytest.skip(f"../shared is absent: {SHARED} holds the real data these tests read")
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"../shared is incomplete: {path} is missing")
    return path


@pytest.fixture
def shared() -> Path:
    """The ../shared folder (skip the test when it is absent)."""
    return shared_path()


# -- database --------------------------------------------------------------------------------------
#
# Every test that asks for a database (``db_url``, ``cli``, ``bootstrapped``, ``unopened_db_url``
# or a template of its own) runs once per backend: SQLite, the embedded default, and PostgreSQL,
# the shared deployment. A test that checks what only one backend has (a file's modes, WAL side
# files, kill -9 against a file) is marked ``@pytest.mark.sqlite_only``. The PostgreSQL variants
# need a server: ``TRACKER_TEST_POSTGRES_URL`` (what ``.ci/run`` passes), else one this session
# starts from the machine's server binaries (tests/pgserver.py), else they skip with the reason.

SQLITE, POSTGRESQL = "sqlite", "postgresql"
BACKENDS = (SQLITE, POSTGRESQL)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: the test checks what only a SQLite file has")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        chosen = (SQLITE,) if metafunc.definition.get_closest_marker("sqlite_only") else BACKENDS
        metafunc.parametrize("backend", chosen, indirect=True, scope="session")


@dataclass(frozen=True)
class Template:
    """A database built once and copied by tests: a SQLite file, or a PostgreSQL database (copied
    with ``CREATE DATABASE ... TEMPLATE``)."""

    backend: str
    location: str  # the SQLite file's path, or the PostgreSQL database's name


class PostgresServer:
    """The suite's PostgreSQL server: makes, copies and drops the tests' databases."""

    def __init__(self, url: str) -> None:
        from sqlalchemy import create_engine

        self.url = url
        self.admin = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        self.names = itertools.count()
        self.made_by_test: list[str] | None = None  # databases to drop when the running test ends

    def database_url(self, name: str) -> str:
        from sqlalchemy.engine import make_url

        return make_url(self.url).set(database=name).render_as_string(hide_password=False)

    def new_name(self, hint: str) -> str:
        name = f"t{next(self.names)}_{''.join(c for c in hint.lower() if c.isalnum())[:20]}"
        if self.made_by_test is not None:
            self.made_by_test.append(name)
        return name

    def sql(self, statement: str) -> None:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(statement)

    def create(self, name: str, template: str | None = None) -> str:
        self.sql(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return self.database_url(name)

    def drop(self, name: str) -> None:
        self.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


_postgres: PostgresServer | None = None


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
    """The suite's PostgreSQL server; skips when there is none to be had."""
    global _postgres
    from tests import pgserver

    url, directory = os.environ.get("TRACKER_TEST_POSTGRES_URL"), None
    if not url:
        if pgserver.binaries() is None:
            pytest.skip("no PostgreSQL server binaries (pg_ctl, initdb) here and no TRACKER_TEST_POSTGRES_URL: "
                        "the PostgreSQL variant needs a server (.ci/run installs and starts one)")
        directory = Path(tempfile.mkdtemp(prefix="tracker-pg-"))
        directory.chmod(0o755)  # the server's user (not root) must reach its cluster below
        try:
            url = pgserver.start(directory / "server")
        except RuntimeError as exc:
            shutil.rmtree(directory, ignore_errors=True)
            pytest.skip(f"the PostgreSQL server did not start: {exc}")
    _postgres = PostgresServer(url)
    yield _postgres
    _postgres.admin.dispose()
    _postgres = None
    if directory is not None:
        pgserver.stop(directory / "server")
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(autouse=True)
def _drop_test_databases() -> Iterator[None]:
    """PostgreSQL databases a test made (its copies) are dropped when it ends: the server's disk
    holds the session's templates, not a copy per test."""
    if _postgres is None:
        yield
        return
    server = _postgres
    server.made_by_test = []
    yield
    made, server.made_by_test = server.made_by_test, None
    for name in made:
        server.drop(name)


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest) -> str:
    """The database backend of this variant of the test (parametrised: ``sqlite``, ``postgresql``)."""
    if request.param == POSTGRESQL:
        request.getfixturevalue("postgres")
    return request.param


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def copy_database(template: Template | Path, directory: Path, name: str = "t.db") -> str:
    """A copy of the database ``template``; its URL (a SQLite copy is a file in ``directory``).

    Seeding a database costs a fifth of a second, building a fleet far more: a test that starts
    from a known database gets a copy of a template built once. SQLite's backup API copies what
    is committed, also what still sits in the template's write-ahead log (a command run in this
    process leaves its engine, and so the log, open).
    """
    if isinstance(template, Template) and template.backend == POSTGRESQL:
        assert _postgres is not None
        return _postgres.create(_postgres.new_name(name), template.location)
    source_path = template.location if isinstance(template, Template) else template
    path = directory / name
    with closing(sqlite3.connect(source_path)) as source, closing(sqlite3.connect(path)) as target:
        source.backup(target)
    return sqlite_url(path)


def replace_database(template: Template, db_url: str) -> str:
    """A copy of ``template`` in place of the database of ``db_url`` (say, the database the
    ``cli`` fixture is bound to); returns ``db_url``."""
    if template.backend == POSTGRESQL:
        from sqlalchemy.engine import make_url

        assert _postgres is not None
        name = make_url(db_url).database
        assert name is not None
        _postgres.drop(name)
        return _postgres.create(name, template.location)
    path = Path(db_url.removeprefix("sqlite:///"))
    return copy_database(template, path.parent, path.name)


def fresh_url(backend: str, directory: Path, name: str = "new.db") -> str:
    """The URL of a database that does not exist yet (SQLite) or is empty (PostgreSQL)."""
    if backend == POSTGRESQL:
        assert _postgres is not None
        return _postgres.create(_postgres.new_name(name))
    return sqlite_url(directory / name)


def build_template(
    tmp_path_factory: pytest.TempPathFactory, name: str, fill: Callable[..., object] | None = None, backend: str = SQLITE
) -> Template:
    """A database bootstrapped by the product (as any first command leaves it), then
    ``fill(engine)``; engine disposed. For session- or module-scoped template fixtures."""
    from tracker.services.bootstrap import open_database

    if backend == POSTGRESQL:
        assert _postgres is not None
        location = f"tpl_{name}_{next(_postgres.names)}"
        url = _postgres.create(location)
    else:
        location = str(tmp_path_factory.mktemp(name) / "template.db")
        url = sqlite_url(Path(location))
    engine = open_database(url)
    try:
        if fill is not None:
            fill(engine)
    finally:
        engine.dispose()
    return Template(backend, location)


@pytest.fixture(scope="session")
def bootstrapped(tmp_path_factory: pytest.TempPathFactory, backend: str) -> Template:
    """A database as the first command leaves it (schema, built-in constellation rules, bundled
    calendar and watchlist): built once per session and backend, copied by :func:`db_url`."""
    return build_template(tmp_path_factory, "bootstrapped", backend=backend)


def import_active_catalogue(engine) -> None:
    from tracker.services import orbits

    report = orbits.import_elements(engine, [shared_path("data", "celestrak", "gp-2026-08-18", "active.csv")])
    assert (report.counts.new_satellites, report.partial) == (16344, False)


@pytest.fixture(scope="session")
def active_catalogue(tmp_path_factory: pytest.TempPathFactory, backend: str) -> Template:
    """A database holding CelesTrak's whole active catalogue of 2026-08-18 (16,344 objects,
    seconds to import): imported once per session and backend, for tests to copy."""
    return build_template(tmp_path_factory, "catalogue", import_active_catalogue, backend)


@pytest.fixture
def db_url(tmp_path: Path, bootstrapped: Template) -> str:
    """A SQLAlchemy URL of this test's own database (``sqlite:///<tmp>/t.db``, or a PostgreSQL
    database): a copy of :func:`bootstrapped`, so opening it finds the bundled data seeded and
    costs one lookup."""
    return copy_database(bootstrapped, tmp_path)


@pytest.fixture
def unopened_db_url(tmp_path: Path, backend: str) -> str:
    """A SQLAlchemy URL for a database no command has opened yet: ``sqlite:///<tmp>/new.db`` (no
    file), or an empty PostgreSQL database (for tests of what the first command does)."""
    return fresh_url(backend, tmp_path)


# -- the tracker command ---------------------------------------------------------------------------


def tracker_command(*args: str | os.PathLike[str]) -> list[str]:
    """The argv of ``python -m tracker ARGS`` with this interpreter."""
    return [sys.executable, "-m", "tracker", *map(str, args)]


def tracker_env(db_url: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a tracker subprocess: TRACKER_DB, CelesTrak on a closed local port,
    Launch Library 2 off, no proxies; ``extra`` (e.g. a local server's URL) goes on top."""
    env = {k: v for k, v in os.environ.items() if k not in _PROXY_VARS}
    env.update(
        TRACKER_DB=db_url, TRACKER_CELESTRAK_URL=OFFLINE_CELESTRAK, TRACKER_LL2_URL="off",
        TRACKER_YAHOO_URL="off", TRACKER_EASTMONEY_URL="off", NO_PROXY="*",
    )
    env.update(extra or {})
    return env


def run_tracker(
    *args: str | os.PathLike[str],
    env: Mapping[str, str] | None = None,
    input: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m tracker ARGS`` to completion; ``env`` must provide TRACKER_DB.

    ``env`` is added to the test process's environment (see :func:`tracker_env`); stdout and
    stderr are captured as text; a run longer than :data:`TRACKER_TIMEOUT` fails the test.
    """
    env = dict(env or {})
    if "TRACKER_DB" not in env:
        raise ValueError("run_tracker needs TRACKER_DB in env (or use the `cli` fixture)")
    return subprocess.run(
        tracker_command(*args),
        env=tracker_env(env["TRACKER_DB"], env),
        input=input,
        capture_output=True,
        text=True,
        timeout=TRACKER_TIMEOUT,
        check=False,
    )


def run_in_process(*args: str | os.PathLike[str], env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    """``tracker ARGS`` run by ``tracker.cli.main`` in this process, with :func:`tracker_env`
    over ``env`` as its environment; the result looks like :func:`run_tracker`'s."""
    import contextlib
    import io
    import warnings

    from tracker.cli import main

    argv = [str(a) for a in args]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), warnings.catch_warnings():
        try:
            code = main(argv, environ=tracker_env(env["TRACKER_DB"], env))
        except SystemExit as exc:  # argparse: --help, usage errors
            code = exc.code if isinstance(exc.code, int) else 1
    return subprocess.CompletedProcess(["tracker", *argv], code, out.getvalue(), err.getvalue())


@pytest.fixture
def cli(db_url: str) -> Callable[..., subprocess.CompletedProcess[str]]:
    """``tracker`` in this process, bound to this test's database: ``cli("tle", "import", path)``."""

    def run(*args: str | os.PathLike[str], env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return run_in_process(*args, env={"TRACKER_DB": db_url, **(env or {})})

    return run


# -- network ---------------------------------------------------------------------------------------


@pytest.fixture
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    """The price vendors' politeness waits (spacing, retry backoff) are for real servers: a local
    server does not need them, and the suite should not sleep through them. (The waits
    themselves are tested in test_market_clients with a fake clock.)"""
    from markets.eastmoney import EastmoneyClient
    from markets.fetch import PoliteClient
    from markets.yahoo import YahooClient

    defaults = PoliteClient.__init__.__kwdefaults__
    monkeypatch.setattr(PoliteClient.__init__, "__kwdefaults__", {**defaults, "backoff": 0.0})
    for client in (YahooClient, EastmoneyClient):
        monkeypatch.setattr(client, "MIN_INTERVAL", 0.0)


@pytest.fixture
def http_server() -> Iterator[LocalServer]:
    """A started :class:`~tests.httpserver.LocalServer` without routes; stopped afterwards."""
    yield from serve()
