"""Browser tests: Debian's Chromium driven by Playwright's sync API against uvicorn on 127.0.0.1."""

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from bench.server import Server as Uvicorn
from tests.browser.support import Server
from tests.support import PostgresServer, copy_database

CHROMIUM = Path(os.environ.get("RECTRACK_CHROMIUM", "/usr/bin/chromium"))
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Browser tests run on SQLite; set this to "postgresql" (with RECTRACK_TEST_POSTGRES_URL) to use PostgreSQL.
BACKEND_ENV = "RECTRACK_TEST_BROWSER_BACKEND"
# A ceiling, not a speed check: with the suite on every core a server's start shares them with two browsers.
STARTUP_TIMEOUT_S = 90


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Debian's Chromium (never a downloaded one); skipped locally without it, failed in CI.

    Playwright's sync API runs an event loop on this thread while it is started, so it lives for this package
    only (pytest ends it as soon as a test outside tests/browser comes next): tests elsewhere that call
    asyncio.run() must not find a loop running.
    """
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: apt-get install -y --no-install-recommends chromium"
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {reason}", pytrace=False)
        pytest.skip(reason)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A page in a fresh browser context (its own cookies), closed after the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


@pytest.fixture(scope="session")
def browser_template(templates: Callable[[str], str], postgres_server: PostgresServer | None) -> str:
    """The run's migrated, seeded database that the servers copy (SQLite, or PostgreSQL when asked)."""
    if os.environ.get(BACKEND_ENV) == "postgresql":
        if postgres_server is None:
            pytest.fail(f"{BACKEND_ENV}=postgresql needs RECTRACK_TEST_POSTGRES_URL", pytrace=False)
        return templates("postgresql")
    return templates("sqlite")


def _stop(uvicorn: Uvicorn, postgres_server: PostgresServer | None) -> None:
    uvicorn.stop()
    database_url = uvicorn.env["RECTRACK_DATABASE_URL"]
    if not database_url.startswith("sqlite"):
        postgres_server.drop(database_url)


@pytest.fixture(scope="module")
def server(
    browser_template: str, tmp_path_factory: pytest.TempPathFactory, postgres_server: PostgresServer | None
) -> Iterator[Server]:
    """uvicorn serving the app on 127.0.0.1 for one test module, on a fresh copy of the seeded database.

    Launched when the module starts, not for every module up front: under pytest-xdist each worker collects
    every module but runs only some, and leaves and re-enters this package between them. The server gets none
    of the developer's RECTRACK_ settings and no .env (it runs in an empty directory); no secret key either:
    the one kept in the database is used. Its output goes to the first test's captured stderr. It stops, and
    its database goes, with the module.
    """
    directory = tmp_path_factory.mktemp("browser-server")
    name = f"rectrack_browser_{uuid.uuid4().hex[:8]}"
    database_url = copy_database(browser_template, directory, name, postgres_server)
    inherited = {key: value for key, value in os.environ.items() if not key.startswith("RECTRACK_")}
    uvicorn = Uvicorn(env={"RECTRACK_DATABASE_URL": database_url}, base_env=inherited, cwd=directory).launch()
    try:
        uvicorn.wait(timeout=STARTUP_TIMEOUT_S)
        yield Server(uvicorn.base_url, database_url)
    finally:
        _stop(uvicorn, postgres_server)
