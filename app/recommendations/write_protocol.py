"""The read-claim-append protocol every write to a recommendation follows.

A write reads what it needs first, outside any lock, then claims the version it read with one conditional
UPDATE and appends. Every write bumps the version, so a successful claim proves that nothing it read has
changed since: the chain head, the statuses and the links. The write transaction is left with the claim,
the inserts and the commit, which keeps SQLite's single-writer lock and PostgreSQL's row lock short.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any, cast

import psycopg
from sqlalchemy import (
    ClauseElement,
    ColumnElement,
    Connection,
    Engine,
    ScalarSelect,
    Update,
    bindparam,
    insert,
    select,
    update,
)
from sqlmodel import Session, col

from app.db import WRITE_OPTION, inserted_id, is_postgres, one_statement_reader, utcnow
from app.errors import NotFound, PreconditionFailed, PreconditionRequired
from app.history.service import ChainHead, EntryFields, NewEntry, chain_heads
from app.history.supersession import not_superseded
from app.models import HistoryEntry, Recommendation
from app.recommendations.etag import etag_for, versions_in_if_match
from app.vocabulary import Perspective

STATUS_COLUMNS = {Perspective.independent: "status", Perspective.state: "claimed_status"}


@dataclass
class WriteTarget:
    """A recommendation as read before a write; after the write, its new version and statuses."""

    id: int
    code: str
    version: int
    status: str
    claimed_status: str
    head: ChainHead | None
    # The newest effective date per perspective that has a denormalised status column.
    newest_effective_on: dict[Perspective, date | None]


def read_for_write(session: Session, code: str, if_match: str | None) -> WriteTarget:
    """The recommendation a write will change, if the client read its current version; else 404, 428, 412."""
    with _reading(session) as read:
        rec = read.execute(_READ_FOR_WRITE, {"code": code}).first()
    if rec is None:
        raise NotFound(f"No recommendation has the code {code!r}.")
    if if_match is None or if_match.strip() == "*":
        raise PreconditionRequired(
            "Send If-Match with the ETag from your last read of this recommendation, so that no one's "
            "work is overwritten."
        )
    if rec.version not in versions_in_if_match(if_match):
        raise _stale(rec.version)
    return WriteTarget(
        id=rec.id,
        code=code,
        version=rec.version,
        status=rec.status,
        claimed_status=rec.claimed_status,
        head=ChainHead(rec.head_seq, rec.head_hash) if rec.head_seq is not None else None,
        newest_effective_on={perspective: rec._mapping[perspective.value] for perspective in STATUS_COLUMNS},
    )


def _newest(column: Any, order: list[Any], *conditions: ColumnElement[bool]) -> ScalarSelect[Any]:
    """A column of the recommendation's newest entry by `order`, as a correlated subquery."""
    return (
        select(column)
        .where(_entry.recommendation_id == _rec.id, *conditions)
        .order_by(*order)
        .limit(1)
        .scalar_subquery()
    )


_rec = Recommendation.__table__.c
_entry = HistoryEntry.__table__.c
_BY_SEQ = [_entry.seq.desc()]
_BY_EFFECTIVE_ON = [_entry.effective_on.desc(), _entry.seq.desc()]
# One statement, one round trip: the row, the chain head and what a backfill is compared with. Built once
# (and so its cache key computed once): building it for every write cost more CPU than running it.
_READ_FOR_WRITE = select(
    _rec.id,
    _rec.version,
    _rec.status,
    _rec.claimed_status,
    _newest(_entry.seq, _BY_SEQ).label("head_seq"),
    _newest(_entry.hash, _BY_SEQ).label("head_hash"),
    *(
        _newest(
            _entry.effective_on,
            _BY_EFFECTIVE_ON,
            _entry.perspective == perspective.value,
            not_superseded(),
        ).label(perspective.value)
        for perspective in STATUS_COLUMNS
    ),
).where(_rec.code == bindparam("code"))


@contextmanager
def _reading(session: Session) -> Iterator[Connection]:
    """The connection `snapshot` would read on, without a session around it."""
    if session.in_transaction() or is_postgres(session):
        yield session.connection()
        return
    bind = cast(Engine, session.get_bind()).execution_options(**{WRITE_OPTION: False})
    with one_statement_reader(bind).connect() as read:
        yield read


def claim(session: Session, target: WriteTarget, changes: dict[str, Any]) -> None:
    """Bump the version if it is still the one read (412 if not), applying the denormalised changes."""
    # One statement: on PostgreSQL a concurrent writer waits for our row lock and then finds the
    # version changed; on SQLite this is where the write lock is taken (BEGIN IMMEDIATE).
    # Core, not the ORM: nothing in the session holds this row, so there is nothing to synchronise.
    connection = session.connection()
    params = {"claimed_id": target.id, "read_version": target.version, "now": utcnow()}
    if any(isinstance(value, ClauseElement) for value in changes.values()):  # coverage: computed in SQL
        statement = _claim(()).values(changes)
    else:
        statement = _claim(tuple(changes))
        params |= {f"new_{column}": value for column, value in changes.items()}
    claimed = connection.execute(statement, params).rowcount
    if claimed != 1:
        current = connection.execute(select(_rec.version).where(_rec.id == target.id)).scalar_one()
        raise _stale(current)
    target.version += 1
    target.status = changes.get("status", target.status)
    target.claimed_status = changes.get("claimed_status", target.claimed_status)


@cache
def _claim(columns: tuple[str, ...]) -> Update:
    """The claim's UPDATE for these changed columns, bound as `new_<column>` (built once per set)."""
    return (
        update(Recommendation.__table__)
        .where(_rec.id == bindparam("claimed_id"), _rec.version == bindparam("read_version"))
        .values(
            {"version": _rec.version + 1, "updated_at": bindparam("now")}
            | {column: bindparam(f"new_{column}") for column in columns}
        )
    )


