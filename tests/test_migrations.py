"""The migration chain works both ways on both databases and matches the models."""

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

import app.models  # noqa: F401
from app.config import Settings
from app.db import build_engine
from app.history.periods import POSTGRES_TRIGGERS, SQLITE_TRIGGERS
from app.migrate import alembic_config, head_revision, made_on
from tests.support import migrate, run_cli


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
        opts = {"compare_type": True, "include_object": made_on(connection.dialect.name)}
        context = MigrationContext.configure(connection, opts=opts)
        assert compare_metadata(context, SQLModel.metadata) == []
        assert context.get_current_revision() == head_revision()
    engine.dispose()


def test_the_migration_url_defaults_to_the_database_url(monkeypatch):
    monkeypatch.delenv("RECTRACK_MIGRATION_DATABASE_URL", raising=False)
    settings = Settings(database_url="sqlite:///./elsewhere.db", _env_file=None)
    assert settings.migration_database_url == "sqlite:///./elsewhere.db"
    owner = Settings(database_url="sqlite:///a.db", migration_database_url="sqlite:///b.db", _env_file=None)
    assert owner.migration_database_url == "sqlite:///b.db"


@pytest.mark.sqlite_only
def test_migrate_runs_as_the_migration_url_when_set(empty_database, tmp_path):
    runtime = tmp_path / "runtime.db"
    run = run_cli(
        f"sqlite:///{runtime}", "migrate", env={"RECTRACK_MIGRATION_DATABASE_URL": empty_database.url}
    )
    assert run.returncode == 0, run.stderr
    assert "history_entries" in _tables(empty_database.url)
    assert not runtime.exists()


def _periods_triggers(url: str) -> dict[str, str]:
    """The status periods' triggers by name: SQLite's definitions, PostgreSQL's function source."""
    engine = build_engine(url)
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            rows = connection.execute(
                text(
                    "SELECT t.tgname, p.prosrc FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid "
                    "WHERE t.tgname LIKE 'history_entries_status_periods%'"
                )
            )
        else:
            rows = connection.execute(
                text(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                    "AND name LIKE 'history_entries_status_periods%'"
                )
            )
        found = {name: definition for name, definition in rows}
    engine.dispose()
    return found


def test_the_periods_triggers_go_down_to_0016_and_up_again(empty_database):
    """0017 runs a correction's half and an assessment's apart; down to 0016, one trigger runs both."""
    url = empty_database.url
    migrate(url, "0016")
    at_0016 = _periods_triggers(url)
    assert list(at_0016) == ["history_entries_status_periods"]
    migrate(url)
    at_head = _periods_triggers(url)
    postgres = url.startswith("postgresql")
    assert sorted(at_head) == sorted(POSTGRES_TRIGGERS if postgres else SQLITE_TRIGGERS)
    if postgres:
        assert "IF NEW.supersedes_entry_id IS NOT NULL THEN" in at_head["history_entries_status_periods"]
    command.downgrade(alembic_config(url), "0016")
    assert _periods_triggers(url) == at_0016
    migrate(url)
    assert _periods_triggers(url) == at_head
