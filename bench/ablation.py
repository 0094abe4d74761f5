"""Measurement only, never for serving: variants of the app that show what a lock costs or a fix would buy.

`make bench` runs it beside the real app: SQLite with writers queued on a process-wide lock instead of
SQLite's sleeping busy handler.
"""

import threading

from fastapi import FastAPI
from sqlalchemy import event

from app.db import WRITE_OPTION
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
