"""The list's `total`: counted, or taken from a per-app cache keyed by the filters and the data state."""

from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlmodel import Session

from app.history.fingerprint import data_fingerprint
from app.lru import LRUCache
from app.models import Recommendation
from app.recommendations.schemas import RecommendationFilters


def count_matching(
    session: Session,
    filters: RecommendationFilters,
    conditions: list[ColumnElement[bool]],
    totals: LRUCache[int] | None,
) -> int:
    """How many recommendations match; counted once per filter set and data state when `totals` is given."""
    if totals is None:
        return _count(session, conditions)
    # The fingerprint is read before counting: the count then sees at least the state the key names
    # (one snapshot on SQLite; a later one under PostgreSQL's read committed), never an older one.
    key = (data_fingerprint(session), filters_key(filters))
    return totals.get_or_compute(key, lambda: _count(session, conditions))


def filters_key(filters: RecommendationFilters) -> tuple[tuple[str, Any], ...]:
    """The filters as a hashable key; spellings that select the same rows give the same key."""
    values = filters.model_dump(mode="json", exclude_none=True)
    if values.get("q"):
        values["q"] = values["q"].casefold()
    else:
        values.pop("q", None)
    return tuple(sorted(values.items()))


def _count(session: Session, conditions: list[ColumnElement[bool]]) -> int:
    return session.scalar(select(func.count()).select_from(Recommendation).where(*conditions)) or 0
