"""Which entries a correction superseded: the condition every "latest entry" lookup adds.

docs/design.md, "Corrections": a correction names the entry it supersedes in `supersedes_entry_id`; that
entry stops counting for anything known at or after the correction's `recorded_at`.
"""

from datetime import datetime

from sqlalchemy import ColumnElement, exists, literal, select
from sqlmodel import Session

from app.models import HistoryEntry

_entry = HistoryEntry.__table__
_correction = HistoryEntry.__table__.alias("correction")
_ANY = select(exists(select(literal(1)).where(_entry.c.supersedes_entry_id.is_not(None))))
_SEEN = "rectrack_corrections_seen"


def not_superseded(known_at: datetime | None = None) -> ColumnElement[bool]:
    """True for a `history_entries` row that no correction recorded by `known_at` (or ever) supersedes."""
    conditions = [_correction.c.supersedes_entry_id == _entry.c.id]
    if known_at is not None:
        conditions.append(_correction.c.recorded_at <= known_at)
    return ~exists(select(literal(1)).select_from(_correction).where(*conditions))


def any_corrections(session: Session) -> bool:
    """Whether the database holds any correction: one seek on the partial index, once per session.

    Once true it stays true for the session; while false, lookups keep their covering-index plans.
    """
    if session.info.get(_SEEN):
        return True
    seen = bool(session.execute(_ANY).scalar())
    if seen:
        session.info[_SEEN] = True
    return seen
