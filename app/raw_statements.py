"""The hot reads' fixed statements, run on the pool's DBAPI connection instead of through SQLAlchemy.

A fixed statement (a Core select built once, at import, and marked PREPARED) is compiled once per engine
and then run straight on a cursor: parameters in the driver's own style, rows built with the columns' own
result processors. SQLAlchemy's per-execution work (the statement's cache key, events, the BEGIN listener,
result metadata) was most of a detail request's server time. A statement built per request (a filtered
page's) is compiled once per shape, as SQLAlchemy does: found by its cache key, its values taken from it.

There is no transaction: each statement sees its own snapshot, on SQLite as on PostgreSQL (autocommit, READ
COMMITTED), so a request's statements may see different states if a write lands between them (a page and its
categories, say); the detail and the list accepted that on PostgreSQL already, where they read in autocommit
through a session. Only for reads.
"""

import contextlib
from collections import namedtuple
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import BindParameter, CompoundSelect, Select, TextClause
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.sql.cache_key import CacheKey
from sqlmodel import Session

from app.db import PREPARE_OPTION, is_postgres
from app.lru import LRUCache

Processor = Callable[[Any], Any]
MAX_FIXED = 256
SHAPES = 500  # statements compiled by shape (SQLAlchemy's own cache holds 500 too)
Statement = Select[Any] | CompoundSelect | TextClause


class Compiled:
    """A statement's text for one dialect, how to bind its parameters, and how to make its rows."""

    def __init__(self, statement: Statement, dialect: Dialect, cache_key: CacheKey | None = None):
        compiled = statement.compile(dialect=dialect, cache_key=cache_key)
        self._compiled = compiled
        if compiled.post_compile_params or compiled.literal_execute_params or compiled.escaped_bind_names:
            # Expanding IN lists are rewritten at each execution: use app.id_lists.one_of instead.
            raise ValueError("a statement whose parameters are rewritten at execution has no fixed text")
        self.sql = compiled.string
        # psycopg keeps it prepared on each connection from its first execution there (app/db.py).
        self.prepare = dialect.name == "postgresql" and bool(
            statement.get_execution_options().get(PREPARE_OPTION)
        )
        self.positional = compiled.positiontup is not None
        by_name = {name: parameter for parameter, name in compiled.bind_names.items()}
        names = compiled.positiontup if compiled.positiontup is not None else list(by_name)
        # (name in the text, the caller's key or None when the statement holds the value, value, processor)
        self.parameters = [
            (
                name,
                by_name[name].key if by_name[name].required else None,
                None if by_name[name].required else by_name[name].effective_value,
                by_name[name].type.dialect_impl(dialect).bind_processor(dialect),
            )
            for name in names
        ]
        selected = getattr(statement, "selected_columns", None)
        if selected is None:  # a textual statement: plain tuples
            self.make_row: Callable[[Sequence[Any]], Any] = tuple
            self.processors: list[tuple[int, Processor]] = []
            return
        # The attribute and _asdict() access of SQLAlchemy's rows, which the service uses.
        row_type: Any = namedtuple("Row", list(selected.keys()), rename=True)  # type: ignore[misc]
        # tuple.__new__ straight, not _make: a Python call less per row (a page's categories are 200 rows).
        self.make_row = partial(tuple.__new__, row_type)
        processors = [c.type.dialect_impl(dialect).result_processor(dialect, None) for c in selected]
        self.processors = [(index, process) for index, process in enumerate(processors) if process]

    def bind(self, given: dict[str, Any], extracted: Sequence[BindParameter[Any]] | None = None) -> Any:
        """The parameters in the driver's style (qmark: a list in order; pyformat: a dict).

        `extracted`: the values of a statement that has this one's shape (its cache key's parameters).
        """
        if extracted is None:
            values = [fixed if key is None else given[key] for _, key, fixed, _ in self.parameters]
        else:
            named = self._compiled.construct_params(given, extracted_parameters=extracted, escape_names=False)
            values = [named[name] for name, *_ in self.parameters]
        values = [
            value if process is None else process(value)
            for value, (*_, process) in zip(values, self.parameters, strict=True)
        ]
        if self.positional:
            return values
        return {name: value for (name, *_), value in zip(self.parameters, values, strict=True)}

    def rows(self, fetched: list[Sequence[Any]]) -> list[Any]:
        """The fetched tuples as rows, each value through its column's result processor."""
        if not self.processors:
            return list(map(self.make_row, fetched))
        made = []
        for raw in fetched:
            values = list(raw)
            for index, process in self.processors:
                values[index] = process(values[index])
            made.append(self.make_row(values))
        return made


