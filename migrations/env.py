"""Alembic environment: the URL comes from the app's settings unless the caller passes a connection.

Plain `alembic` migrates as RECTRACK_MIGRATION_DATABASE_URL (the owner role), else RECTRACK_DATABASE_URL.
"""

from alembic import context
from sqlalchemy import Connection
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlmodel import SQLModel

import app.models  # noqa: F401  (registers every table on the metadata)
from app.config import get_settings
from app.db import build_engine
from app.migrate import made_on

target_metadata = SQLModel.metadata


def _configure_and_run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite can only ALTER by copying tables
        compare_type=True,
        include_object=made_on(connection.dialect.name),
        # One transaction for the whole run on SQLite too (its DDL is transactional): a downgrade that the
        # record guard (migrations/record_guard.py) refuses halfway, or any failing step, leaves nothing done.
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _driver(connection: Connection) -> DBAPIConnection:
    """The driver's own connection under an open SQLAlchemy one (None only once that is closed)."""
    driver = connection.connection.dbapi_connection
    if driver is None:
        raise RuntimeError("the database connection closed during the migration")
    return driver


def run_migrations_online() -> None:
    """Run migrations on the caller's connection, or on one to the configured database."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _configure_and_run(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url") or get_settings().migration_database_url
    engine = build_engine(url)
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch migrations copy tables; foreign keys must not fire while they do. The pragma is
            # a no-op inside a transaction, so it goes straight to the driver, outside one.
            _driver(connection).execute("PRAGMA foreign_keys=OFF")
        _configure_and_run(connection)
        if sqlite:
            _driver(connection).execute("PRAGMA foreign_keys=ON")
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported: run `rectrack migrate`")
run_migrations_online()
