"""Test databases built by the real migrations, on SQLite and (when configured) PostgreSQL.

A test that writes gets a database of its own (`database`, `client`), dropped when it ends. A test that only
reads, or only gets a 4xx that changes nothing, may use `shared_client`: one app per backend over one copy
of the seeded database for the whole run, checked after every test to be unchanged. Tests that only read
data their module scripts once share `module_client` over `module_database`. A module may override
`database_template` so that every database its tests get starts from data it scripted once. A test whose
result does not depend on the database (rendering, validation, the OpenAPI document) is marked `sqlite_only`.
"""

import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine

from app.config import Settings
from app.main import create_app
from tests.support import PostgresServer, TestDatabase, copy_database, make_token, migrate, seed

POSTGRES_ENV = "RECTRACK_TEST_POSTGRES_URL"
BACKENDS = ["sqlite", "postgresql"]


def pytest_configure(config: pytest.Config) -> None:
    """CI must run the PostgreSQL leg: refuse to start without it there."""
    if os.environ.get("CI") and not os.environ.get(POSTGRES_ENV):
        raise pytest.UsageError(f"CI is set but {POSTGRES_ENV} is not: the PostgreSQL leg is required in CI.")
    config.addinivalue_line(
        "markers", "sqlite_only: the database does not matter to what it checks: run on SQLite, not on both"
    )
    config.addinivalue_line(
        "markers",
        "postgresql_only: the PostgreSQL leg of a check whose SQLite leg is a file of its own (so that "
        "pytest-xdist, which hands out whole files, runs the two legs side by side)",
    )
    # Keys an app creates during the run (the cookie key) go to a folder of the run's, never ./data.
    os.environ.setdefault("RECTRACK_DATA_DIR", tempfile.mkdtemp(prefix="rectrack-test-data-"))
    # Apps under test sequence and sign only when a test asks (`rectrack checkpoint`, tests/test_log.py):
    # a background round would change the database under tests that compare it before and after.
    os.environ.setdefault("RECTRACK_SEQUENCE_INTERVAL_SECONDS", "0")


@pytest.hookimpl(tryfirst=True)
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test marked sqlite_only (postgresql_only) gets the `backend` parameter "sqlite" ("postgresql") alone
    instead of both."""
    for marker, only in (("sqlite_only", "sqlite"), ("postgresql_only", "postgresql")):
        if metafunc.definition.get_closest_marker(marker) and "backend" in metafunc.fixturenames:
            backend_only = pytest.mark.parametrize("backend", [only], indirect=True)
            metafunc.definition.add_marker(backend_only, append=False)  # first: the ids put the backend first


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer | None]:
    """The PostgreSQL server for this run, or None when not configured."""
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        yield None
        return
    server = PostgresServer(url)
    yield server
    server.drop_all()


@pytest.fixture(scope="session")
def run_id() -> str:
    """A short id that keeps this run's databases apart from any other's."""
    return uuid.uuid4().hex[:8]


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest, postgres_server: PostgresServer | None) -> str:
    """Each test that needs a database runs once per backend (SQLite alone when marked sqlite_only)."""
    if request.param == "postgresql" and postgres_server is None:
        pytest.skip(f"PostgreSQL leg not run: set {POSTGRES_ENV} (CI requires it)")
    return request.param


def _fresh(backend: str, postgres_server: PostgresServer | None, tmp_dir: Path, name: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_dir / (name + '.db')}"
    assert postgres_server is not None
    return postgres_server.create(name)


@pytest.fixture(scope="session")
def templates(
    postgres_server: PostgresServer | None, tmp_path_factory: pytest.TempPathFactory, run_id: str
) -> Callable[[str], str]:
    """The migrated and seeded database of a backend that tests copy, never change: built once, on first use.

    The browser tests take theirs from here too, for the backend they run on.
    """
    built: dict[str, str] = {}

    def template(backend: str) -> str:
        if backend not in built:
            tmp_dir = tmp_path_factory.mktemp(f"templates-{backend}")
            url = _fresh(backend, postgres_server, tmp_dir, f"rectrack_tmpl_{run_id}")
            migrate(url)
            seed(url)
            built[backend] = url
        return built[backend]

    return template


@pytest.fixture(scope="session")
def seeded_template(backend: str, templates: Callable[[str], str]) -> str:
    """A migrated and seeded database that tests copy, never change."""
    return templates(backend)


def _copy(
    backend: str, template: str, postgres_server: PostgresServer | None, directory: Path, run_id: str
) -> TestDatabase:
    name = f"rectrack_{run_id}_{uuid.uuid4().hex[:8]}"
    return TestDatabase(backend, copy_database(template, directory, name, postgres_server))


def _drop(database: TestDatabase, postgres_server: PostgresServer | None) -> None:
    """PostgreSQL databases go as their test ends; SQLite files go with pytest's temporary directories."""
    if database.backend == "postgresql":
        assert postgres_server is not None
        postgres_server.drop(database.url)


@pytest.fixture(scope="session")
def database_template(seeded_template: str) -> str:
    """What `database` and `module_database` copy: the seeded database, unless a module scripts its own."""
    return seeded_template


