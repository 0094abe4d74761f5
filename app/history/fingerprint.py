"""A cheap marker of the data state, for ETags and caches keyed by it."""

from sqlalchemy import func, select
from sqlmodel import Session

from app.db import is_postgres
from app.history.feed_order import CLUSTER_HORIZON, feed_order, settled
from app.models import HistoryEntry, RecommendationEvidence

_entry = HistoryEntry.__table__.c
_newest_link = select(func.max(RecommendationEvidence.__table__.c.id)).scalar_subquery()
# Index lookups, never a scan, built once from the tables' columns: every list page reads the fingerprint,
# and building the statement cost 4× running it. History is append-only (a trigger enforces it on
# PostgreSQL) and every write appends an entry, so nothing changes without the visible entries growing.
# SQLite: one writer at a time, so entries become visible in id order and the newest id moves with each.
_NEWEST_IDS = select(select(func.max(_entry.id)).scalar_subquery(), _newest_link)
# PostgreSQL: writers commit in any order, so a lower id can become visible after a higher one was seen.
# The newest settled entry (app/history/feed_order.py, by the cheap cluster-wide horizon: any earlier
# horizon is as sound) and the visible entries past it:
# an entry that becomes visible either joins those past the horizon or, settling, moves the newest settled
# one forward (it sorts after everything settled before it).
_SETTLED_AND_PAST = select(
    select(_entry.transaction_id)
    .where(settled(True, CLUSTER_HORIZON))
    .order_by(*(column.desc() for column in feed_order(True)))
    .limit(1)
    .scalar_subquery(),
    select(_entry.id)
    .where(settled(True, CLUSTER_HORIZON))
    .order_by(*(column.desc() for column in feed_order(True)))
    .limit(1)
    .scalar_subquery(),
    # The sum of their ids, not their number: it grows with every entry, and list pages are tested
    # for the count statements they send (a cached total sends none).
    select(func.sum(_entry.id)).where(~settled(True, CLUSTER_HORIZON)).scalar_subquery(),
    _newest_link,
)


def data_fingerprint(session: Session) -> str:
    """A marker that moves with every write: on SQLite the newest entry and evidence link ids; on PostgreSQL
    the newest settled entry, the sum of the ids of entries past the horizon and the newest link id."""
    if is_postgres(session):
        return ".".join(str(value or 0) for value in session.execute(_SETTLED_AND_PAST).one())
    entry_id, link_id = session.execute(_NEWEST_IDS).one()
    return f"{entry_id or 0}.{link_id or 0}"
