"""Throwaway benchmark databases: a SQLite file and a PostgreSQL database of our own, migrated."""

import os
from dataclasses import dataclass
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from app.migrate import upgrade

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
BACKENDS = ("sqlite", "postgresql")


def postgres_admin_url() -> str:
    """The server where benchmark databases are created (BENCH_POSTGRES_URL, else the test server)."""
    return (
        os.environ.get("BENCH_POSTGRES_URL")
        or os.environ.get("RECTRACK_TEST_POSTGRES_URL")
        or DEFAULT_POSTGRES
    )


def postgres_available(admin_url: str) -> str | None:
    """None when PostgreSQL answers, else why not."""
    try:
        with psycopg.connect(_conninfo(admin_url), connect_timeout=3) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as error:
        return str(error).strip().splitlines()[0]
    return None


def _conninfo(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@dataclass
class BenchDatabase:
    """One named benchmark database on one backend."""

    backend: str
    name: str
    directory: Path
    admin_url: str

    @property
    def url(self) -> str:
        """The app's RECTRACK_DATABASE_URL for it."""
        if self.backend == "sqlite":
            return f"sqlite:///{self.directory / (self.name + '.db')}"
        return make_url(self.admin_url).set(database=self.name).render_as_string(hide_password=False)

    def exists(self) -> bool:
        """Whether it is there already (for BENCH_REUSE)."""
        if self.backend == "sqlite":
            return (self.directory / (self.name + ".db")).exists()
        with psycopg.connect(_conninfo(self.admin_url), autocommit=True) as connection:
            found = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (self.name,)
            ).fetchone()
        return found is not None

    def create(self, settings: dict[str, str] | None = None) -> str:
        """Drop any old copy, create it empty, migrate it with the real migrations; returns the URL."""
        self.drop()
        if self.backend == "postgresql":
            with psycopg.connect(_conninfo(self.admin_url), autocommit=True) as connection:
                connection.execute(f'CREATE DATABASE "{self.name}"')
                for name, value in (settings or {}).items():
                    connection.execute(f'ALTER DATABASE "{self.name}" SET {name} = {value}')
        else:
            self.directory.mkdir(parents=True, exist_ok=True)
        upgrade(self.url)
        return self.url

    def drop(self) -> None:
        """Remove it (and on SQLite its WAL and shared-memory files)."""
        if self.backend == "sqlite":
            for suffix in (".db", ".db-wal", ".db-shm"):
                (self.directory / (self.name + suffix)).unlink(missing_ok=True)
            return
        with psycopg.connect(_conninfo(self.admin_url), autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
