"""The migration chain works both ways on both databases and matches the models."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import app.models  # noqa: F401
from app.db import build_engine
from app.migrate import alembic_config, head_revision
from tests.support import migrate


def _tables(url: str) -> set[str]:
    engine = build_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(empty_database):
    url = empty_database.url
    migrate(url)
    assert {"recommendations", "history_entries", "evidence", "api_tokens"} <= _tables(url)
    command.downgrade(alembic_config(url), "base")
    assert _tables(url) <= {"alembic_version"}
    migrate(url)
    assert "history_entries" in _tables(url)


def test_models_match_migrations(empty_database):
    """The equivalent of `alembic check`: autogenerate finds nothing to do."""
    migrate(empty_database.url)
    engine = build_engine(empty_database.url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []
        assert context.get_current_revision() == head_revision()
    engine.dispose()
