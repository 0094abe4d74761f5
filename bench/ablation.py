"""Measurement only, never for serving: what a part of the app costs, shown by switching it off for a run.

`make bench` runs the writes once more with the status periods' trigger off (what keeping the periods costs a
write). (SQLite writers queued on a process-wide lock, measured here before, are now the app's own:
app/write_turn.py.)
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import text

from app.db import build_engine, is_postgres
from app.history.periods import fill

PERIODS_TRIGGER = "history_entries_status_periods"


@contextmanager
def periods_trigger_off(url: str, recommendation_ids: Sequence[int]) -> Iterator[None]:
    """The periods' trigger off while the block writes to these recommendations; then on again, and their
    periods made again from their entries, so the database is as the app leaves it."""
    engine = build_engine(url)
    with engine.begin() as connection:
        if is_postgres(connection):
            connection.execute(text(f"ALTER TABLE history_entries DISABLE TRIGGER {PERIODS_TRIGGER}"))
            definition = None
        else:
            definition = connection.execute(
                text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :name"),
                {"name": PERIODS_TRIGGER},
            ).scalar_one()
            connection.execute(text(f"DROP TRIGGER {PERIODS_TRIGGER}"))
    try:
        yield
    finally:
        with engine.begin() as connection:
            if definition is None:
                connection.execute(text(f"ALTER TABLE history_entries ENABLE TRIGGER {PERIODS_TRIGGER}"))
            else:
                connection.exec_driver_sql(definition)
            fill(connection, recommendation_ids)
        engine.dispose()
