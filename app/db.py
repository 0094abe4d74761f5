"""Engine, naming convention, SQLite pragmas and the per-request session."""

import contextlib
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Any

import anyio
from fastapi import Depends, Request
from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Connection, CursorResult, Engine, make_url
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, SQLModel, create_engine

from app.config import get_settings
from app.write_turn import install_write_turn

WRITE_OPTION = "rectrack_write"
# A connection that runs one SELECT: on SQLite it needs no BEGIN (a statement is its own snapshot).
ONE_STATEMENT_OPTION = "rectrack_one_statement"
POOL_RECYCLE_SECONDS = 1800
# Execution option of the statements PostgreSQL keeps prepared on each connection (see `PREPARED`).
PREPARE_OPTION = "rectrack_prepare"
PREPARED = {PREPARE_OPTION: True}
# psycopg prepares a statement after this many executions; ours never reach it: only statements marked
# PREPARED are prepared (psycopg's `None` would refuse even those).
_NEVER_AUTOMATICALLY = 2**62
# One SQLite connection per thread that may hold one (anyio's pool has 40): with the default 5 kept, under
# load most requests opened a connection (four PRAGMAs) and closed it (PRAGMA optimize), which cut 16
# writers from 150 to 70 writes/s. An idle SQLite connection is a file handle and its page cache.
SQLITE_POOL_SIZE = 40

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always returned timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    """Now, in UTC, to the microsecond."""
    return datetime.now(UTC)


def _set_sqlite_pragmas(dbapi_connection, _record) -> None:
    busy_ms = get_settings().sqlite_busy_timeout_ms
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
    cursor.close()


def _optimize_before_close(dbapi_connection, _record) -> None:
    # SQLite's advice: run PRAGMA optimize as a connection closes, so the planner gets statistics for
    # the tables this connection queried (PostgreSQL's autovacuum does this on its own). Never let
    # it stop a close: a busy database just skips it this time.
    with contextlib.suppress(sqlite3.Error):
        dbapi_connection.execute("PRAGMA optimize")


def _sqlite_begin(conn) -> None:
    # A write transaction that starts as a reader fails with SQLITE_BUSY when it tries to
    # upgrade after another writer committed, without waiting for the busy timeout; taking the
    # write lock up front makes writers queue instead. Readers keep WAL's concurrent snapshots.
    options = conn.get_execution_options()
    if options.get(ONE_STATEMENT_OPTION, False):
        return
    conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get(WRITE_OPTION, False) else "BEGIN")


