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
from typing import Any, cast

import psycopg
from sqlalchemy import ColumnElement, CursorResult, ScalarSelect, insert, select, update
from sqlmodel import Session, col

from app.db import WRITE_OPTION, is_postgres, utcnow
from app.errors import NotFound, PreconditionFailed, PreconditionRequired
from app.history.service import ChainHead, EntryFields, chain_heads
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
    by_seq = [col(HistoryEntry.seq).desc()]
    by_effective_on = [col(HistoryEntry.effective_on).desc(), col(HistoryEntry.seq).desc()]
    with snapshot(session) as read:
        # One statement, one round trip: the row, the chain head and what a backfill is compared with.
        rec = read.execute(
            select(
                col(Recommendation.id),
                col(Recommendation.version),
                col(Recommendation.status),
                col(Recommendation.claimed_status),
                _newest(col(HistoryEntry.seq), by_seq).label("head_seq"),
                _newest(col(HistoryEntry.hash), by_seq).label("head_hash"),
                *(
                    _newest(
                        col(HistoryEntry.effective_on),
                        by_effective_on,
                        col(HistoryEntry.perspective) == perspective.value,
                        not_superseded(),
                    ).label(perspective.value)
                    for perspective in STATUS_COLUMNS
                ),
            ).where(col(Recommendation.code) == code)
        ).first()
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
        .where(col(HistoryEntry.recommendation_id) == col(Recommendation.id), *conditions)
        .order_by(*order)
        .limit(1)
        .scalar_subquery()
    )


def claim(session: Session, target: WriteTarget, changes: dict[str, Any]) -> None:
    """Bump the version if it is still the one read (412 if not), applying the denormalised changes."""
    # One statement: on PostgreSQL a concurrent writer waits for our row lock and then finds the
    # version changed; on SQLite this is where the write lock is taken (BEGIN IMMEDIATE).
    claimed = cast(  # an UPDATE's result is a CursorResult; SQLModel's Session.execute says Result
        CursorResult[Any],
        session.execute(
            update(Recommendation)
            .where(col(Recommendation.id) == target.id, col(Recommendation.version) == target.version)
            .values(version=col(Recommendation.version) + 1, updated_at=utcnow(), **changes)
            # Nothing in the session holds this row: skip the ORM's search for objects to refresh.
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    if claimed != 1:
        current = session.execute(
            select(col(Recommendation.version)).where(col(Recommendation.id) == target.id)
        ).scalar_one()
        raise _stale(current)
    target.version += 1
    target.status = changes.get("status", target.status)
    target.claimed_status = changes.get("claimed_status", target.claimed_status)


def append(session: Session, entry: HistoryEntry, *rows: Any, commit: bool = False) -> None:
    """Insert the entry (and rows that go with it) after the claim.

    No global lock: the feed and the log order entries by the transaction that wrote them, up to the oldest
    one still running (app/history/feed_order.py), so concurrent writers may commit in any order.
    `commit`: the entry is the write's last statement, so commit with it (the route sends nothing more in
    this transaction); on PostgreSQL the INSERT and the COMMIT then go as one query, one round trip. SQLite
    leaves the commit to the session's dependency (see `commit_write`).
    """
    session.add_all(rows)
    session.flush()
    if not (commit and is_postgres(session)):
        session.add(entry)
        session.flush()
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