class RawConnection:
    """One checked-out pooled connection that runs statements on a cursor of its own.

    The engine's before/after_cursor_execute listeners see its statements as SQLAlchemy's own (tests count
    statements with them): `conn` is this object, whose `connection` is the pooled connection as on
    SQLAlchemy's Connection; `context` is None; a listener's return value is ignored.
    """

    def __init__(self, statements: "RawStatements", connection: PoolProxiedConnection):
        self._statements = statements
        self.connection = connection
        self._cursor: Any = connection.dbapi_connection.cursor()  # type: ignore[union-attr]

    @property
    def dialect(self) -> Dialect:
        """The dialect of the connection's engine."""
        return self._statements.dialect

    def rows(self, statement: Statement, parameters: dict[str, Any] | None = None) -> list[Any]:
        """The statement's rows, all fetched."""
        compiled, extracted = self._statements.compiled(statement)
        bound = compiled.bind(parameters or {}, extracted)
        engine = self._statements.engine
        if engine.dispatch.before_cursor_execute:
            engine.dispatch.before_cursor_execute(self, self._cursor, compiled.sql, bound, None, False)
        if engine.echo:
            engine.logger.info("[raw] %s %r", compiled.sql, bound)
        try:
            if compiled.prepare:
                self._cursor.execute(compiled.sql, bound, prepare=True)
            else:
                self._cursor.execute(compiled.sql, bound)
            fetched = self._cursor.fetchall()
        except self._statements.dialect.loaded_dbapi.Error as error:
            raise self._failed(error, compiled.sql, bound) from error
        if engine.dispatch.after_cursor_execute:
            engine.dispatch.after_cursor_execute(self, self._cursor, compiled.sql, bound, None, False)
        return compiled.rows(fetched)

    def _failed(self, error: Any, sql: str, bound: Any) -> Exception:
        # As SQLAlchemy's own execution: a connection that broke (a restarted server) invalidates the whole
        # pool at once, and the error is SQLAlchemy's, which the app's handlers answer (a 503).
        dialect = self._statements.dialect
        lost = dialect.is_disconnect(error, self.connection.dbapi_connection, self._cursor)
        if lost:
            self._statements.engine.pool._invalidate(self.connection, error)
        return DBAPIError.instance(
            sql,
            bound,
            error,
            dialect.loaded_dbapi.Error,
            connection_invalidated=lost,
            dialect=dialect,
        )

    def close(self) -> None:
        """Give the connection back to the pool as it came out (the same pool serves writes)."""
        try:
            with contextlib.suppress(Exception):
                self._cursor.close()
            if self._statements.is_postgres and self.connection.is_valid:
                try:
                    self.connection.driver_connection.autocommit = False  # type: ignore[union-attr]
                except Exception:
                    # Never hand the pool's next user (a write) a connection in autocommit.
                    self.connection.invalidate()
        finally:
            self.connection.close()


class RawStatements:
    """Hands out raw connections of `engine` and keeps each fixed statement compiled for its dialect."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.dialect = engine.dialect
        self.is_postgres = engine.dialect.name == "postgresql"
        # By id, the statement itself held so the id cannot be reused while it is cached. Fixed statements are
        # module constants: a few dozen; the bound only guards against one built per request by mistake.
        self._fixed: dict[int, tuple[Statement, Compiled]] = {}
        self._shapes = LRUCache[Compiled](SHAPES)

    def compiled(self, statement: Statement) -> tuple[Compiled, Sequence[BindParameter[Any]] | None]:
        """The statement compiled for this engine, and the values to bind when it was compiled for its shape.

        A fixed (PREPARED) statement is looked up by identity, which costs nothing; another by its cache key,
        which costs what it costs SQLAlchemy (a fifth of a millisecond for a filtered page's).
        """
        fixed = self._fixed.get(id(statement))
        if fixed is not None:
            return fixed[1], None
        if statement.get_execution_options().get(PREPARE_OPTION) and len(self._fixed) < MAX_FIXED:
            compiled = Compiled(statement, self.dialect)
            self._fixed.setdefault(id(statement), (statement, compiled))
            return compiled, None
        key = statement._generate_cache_key()
        if key is None:  # a construct SQLAlchemy cannot cache either
            return Compiled(statement, self.dialect), None
        # The key's `key` part is the shape (CacheKey itself is not hashable); its parameters are the values.
        compiled = self._shapes.get_or_compute(key.key, lambda: Compiled(statement, self.dialect, key))
        return compiled, key.bindparams

    @contextlib.contextmanager
    def connect(self) -> Iterator[RawConnection]:
        """A pooled connection for this thread's reads, given back however the block ends.

        No BEGIN on SQLite (app/db.py leaves pysqlite's own off); autocommit on PostgreSQL, where a statement
        would otherwise open a transaction that the pool's reset then ends with a ROLLBACK round trip.
        """
        connection = self.engine.raw_connection()
        try:
            if self.is_postgres:
                connection.driver_connection.autocommit = True  # type: ignore[union-attr]
            raw = RawConnection(self, connection)
        except BaseException:
            connection.close()
            raise
        try:
            yield raw
        finally:
            raw.close()


Reads = Session | RawConnection


def fetch(reads: Reads, statement: Statement, parameters: dict[str, Any] | None = None) -> Sequence[Any]:
    """A read's rows, all fetched: through the session, or on a raw connection."""
    if isinstance(reads, RawConnection):
        return reads.rows(statement, parameters)
    return reads.execute(statement, parameters).all()


def reads_postgres(reads: Reads) -> bool:
    """True when the session or raw connection reads PostgreSQL (else SQLite)."""
    if isinstance(reads, RawConnection):
        return reads.dialect.name == "postgresql"
    return is_postgres(reads)


async def get_raw_statements(request: Request) -> RawStatements:
    """The app's raw statements; the route checks its connection out and back in its own thread.

    Async, so FastAPI calls it on the event loop: no thread hop (a sync dependency would take one).
    """
    return request.app.state.raw_statements


RawStatementsDep = Annotated[RawStatements, Depends(get_raw_statements)]