def append(session: Session, entry: HistoryEntry | NewEntry, *rows: Any, commit: bool = False) -> None:
    """Insert the entry (and rows that go with it) after the claim.

    No global lock: the feed and the log order entries by the transaction that wrote them, up to the oldest
    one still running (app/history/feed_order.py), so concurrent writers may commit in any order.
    `commit`: the entry is the write's last statement, so commit with it (the route sends nothing more in
    this transaction); on PostgreSQL the INSERT and the COMMIT then go as one query, one round trip, and on
    SQLite the commit follows at once, in this thread, so the write lock is held no longer than that.
    A `NewEntry` is inserted with Core (its id set after); a HistoryEntry object goes through the session.
    """
    if rows:
        session.add_all(rows)
        session.flush()
    if isinstance(entry, HistoryEntry):
        if not (commit and is_postgres(session)):
            session.add(entry)
            session.flush()
            if commit:
                session.commit()
            return
    elif not (commit and is_postgres(session)):
        values = {column.name: getattr(entry, column.key) for column in _ENTRY_COLUMNS}
        entry.id = inserted_id(session.connection().execute(_INSERT, values))
        if commit:
            session.commit()
        return
    values = {column.name: getattr(entry, column.key) for column in _ENTRY_COLUMNS}
    entry.id = _insert_and_commit(session, values)
    session.commit()  # the driver has committed: this ends SQLAlchemy's transaction without a round trip


def claim_every(session: Session, owned: ColumnElement[bool]) -> list[WriteTarget]:
    """Claim every recommendation that `owned` selects, whatever its version, and read each chain head after.

    For a write that adds an entry to many chains at once (a section's title translation). The rows are
    locked lowest id first, as every writer claims them, so it queues behind a write in progress on any of
    them instead of deadlocking with it; the heads are read once all are held, so they are the committed
    ones; and every version is bumped, so a write that read one of them before gets 412 at its claim.
    """
    # FOR NO KEY UPDATE is the lock an UPDATE takes; SQLite renders none (BEGIN IMMEDIATE holds them all).
    locking = select(col(Recommendation.id)).where(owned).order_by(col(Recommendation.id))
    session.execute(locking.with_for_update(key_share=True)).all()
    claimed = session.execute(
        update(Recommendation)
        .where(owned)
        .values(version=col(Recommendation.version) + 1, updated_at=utcnow())
        .returning(
            col(Recommendation.id),
            col(Recommendation.code),
            col(Recommendation.version),
            col(Recommendation.status),
            col(Recommendation.claimed_status),
        )
        # The seed and the command line may hold some of these rows as objects: refresh their versions.
        .execution_options(synchronize_session="fetch")
    ).all()
    heads = chain_heads(session, owned)
    return [
        WriteTarget(
            id=row.id,
            code=row.code,
            version=row.version,
            status=row.status,
            claimed_status=row.claimed_status,
            head=heads.get(row.id),
            newest_effective_on={},
        )
        for row in sorted(claimed, key=lambda row: row.id)
    ]


def append_every(session: Session, entries: list[EntryFields], *rows: Any) -> None:
    """Insert the entries of a `claim_every` write (and rows that go with them).

    Like `append`, without a global lock: the feed follows the transaction that wrote them."""
    session.add_all(rows)
    session.flush()
    if entries:
        session.execute(insert(HistoryEntry.__table__), [vars(entry) for entry in entries])


_ENTRY_COLUMNS = [column for column in HistoryEntry.__table__.columns if column.name != "id"]
_INSERT = insert(HistoryEntry.__table__)
# Written once: compiling the INSERT for every write cost 0.4 ms of CPU.
_INSERT_AND_COMMIT = (
    f"INSERT INTO {HistoryEntry.__table__.name} ({', '.join(column.name for column in _ENTRY_COLUMNS)}) "
    f"VALUES ({', '.join(f'%({column.name})s' for column in _ENTRY_COLUMNS)}) RETURNING id; COMMIT"
)


def _insert_and_commit(session: Session, values: dict[str, Any]) -> int:
    """Send the INSERT .. RETURNING and the COMMIT as one query string, one round trip; the new id.

    psycopg's client-side binding quotes the values (the simple protocol takes several statements only
    without server-side parameters); the server runs the COMMIT straight after the INSERT.
    """
    driver = cast(Any, session.connection().connection.driver_connection)  # a psycopg Connection
    with psycopg.ClientCursor(driver) as cursor:
        cursor.execute(_INSERT_AND_COMMIT, values)
        found = cursor.fetchone()
    if found is None:
        raise RuntimeError("INSERT .. RETURNING returned no row")
    return int(found[0])


def _stale(current: int) -> PreconditionFailed:
    return PreconditionFailed(
        "Someone changed this recommendation since you read it. Read it again (GET it for the new ETag), "
        "check what changed, and resend your change with the new If-Match.",
        headers={"ETag": etag_for(current)},
    )


@contextmanager
def snapshot(session: Session) -> Iterator[Session]:
    """A short read-only session beside the write session, so reads hold no write lock."""
    if session.in_transaction() or is_postgres(session):
        # Already writing (an idempotency check went first): read here rather than take a second
        # connection while holding the first, which could exhaust the pool under load. PostgreSQL's reads
        # take no lock, so there the write session reads too: one connection and one transaction a write.
        yield session
        return
    with Session(session.get_bind().execution_options(**{WRITE_OPTION: False})) as read:
        yield read
