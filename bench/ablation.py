"""Measurement only, never for serving: variants of the app that show what a lock costs or a fix would buy.

`make bench` runs it beside the real app: SQLite with writers queued on a process-wide lock instead of
SQLite's sleeping busy handler, and writes with the status periods' trigger switched off (what keeping the
periods costs a write).
"""

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from fastapi import FastAPI
from sqlalchemy import event, text

from app.db import WRITE_OPTION, build_engine, is_postgres
from app.history.periods import fill
from app.main import create_app as create_real_app


def queued_sqlite_writers() -> FastAPI:
    """The real app, where a SQLite write transaction first waits its turn on a lock in this process.

    SQLite's busy handler polls with growing sleeps, so the lock sits free between a commit and the
    next writer's wake-up; a queue in the process hands it over at once (one worker only).
    """
    app = create_real_app()
    turn = threading.Lock()

    def begin(connection) -> None:
        if connection.get_execution_options().get(WRITE_OPTION):
            turn.acquire()
            connection.info["rectrack_turn"] = True

    def end(connection) -> None:
        if connection.info.pop("rectrack_turn", False):
            turn.release()

    # insert=True: the turn is taken before the app's own listener sends BEGIN IMMEDIATE.
    event.listen(app.state.engine, "begin", begin, insert=True)
    event.listen(app.state.engine, "commit", end)
    event.listen(app.state.engine, "rollback", end)
    return app


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
