"""Restore: a bundle into an empty database in one transaction, ids kept, sequences moved past them."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, TableClause, column, insert, inspect, literal, select, table, text
from sqlalchemy.exc import DBAPIError, StatementError
from sqlmodel import Session, SQLModel

from app.bundle.reader import BundleReader, Header, Row
from app.bundle.records import BundleError, Codec, TableLayout, decoder
from app.bundle.revisions import check_known, current_revision
from app.bundle.tables import metadata_table
from app.db import build_engine, is_postgres
from app.history.periods import filled_after
from app.i18n.translation import gettext
from app.migrate import head_revision, upgrade

BATCH = 2000


def prepare_database(url: str, header: Header) -> None:
    """Ready the database for the bundle: migrated to the bundle's revision when it has no tables at all."""
    check_known(header.revision)
    engine = build_engine(url)
    try:
        with engine.connect() as connection:
            present = set(inspect(connection).get_table_names())
            revision = current_revision(connection)
    finally:
        engine.dispose()
    ours = set(SQLModel.metadata.tables) | {layout.name for layout in header.tables} | {"alembic_version"}
    if not present & ours:
        upgrade(url, header.revision)
    elif revision != header.revision:
        raise BundleError(
            gettext(
                "the database is at schema revision %(revision)s, the bundle at %(bundle)s: restore into "
                "a database without tables (it is migrated to the bundle's revision first) or one at its "
                "revision",
                revision=revision or "-",
                bundle=header.revision,
            )
        )


def upgrade_after_load(url: str, header: Header) -> bool:
    """Bring a database restored from an older bundle to this code's schema; True if it migrated."""
    if header.revision == head_revision():
        return False
    upgrade(url, "head")
    return True


@dataclass(frozen=True)
class _Target:
    """Where a table's rows go, and how its encoded values are decoded."""

    table: TableClause
    codecs: tuple[tuple[str, Codec], ...]


def _target(layout: TableLayout) -> _Target:
    # The header's columns, typed by this code's metadata where it knows them (times, dates bind by type).
    known = metadata_table(layout.name)
    columns = [
        known.columns[name] if known is not None and name in known.columns else None
        for name in layout.columns
    ]
    clause = table(
        layout.name,
        *(
            column(name, typed.type if typed is not None else None)
            for name, typed in zip(layout.columns, columns, strict=True)
        ),
    )
    codecs = tuple(
        (name, codec)
        for name, typed in zip(layout.columns, columns, strict=True)
        if typed is not None and (codec := decoder(typed)) is not None
    )
    return _Target(clause, codecs)


def load_bundle(session: Session, bundle: BundleReader) -> dict[str, int]:
    """Insert every row of the bundle into the session's empty database; the caller commits.

    Any damage found on the way raises BundleError, so the caller's rollback leaves nothing written.
    """
    connection = session.connection()
    header = bundle.header
    _require_empty(connection, [layout.name for layout in header.tables] + list(SQLModel.metadata.tables))
    targets = {layout.name: _target(layout) for layout in header.tables}
    pending: list[Row] = []
    # The status periods are made once from the restored entries, not entry by entry.
    with filled_after(connection):
        for row in bundle.rows():
            if pending and (row.table is not pending[0].table or len(pending) >= BATCH):
                _insert(connection, targets[pending[0].table.name], pending)
                pending = []
            pending.append(row)
        if pending:
            _insert(connection, targets[pending[0].table.name], pending)
    if is_postgres(connection):
        try:
            _move_sequences(connection, header.tables)
        except DBAPIError as error:
            raise BundleError(
                gettext(
                    "the id sequences cannot be moved past the restored ids (%(reason)s): restore as the "
                    "owner role (RECTRACK_MIGRATION_DATABASE_URL)",
                    reason=str(error.orig).strip().splitlines()[0],
                )
            ) from None
    return bundle.counts


def _require_empty(connection: Connection, names: list[str]) -> None:
    present = set(inspect(connection).get_table_names())
    for name in dict.fromkeys(names):
        if (
            name in present
            and connection.execute(select(literal(1)).select_from(table(name)).limit(1)).first()
        ):
            raise BundleError(
                gettext(
                    "the database is not empty (%(table)s has rows): a bundle is restored only into an empty "
                    "database",
                    table=name,
                )
            )


def _insert(connection: Connection, target: _Target, rows: list[Row]) -> None:
    values = [_decoded(target, row) for row in rows]
    try:
        if is_postgres(connection):
            _copy(connection, target.table, values)
        else:
            connection.execute(insert(target.table), values)
    except (DBAPIError, StatementError, connection.dialect.loaded_dbapi.Error) as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        raise BundleError(
            gettext(
                "the database refused a row of %(table)s on this line or one of the %(count)s after it: "
                "%(reason)s",
                table=target.table.name,
                count=len(rows) - 1,
                reason=reason,
            ),
            rows[0].line,
        ) from None


def _copy(connection: Connection, clause: TableClause, values: list[dict[str, Any]]) -> None:
    """COPY the rows in (PostgreSQL), each value bound as SQLAlchemy would bind it for its column's type."""
    # COPY, not executemany: psycopg's executemany is one INSERT a row, about 3x slower here (docs/design.md).
    dialect, quote = connection.dialect, connection.dialect.identifier_preparer.quote
    binders = [
        (item.name, item.type.dialect_impl(dialect).bind_processor(dialect)) for item in clause.columns
    ]
    names = ", ".join(quote(name) for name, _ in binders)
    driver = connection.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(f"COPY {quote(clause.name)} ({names}) FROM STDIN") as copy:
        for row in values:
            copy.write_row([bind(row[name]) if bind else row[name] for name, bind in binders])


def _decoded(target: _Target, row: Row) -> dict[str, Any]:
    values = dict(row.values)
    for name, codec in target.codecs:
        if values[name] is not None:
            try:
                values[name] = codec(values[name])
            except ValueError as error:
                raise BundleError(
                    gettext(
                        "%(table)s.%(column)s holds a value that cannot be read: %(reason)s",
                        table=target.table.name,
                        column=name,
                        reason=error,
                    ),
                    row.line,
                ) from None
    return values


def _move_sequences(connection: Connection, layouts: tuple[TableLayout, ...]) -> None:
    """Every serial primary key's sequence moved past the loaded ids (PostgreSQL only)."""
    quote = connection.dialect.identifier_preparer.quote
    for layout in layouts:
        if len(layout.primary_key) != 1:
            continue
        key = layout.primary_key[0]
        sequence = connection.scalar(
            text("SELECT pg_get_serial_sequence(:table, :column)"),
            {"table": quote(layout.name), "column": key},
        )
        if sequence is not None:
            highest = f"max({quote(key)})"
            connection.execute(
                text(
                    f"SELECT setval(:sequence, coalesce({highest}, 1), {highest} IS NOT NULL) "
                    f"FROM {quote(layout.name)}"
                ),
                {"sequence": sequence},
            )
