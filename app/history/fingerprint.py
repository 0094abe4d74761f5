"""A cheap marker of the data state, for ETags and caches keyed by it."""

from sqlalchemy import func, select
from sqlmodel import Session

from app.models import HistoryEntry, RecommendationEvidence

# Two primary-key maxima: index lookups, never a scan. History is append-only (a trigger enforces it
# on PostgreSQL) and links are never deleted, so nothing can change without one of them growing.
# Sound only because appends are serialised (the advisory lock in recommendations.write_protocol on
# PostgreSQL, one writer at a time on SQLite): a lower id can never commit after a higher one has been seen.
# Built once from the tables' columns: every list page reads it, and building it cost 4× running it.
_NEWEST_IDS = select(
    select(func.max(HistoryEntry.__table__.c.id)).scalar_subquery(),
    select(func.max(RecommendationEvidence.__table__.c.id)).scalar_subquery(),
)


def data_fingerprint(session: Session) -> str:
    """The newest history entry and evidence link ids: every write appends one, so the pair moves."""
    entry_id, link_id = session.execute(_NEWEST_IDS).one()
    return f"{entry_id or 0}.{link_id or 0}"
