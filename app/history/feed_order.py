"""The order of the global feed and of the log's leaves, and how far that order is final.

SQLite has one writer at a time, so entries become visible in id order. PostgreSQL writers run at once and
draw ids before they commit, so id 11 can be visible before id 10. There the order is (transaction_id, id),
served only up to the horizon: entries of transactions older than the oldest one still running here. An entry
that becomes visible later belongs to a transaction no older than that horizon, so it sorts after every
entry served: nothing served ever moves, a cursor (the last entry id a reader has) stays valid, and the
sequencer gives leaves in this same order. Writers take no global lock (docs/design.md).
"""

from typing import Any

from sqlalchemy import BigInteger, ColumnElement, func, literal_column, select, true, tuple_
from sqlmodel import Session

from app.db import is_postgres
from app.models import HistoryEntry

_entry = HistoryEntry.__table__.c
# The oldest transaction this statement's snapshot sees running (or, with none, the next to start): every
# older one has ended, so its entries are all visible. A transaction running in another database of the
# cluster (a long import next door) writes no entries here: when the activity table names its database, it
# is passed over; one that ends before it is named holds the horizon back, which is only ever safe. (The
# activity table costs about 0.7 ms a statement.)
HORIZON = literal_column(
    """(SELECT coalesce(min(running.xid::text::bigint), pg_snapshot_xmax(pg_current_snapshot())::text::bigint)
    FROM pg_snapshot_xip(pg_current_snapshot()) AS running(xid)
    WHERE (running.xid::text::bigint & 4294967295) NOT IN (
        SELECT activity.backend_xid::text::bigint FROM pg_stat_get_activity(NULL) AS activity
        WHERE activity.backend_xid IS NOT NULL
        AND activity.datid <> (SELECT oid FROM pg_database WHERE datname = current_database())))""",
    BigInteger,
)


def feed_order(postgres: bool) -> list[Any]:
    """The columns the feed and the sequencer order entries by."""
    return [_entry.transaction_id, _entry.id] if postgres else [_entry.id]


def after_entry(entry_id: Any, postgres: bool) -> ColumnElement[bool]:
    """Entries after the one with this id in feed order (after 0: all of them).

    An id no entry has (a rolled-back write drew it) sits where the nearest entry below it sits.
    """
    if not postgres:
        return _entry.id > entry_id
    where = (
        select(_entry.transaction_id)
        .where(_entry.id <= entry_id)
        .order_by(_entry.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return tuple_(_entry.transaction_id, _entry.id) > tuple_(func.coalesce(where, -1), entry_id)


def settled(postgres: bool) -> ColumnElement[bool]:
    """Entries whose place in the order is final: all on SQLite, those before the horizon on PostgreSQL."""
    return _entry.transaction_id < HORIZON if postgres else true()


def ordered_by_transaction(session: Session) -> bool:
    """True where the order is (transaction_id, id): PostgreSQL."""
    return is_postgres(session)
