"""A cheap marker of the data state, for ETags and caches keyed by it."""

from sqlalchemy import func, select
from sqlmodel import Session

from app.models import HistoryEntry, RecommendationEvidence


def data_fingerprint(session: Session) -> str:
    """The newest history entry and evidence link ids: every write appends one, so the pair moves."""
    # Two primary-key maxima: index lookups, never a scan. History is append-only (a trigger enforces it
    # on PostgreSQL) and links are never deleted, so nothing can change without one of them growing.
    # Sound only because appends are serialised (the advisory lock in history.writes on PostgreSQL, one
    # writer at a time on SQLite): a lower id can never commit after a higher one has been seen.
    newest_entry = select(func.max(HistoryEntry.id)).scalar_subquery()
    newest_link = select(func.max(RecommendationEvidence.id)).scalar_subquery()
    entry_id, link_id = session.execute(select(newest_entry, newest_link)).one()
    return f"{entry_id or 0}.{link_id or 0}"
