"""Helpers shared by tests: throwaway databases, migrating and seeding, API writes and the CLI in-process."""

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import httpx
from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session
from typer.testing import CliRunner

from app.config import get_settings
from app.db import build_engine, write_engine
from app.migrate import alembic_config
from seed.loader import load_seed


@dataclass
class TestDatabase:
    """A migrated database the test may change freely."""

    __test__ = False  # not a test class, whatever its name

    backend: str
    url: str


class PostgresServer:
    """Creates and drops throwaway databases on the server named by RECTRACK_TEST_POSTGRES_URL."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = make_url(admin_url).set(drivername="postgresql+psycopg")
        self.admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        self.created: list[str] = []

    def url_for(self, name: str) -> str:
        """The URL of a database on this server."""
        return self.admin_url.set(database=name).render_as_string(hide_password=False)

    def create(self, name: str, template: str | None = None) -> str:
        """Create an empty database (or a copy of a template) and return its URL."""
        with self.admin.connect() as connection:
            clause = f' TEMPLATE "{template}"' if template else ""
            connection.execute(text(f'CREATE DATABASE "{name}"{clause}'))
        self.created.append(name)
        return self.url_for(name)

    def drop(self, url: str) -> None:
        """Drop a database this run created, at once (WITH (FORCE) ends any connection left to it)."""
        name = make_url(url).database
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.created.remove(name)

    def drop_all(self) -> None:
        """Drop every database this run created and has not dropped yet (templates, shared copies)."""
        with self.admin.connect() as connection:
            for name in reversed(self.created):
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.created.clear()
        self.admin.dispose()


def copy_database(template: str, directory: Path, name: str, postgres_server: PostgresServer | None) -> str:
    """A copy of a database nothing is connected to: a file copy (SQLite) or CREATE DATABASE ... TEMPLATE."""
    if make_url(template).get_backend_name() == "sqlite":
        target = directory / f"{name}.db"
        shutil.copyfile(make_url(template).database, target)
        return f"sqlite:///{target}"
    assert postgres_server is not None
    return postgres_server.create(name, template=make_url(template).database)


def migrate(url: str, revision: str = "head") -> None:
    """Run the real Alembic migrations against a database."""
    command.upgrade(alembic_config(url), revision)


def seed(url: str) -> None:
    """Load the seed data as `rectrack seed` does."""
    engine = build_engine(url)
    with Session(write_engine(engine)) as session:
        load_seed(session)
        session.commit()
    engine.dispose()


def make_token(url: str, role: str = "monitor", name: str | None = None) -> str:
    """Create a monitor with the given role directly in the database and return a fresh token."""
    from app.monitors.service import create_monitor, issue_token
    from app.vocabulary import Role

    engine = build_engine(url)
    with Session(write_engine(engine)) as session:
        monitor = create_monitor(session, name or f"Test {role}", Role(role))
        _, plain = issue_token(session, monitor.id)
        session.commit()
    engine.dispose()
    return plain


def bearer(token: str) -> dict[str, str]:
    """The Authorization header for a token."""
    return {"Authorization": f"Bearer {token}"}


def assess(
    client, token: str, code: str, body, *, headers: dict[str, str] | None = None, expect: int | None = 201
) -> httpx.Response:
    """Record an assessment as a well-behaved client does: read the ETag, then POST with If-Match.

    Asserts the status is `expect` (unless None) and returns the response.
    """
    return _write_with_etag(client, token, code, "assessments", body, headers, expect)


def link(
    client, token: str, code: str, body, *, headers: dict[str, str] | None = None, expect: int | None = 201
) -> httpx.Response:
    """Link evidence as a well-behaved client does: read the ETag, then POST with If-Match.

    Asserts the status is `expect` (unless None) and returns the response.
    """
    return _write_with_etag(client, token, code, "evidence", body, headers, expect)


def _write_with_etag(client, token, code, collection, body, headers, expect) -> httpx.Response:
    url = f"/api/v1/recommendations/{code}"
    etag = client.get(url).headers["etag"]
    response = client.post(
        f"{url}/{collection}", json=body, headers=bearer(token) | {"If-Match": etag} | (headers or {})
    )
    if expect is not None:
        assert response.status_code == expect, response.text
    return response


@dataclass
class CliRun:
    """What a run of the command line gave: exit status and its two output streams."""

    returncode: int
    stdout: str
    stderr: str


def run_cli(
    database_url: str, *args: str, data_dir: Path | None = None, env: dict[str, str | None] | None = None
) -> CliRun:
    """`rectrack ARGS` on a database, in this process, through the console script's own entry point.

    `data_dir`: the instance's keys (pass the app's `settings.data_dir` when the app and the CLI must share a
    signing key); by default the run's own RECTRACK_DATA_DIR.

    That is `app.cli.main`, which runs the typer app and turns an error into `error: ...` and exit status 1.
    Settings are read afresh for the run and forgotten after it, so no database URL leaks to other tests.
    `env` adds variables for the run (None removes one); the migration URL is unset unless it names one.
    """
    from app.cli import main

    runner = CliRunner()
    variables: dict[str, str | None] = {
        "RECTRACK_DATABASE_URL": database_url,
        "RECTRACK_MIGRATION_DATABASE_URL": None,
    }
    if data_dir:
        variables["RECTRACK_DATA_DIR"] = str(data_dir)
    variables |= env or {}
    get_settings.cache_clear()
    try:
        with (
            runner.isolation(env=variables) as (stdout, stderr, _output),
            mock.patch.object(sys, "argv", ["rectrack", *args]),
        ):
            try:
                main()
                returncode = 0
            except SystemExit as exit_:
                returncode = exit_.code if isinstance(exit_.code, int) else 0 if exit_.code is None else 1
            sys.stdout.flush()
            sys.stderr.flush()
            return CliRun(returncode, stdout.getvalue().decode(), stderr.getvalue().decode())
    finally:
        get_settings.cache_clear()


PROTECTED_TABLES = ("history_entries", "log_leaves", "checkpoints")


def tamper(url: str, sql: str, **params: object) -> None:
    """Run SQL as an attacker with write access to the database would: append-only triggers switched off first
    (a superuser or the owner role can disable them on PostgreSQL; anyone who can write a SQLite file can drop
    them), so that only verification stands between the change and the record."""
    engine = build_engine(url)
    with engine.begin() as connection:
        if url.startswith("postgresql"):
            for table in PROTECTED_TABLES:
                connection.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        else:
            triggers = connection.execute(
                text(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN (:a, :b, :c)"
                ),
                dict(zip("abc", PROTECTED_TABLES, strict=True)),
            ).all()
            for name, _ in triggers:
                connection.execute(text(f'DROP TRIGGER "{name}"'))
        connection.execute(text(sql), params)
        # And switched on again, as a careful attacker leaves them: the writes that follow run as usual (the
        # triggers that stamp each entry's transaction and keep the status periods among them).
        if url.startswith("postgresql"):
            for table in PROTECTED_TABLES:
                connection.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
        else:
            for _, definition in triggers:
                connection.exec_driver_sql(definition)
    engine.dispose()


def pdf_text(content: bytes, *options: str) -> str:
    """What a PDF says, as poppler's pdftotext reads it (`-layout` keeps each row on its lines)."""
    done = subprocess.run(["pdftotext", *options, "-", "-"], input=content, capture_output=True, check=True)
    return done.stdout.decode("utf-8")


def pdf_info(content: bytes) -> dict[str, str]:
    """A PDF's metadata and page count, as poppler's pdfinfo reads them."""
    done = subprocess.run(["pdfinfo", "-isodates", "-"], input=content, capture_output=True, check=True)
    pairs = (line.split(":", 1) for line in done.stdout.decode("utf-8").splitlines() if ":" in line)
    return {key.strip(): value.strip() for key, value in pairs}
