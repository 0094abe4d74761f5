"""A downgrade that would drop the record refuses on a database holding one, unless a fresh backup is named.

Refused, it leaves every table and row in place, through `rectrack migrate` and plain Alembic alike; with the
backup named it proceeds. A downgrade that drops no record needs nothing.
"""

import os
from pathlib import Path

import pytest
from alembic import command
from alembic.config import main as alembic_main
from sqlalchemy import inspect, text

from app.config import get_settings
from app.db import build_engine
from app.migrate import alembic_config, head_revision
from migrations.record_guard import BACKUP_ENV, DowngradeRefused
from tests.support import run_cli

REPO = Path(__file__).resolve().parent.parent


def _state(url: str) -> dict[str, object]:
    """Every table with its row count and largest row, and the schema's revision."""
    engine = build_engine(url)
    try:
        tables = sorted(inspect(engine).get_table_names())
        with engine.connect() as connection:
            state: dict[str, object] = {
                table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                for table in tables
            }
            state["columns"] = {
                table: sorted(column["name"] for column in inspect(connection).get_columns(table))
                for table in tables
            }
            state["revision"] = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        return state
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = build_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


@pytest.fixture
def backup(tmp_path: Path) -> Path:
    """A non-empty file written now, after every history entry of the test's database."""
    path = tmp_path / "backup.rectrack"
    path.write_bytes(b"a backup")
    return path


def test_migrate_base_refuses_without_a_backup_and_changes_nothing(database):
    before = _state(database.url)
    assert before["history_entries"] > 0 and before["revision"] == head_revision()
    run = run_cli(database.url, "migrate", "base")
    assert run.returncode == 1
    assert "refused" in run.stderr and "--backup-taken FILE" in run.stderr and BACKUP_ENV in run.stderr
    assert _state(database.url) == before


def test_plain_alembic_refuses_too_and_changes_nothing(database, monkeypatch):
    before = _state(database.url)
    with pytest.raises(DowngradeRefused, match="history entries"):
        command.downgrade(alembic_config(database.url), "base")
    assert _state(database.url) == before
    # The alembic command line, reading the URL from the environment as migrations/env.py does.
    monkeypatch.setenv("RECTRACK_DATABASE_URL", database.url)
    monkeypatch.delenv("RECTRACK_MIGRATION_DATABASE_URL", raising=False)
    monkeypatch.delenv(BACKUP_ENV, raising=False)
    get_settings.cache_clear()
    try:
        with pytest.raises(DowngradeRefused):
            alembic_main(["-c", str(REPO / "alembic.ini"), "downgrade", "base"])
    finally:
        get_settings.cache_clear()
    assert _state(database.url) == before


def test_a_backup_that_is_missing_empty_or_older_than_the_record_does_not_count(database, tmp_path):
    before = _state(database.url)
    missing = tmp_path / "missing.rectrack"
    empty = tmp_path / "empty.rectrack"
    empty.touch()
    stale = tmp_path / "stale.rectrack"
    stale.write_bytes(b"taken before the newest entry")
    os.utime(stale, (946_684_800, 946_684_800))  # 2000-01-01, before the seed was recorded
    for path, reason in [
        (missing, "not a non-empty file"),
        (empty, "not a non-empty file"),
        (stale, "before"),
    ]:
        run = run_cli(database.url, "migrate", "base", "--backup-taken", str(path))
        assert run.returncode == 1 and reason in run.stderr, run.stderr
    assert _state(database.url) == before


def test_with_a_fresh_backup_migrate_base_proceeds(database, backup):
    run = run_cli(database.url, "migrate", "base", "--backup-taken", str(backup))
    assert run.returncode == 0, run.stderr
    assert "downgraded to base" in run.stdout
    assert _tables(database.url) <= {"alembic_version"}


def test_plain_alembic_proceeds_with_the_backup_named(database, backup, monkeypatch):
    monkeypatch.setenv("RECTRACK_DATABASE_URL", database.url)
    monkeypatch.delenv("RECTRACK_MIGRATION_DATABASE_URL", raising=False)
    monkeypatch.delenv(BACKUP_ENV, raising=False)
    get_settings.cache_clear()
    try:
        alembic_main(["-c", str(REPO / "alembic.ini"), "-x", f"backup={backup}", "downgrade", "base"])
    finally:
        get_settings.cache_clear()
    assert _tables(database.url) <= {"alembic_version"}


def test_the_environment_variable_names_the_backup_too(database, backup, monkeypatch):
    monkeypatch.setenv(BACKUP_ENV, str(backup))
    command.downgrade(alembic_config(database.url), "base")
    assert _tables(database.url) <= {"alembic_version"}


def test_dropping_the_log_needs_a_backup_and_a_downgrade_that_keeps_the_record_none(database, backup):
    before = _state(database.url)
    refused = run_cli(database.url, "migrate", "0005")
    assert refused.returncode == 1 and "--backup-taken FILE" in refused.stderr
    assert _state(database.url) == before
    dropped = run_cli(database.url, "migrate", "0005", "--backup-taken", str(backup))
    assert dropped.returncode == 0, dropped.stderr
    assert "log_leaves" not in _tables(database.url)
    kept = run_cli(database.url, "migrate", "0004")
    assert kept.returncode == 0, kept.stderr
    assert "downgraded to 0004" in kept.stdout
    assert _state(database.url)["history_entries"] == before["history_entries"]
    assert run_cli(database.url, "migrate").returncode == 0
    assert _state(database.url)["revision"] == head_revision()