def build_engine(url: str | None = None) -> Engine:
    """Create an engine for the given URL (default: settings), configured for its dialect."""
    settings = get_settings()
    url = url or settings.database_url
    dialect = make_url(url).get_backend_name()
    if dialect == "sqlite":
        engine = create_engine(
            url,
            echo=settings.log_sql,
            connect_args={"check_same_thread": False, "timeout": settings.sqlite_busy_timeout_ms / 1000},
            pool_size=SQLITE_POOL_SIZE,
        )
        # Let SQLAlchemy, not pysqlite, issue BEGIN so pragmas and BEGIN IMMEDIATE apply.
        event.listen(engine, "connect", _disable_pysqlite_transactions)
        event.listen(engine, "connect", _set_sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        install_write_turn(engine, WRITE_OPTION, settings.sqlite_busy_timeout_ms / 1000)
        event.listen(engine, "close", _optimize_before_close)
        return engine
    if dialect == "postgresql":
        url = (
            url.replace("postgresql://", "postgresql+psycopg://", 1)
            if url.startswith("postgresql://")
            else url
        )
        # Prepared statements only where they were measured to help: the fixed statements of the hot reads,
        # marked PREPARED (planning was half of a detail's time in PostgreSQL); psycopg's automatic ones
        # would also prepare the scorecards' statements, whose generic plans were slower (docs/design.md).
        # No pre-ping: it was a round trip on every checkout (three a write). Connections are recycled
        # instead, and one that broke (a restarted server) is found by its first statement, which
        # invalidates the whole pool at once.
        engine = create_engine(
            url,
            echo=settings.log_sql,
            pool_pre_ping=False,
            pool_recycle=POOL_RECYCLE_SECONDS,
            connect_args={"prepare_threshold": _NEVER_AUTOMATICALLY},
        )
        event.listen(engine, "do_execute", _execute_prepared)
        return engine
    return create_engine(url, echo=settings.log_sql, pool_pre_ping=True)


def _execute_prepared(cursor, statement, parameters, context) -> bool:
    # psycopg prepares the statement on its first execution on a connection and reuses it from then on.
    if context.execution_options.get(PREPARE_OPTION):
        cursor.execute(statement, parameters, prepare=True)
        return True
    return False


def _disable_pysqlite_transactions(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None


def inserted_id(result: CursorResult[Any]) -> int:
    """The primary key a one-row Core INSERT gave its row (SQLite's lastrowid, PostgreSQL's RETURNING)."""
    key = result.inserted_primary_key
    if key is None or key[0] is None:
        raise RuntimeError("the INSERT returned no primary key")
    return int(key[0])


def is_postgres(bind: Session | Engine | Connection) -> bool:
    """True when the session, engine or connection talks to PostgreSQL (else SQLite)."""
    engine = bind.get_bind() if isinstance(bind, Session) else bind
    return engine.dialect.name == "postgresql"


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One read session per request: commit on success, roll back on any error."""
    async with _ended_in_thread(Session(request.app.state.engine, expire_on_commit=False)) as session:
        yield session


@contextlib.asynccontextmanager
async def _ended_in_thread(session: Session) -> AsyncIterator[Session]:
    # A session connects at its first statement, so opening one needs no thread; only its end, which
    # talks to the database, goes to the pool (a sync dependency would hop there on the way in too).
    succeeded = False
    try:
        yield session
        succeeded = True
    finally:
        # Shielded: a cancelled request must still hand its connection back.
        # Its own limiter, not the shared thread pool's (as FastAPI does for dependency exits): when
        # every pool thread is a request waiting for a database connection, the ends that would give
        # connections back must not queue behind them, or the server deadlocks (found by `make soak`).
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(_end_session, session, succeeded, limiter=anyio.CapacityLimiter(1))


def _end_session(session: Session, succeeded: bool) -> None:
    try:
        if succeeded:
            session.commit()
        else:
            session.rollback()
    except Exception:
        # A COMMIT that fails (SQLite: a deferred constraint) leaves the transaction open on the connection.
        session.rollback()
        raise
    finally:
        session.close()


async def get_write_session(request: Request) -> AsyncIterator[Session]:
    """One session per writing request; on SQLite it holds the write lock from its first statement.

    A write route commits in its own thread (`commit_write`, or `append` with `commit`) as soon as the write
    is done; what is left here is a commit for the routes that do not, or the rollback after an error.
    """
    session = Session(write_engine(request.app.state.engine), expire_on_commit=False)
    succeeded = False
    try:
        yield session
        succeeded = True
    finally:
        if session.in_transaction():
            with anyio.CancelScope(shield=True):  # as get_session: the connection must go back
                await anyio.to_thread.run_sync(
                    _end_session, session, succeeded, limiter=anyio.CapacityLimiter(1)
                )
        else:  # committed already, or never touched the database: closing does no I/O
            session.close()


def commit_write(session: Session) -> None:
    """Commit the request's write now, in the route's own thread.

    The write lock (SQLite) or row lock (PostgreSQL) is released at once, not after a hop back to the event
    loop and another to a pool thread for the dependency's exit. On SQLite this was once measured slower
    (95-108 writes/s against 148-161/s), when most writes also opened and closed a pooled connection; with
    the pool sized to the threads (SQLITE_POOL_SIZE) it is the faster (docs/benchmarks.md).
    """
    session.commit()


def one_statement_reader(engine: Engine) -> Engine:
    """The same engine, for a connection that runs one read: no BEGIN before it on SQLite."""
    return engine.execution_options(**{ONE_STATEMENT_OPTION: True})


def write_engine(engine: Engine) -> Engine:
    """The same engine, with SQLite write transactions taking the lock up front."""
    return engine.execution_options(**{WRITE_OPTION: True})


SessionDep = Annotated[Session, Depends(get_session)]
# scope="function": commit before the response is sent. With the default scope FastAPI runs the
# teardown after sending, so a client could get 201 for a write whose commit then failed, and a
# client reading right after its 201 might not see its own write yet.
WriteSessionDep = Annotated[Session, Depends(get_write_session, scope="function")]