@pytest.fixture
def empty_database(
    backend: str, postgres_server: PostgresServer | None, tmp_path: Path, run_id: str
) -> Iterator[TestDatabase]:
    """A brand-new database with no schema at all."""
    database = TestDatabase(
        backend, _fresh(backend, postgres_server, tmp_path, f"rectrack_{run_id}_{uuid.uuid4().hex[:8]}")
    )
    yield database
    _drop(database, postgres_server)


@pytest.fixture
def database(
    backend: str, database_template: str, postgres_server: PostgresServer | None, tmp_path: Path, run_id: str
) -> Iterator[TestDatabase]:
    """A migrated, seeded database of the test's own."""
    database = _copy(backend, database_template, postgres_server, tmp_path, run_id)
    yield database
    _drop(database, postgres_server)


@pytest.fixture
def settings(database: TestDatabase, tmp_path: Path) -> Settings:
    """Settings pointing the app at the test's database, with a data directory of its own."""
    return Settings(database_url=database.url, data_dir=tmp_path / "data", _env_file=None)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """An HTTP client talking to the app over the ASGI interface."""
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def monitor_token(database: TestDatabase) -> str:
    """A token of a monitor (may write)."""
    return make_token(database.url, "monitor", "Aigerim Monitor")


@pytest.fixture
def viewer_token(database: TestDatabase) -> str:
    """A token of a viewer (may read restricted data, not write)."""
    return make_token(database.url, "viewer", "Viktor Viewer")


@pytest.fixture
def admin_token(database: TestDatabase) -> str:
    """A token of an admin."""
    return make_token(database.url, "admin", "Ada Admin")


@pytest.fixture(scope="module")
def module_database(
    backend: str,
    database_template: str,
    postgres_server: PostgresServer | None,
    tmp_path_factory: pytest.TempPathFactory,
    run_id: str,
) -> Iterator[TestDatabase]:
    """A seeded database for one test module: its fixtures script the data once, its tests only read."""
    database = _copy(backend, database_template, postgres_server, tmp_path_factory.mktemp("module"), run_id)
    yield database
    _drop(database, postgres_server)


@pytest.fixture(scope="module")
def module_client(module_database: TestDatabase) -> Iterator[TestClient]:
    """One app over `module_database` for every test of the module that uses it."""
    with TestClient(create_app(Settings(database_url=module_database.url, _env_file=None))) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def module_viewer_token(module_database: TestDatabase) -> str:
    """A token of a viewer on `module_database`."""
    return make_token(module_database.url, "viewer", "Viktor Viewer")


@dataclass
class SharedDatabase(TestDatabase):
    """The read-only database of the whole run, with a monitor's token made before any test used it."""

    monitor_token: str


@pytest.fixture(scope="session")
def shared_database(
    backend: str,
    seeded_template: str,
    postgres_server: PostgresServer | None,
    tmp_path_factory: pytest.TempPathFactory,
    run_id: str,
) -> Iterator[SharedDatabase]:
    """One copy of the seeded database per backend, for the tests that never change anything."""
    copy = _copy(backend, seeded_template, postgres_server, tmp_path_factory.mktemp("shared"), run_id)
    yield SharedDatabase(copy.backend, copy.url, make_token(copy.url, "monitor", "Aigerim Monitor"))
    _drop(copy, postgres_server)


@pytest.fixture(scope="session")
def shared_app(shared_database: SharedDatabase) -> Iterator[TestClient]:
    """The app over the shared database, started once per backend (reach it through `shared_client`)."""
    with TestClient(create_app(Settings(database_url=shared_database.url, _env_file=None))) as test_client:
        yield test_client


_TABLES_WRITES_ADD_TO = [
    "history_entries",
    "recommendation_evidence",
    "evidence",
    "monitors",
    "api_tokens",
    "idempotency_records",
]
_WHAT_WRITES_CHANGE = [
    "SELECT sum(version) FROM recommendations",
    "SELECT count(revoked_at) FROM api_tokens",
    "SELECT count(disabled_at) FROM monitors",
]


def _data_state(engine: Engine) -> tuple:
    """What any write would move: rows and newest ids where writes add, versions and revocations."""
    added = [f"SELECT count(*), max(id) FROM {table}" for table in _TABLES_WRITES_ADD_TO]
    with engine.connect() as connection:
        return tuple(tuple(connection.execute(text(sql)).one()) for sql in added + _WHAT_WRITES_CHANGE)


@pytest.fixture
def shared_client(shared_app: TestClient) -> Iterator[TestClient]:
    """A client on the run's shared, read-only database: for tests that read, or get a 4xx changing nothing.

    Its cookies are cleared around each test; a test that did write to the database fails at teardown.
    """
    shared_app.cookies.clear()
    before = _data_state(shared_app.app.state.engine)
    yield shared_app
    shared_app.cookies.clear()
    assert _data_state(shared_app.app.state.engine) == before, "a test wrote to the shared database"


@pytest.fixture
def shared_monitor_token(shared_database: SharedDatabase) -> str:
    """A monitor's token on the shared database (for requests refused before they change anything)."""
    return shared_database.monitor_token
