"""SQLite writers of one process take turns on a lock before they ask SQLite for its write lock.

SQLite's busy handler polls with growing sleeps (up to 100 ms), so under load its write lock sat free
between one writer's commit and the next one's wake-up, and a writer that had waited long slept longest. A
lock in the process hands the turn over at once, in order of arrival; only the writer holding it waits in
SQLite's busy handler, and then only for writers in other processes (a second worker, the command line).
"""

import sqlite3
import threading
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

_HOLDS_TURN = "rectrack_holds_write_turn"


def install_write_turn(engine: Engine, write_option: str, timeout_seconds: float) -> None:
    """Make each write transaction of `engine` (execution option `write_option`) wait for the turn first."""
    turn = threading.Lock()

    def take(connection: Connection) -> None:
        if not connection.get_execution_options().get(write_option, False):
            return
        # As long as SQLite would wait for its own lock, and the same answer when it runs out (a 503).
        if not turn.acquire(timeout=timeout_seconds):
            raise OperationalError(
                "BEGIN IMMEDIATE",
                None,
                sqlite3.OperationalError("database is locked (this process's writers)"),
            )
        connection.info[_HOLDS_TURN] = True

    def give_back(info: dict[str, Any]) -> None:
        if info.pop(_HOLDS_TURN, False):
            turn.release()

    def ended(connection: Connection) -> None:
        # Just before the COMMIT or ROLLBACK: the next writer's BEGIN IMMEDIATE may wait a moment for it.
        # An invalidated connection has no info to read (reading it raises), and gave the turn back already.
        if not connection.invalidated:
            give_back(connection.info)

    def returned(_dbapi_connection: Any, record: Any, *_args: Any) -> None:
        # A transaction that never reached COMMIT or ROLLBACK (its BEGIN failed, the connection broke).
        give_back(record.info)

    # insert=True: the turn is taken before the listener that sends BEGIN IMMEDIATE (app/db.py).
    event.listen(engine, "begin", take, insert=True)
    event.listen(engine, "commit", ended)
    event.listen(engine, "rollback", ended)
    event.listen(engine.pool, "checkin", returned)
