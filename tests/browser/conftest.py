"""Browser tests: Debian's Chromium driven by Playwright's sync API against uvicorn on 127.0.0.1."""

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from bench.server import free_port
from tests.browser.support import Server
from tests.support import PostgresServer, migrate, seed

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
STARTUP_TIMEOUT_S = 30


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium (never a downloaded one) for one module; skipped locally without it, failed in CI.

    Playwright's sync API runs an event loop on this thread while it is started, so it lives for one module
    only: tests elsewhere that call asyncio.run() must not find a loop running.
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
def browser_template(tmp_path_factory: pytest.TempPathFactory, postgres_server: PostgresServer | None) -> str:
    """A migrated, seeded database the servers copy (SQLite file, or a PostgreSQL template)."""
    if os.environ.get(BACKEND_ENV) == "postgresql":
        if postgres_server is None:
            pytest.fail(f"{BACKEND_ENV}=postgresql needs RECTRACK_TEST_POSTGRES_URL", pytrace=False)
        url = postgres_server.create(f"rectrack_browser_tmpl_{uuid.uuid4().hex[:8]}")
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('browser-template') / 'template.db'}"
    migrate(url)
    seed(url)
    return url


def _copy(template: str, directory: Path, postgres_server: PostgresServer | None) -> str:
    if template.startswith("sqlite:///"):
        target = directory / "rectrack.db"
        shutil.copyfile(template.removeprefix("sqlite:///"), target)
        return f"sqlite:///{target}"
    assert postgres_server is not None
    name = f"rectrack_browser_{uuid.uuid4().hex[:8]}"
    return postgres_server.create(name, template=template.rsplit("/", 1)[1])


@pytest.fixture(scope="module")
def server(
    browser_template: str, tmp_path_factory: pytest.TempPathFactory, postgres_server: PostgresServer | None
) -> Iterator[Server]:
    """uvicorn serving the app on 127.0.0.1 for one test module, on a fresh copy of the seeded database."""
    directory = tmp_path_factory.mktemp("browser-server")
    database_url = _copy(browser_template, directory, postgres_server)
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("RECTRACK_")}
    env["RECTRACK_DATABASE_URL"] = database_url  # no secret key: the one kept in the database is used
    log_path = directory / "uvicorn.log"
    command = [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=directory, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, process, log_path)
        yield Server(base, database_url)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_ready(base: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"uvicorn exited with {process.returncode}:\n{log_path.read_text()}", pytrace=False)
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(
        f"uvicorn did not become ready in {STARTUP_TIMEOUT_S} s:\n{log_path.read_text()}", pytrace=False
    )
