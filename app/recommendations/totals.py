"""The list's `total`: counted, or taken from a per-app cache keyed by the filters and the data state."""

from typing import Any

from sqlalchemy import ColumnElement, func, select

from app.history.fingerprint import data_fingerprint
from app.lru import LRUCache
from app.models import Recommendation
from app.raw_statements import Reads, fetch
from app.recommendations.schemas import RecommendationFilters


def count_matching(
    reads: Reads,
    filters: RecommendationFilters,
    conditions: list[ColumnElement[bool]],
    totals: LRUCache[int] | None,
    fingerprint: str | None = None,
) -> int:
    """How many recommendations match; counted once per filter set and data state when `totals` is given
    (`fingerprint`: the data fingerprint the caller read just before, else read here)."""
    if totals is None:
        return _count(reads, conditions)
    # The fingerprint is read before counting: the count then sees at least the state the key names
    # (one snapshot on SQLite; a later one under PostgreSQL's read committed), never an older one.
    key = (fingerprint or data_fingerprint(reads), filters_key(filters))
    return totals.get_or_compute(key, lambda: _count(reads, conditions))


def filters_key(filters: RecommendationFilters) -> tuple[tuple[str, Any], ...]:
    """The filters as a hashable key; spellings that select the same rows give the same key."""
    values = filters.model_dump(mode="json", exclude_none=True)
    if values.get("q"):
        values["q"] = values["q"].casefold()
    else:
        values.pop("q", None)
    return tuple(sorted(values.items()))


def _count(reads: Reads, conditions: list[ColumnElement[bool]]) -> int:
    return fetch(reads, select(func.count()).select_from(Recommendation).where(*conditions))[0][0] or 0
