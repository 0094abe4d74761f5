"""The list's pages as sent: built once per data state and kept per app until the next write."""

from typing import Any

from pydantic_core import to_json

from app.history.fingerprint import data_fingerprint
from app.lru import LRUCache
from app.raw_statements import Reads
from app.recommendations.schemas import RecommendationFilters
from app.recommendations.service import list_recommendations
from app.recommendations.totals import filters_key


def list_page_json(
    reads: Reads,
    filters: RecommendationFilters,
    *,
    limit: int,
    cursor: str | None,
    language: str | None,
    totals: LRUCache[int] | None,
    pages: LRUCache[bytes] | None,
) -> bytes:
    """A page of the list as JSON (RecommendationPage): from `pages` while the data fingerprint has not moved,
    else built and kept there; built every time without `pages`, and for a search (`q`)."""

    def build(fingerprint: str | None) -> bytes:
        items, total, next_cursor = list_recommendations(
            reads,
            filters,
            limit=limit,
            cursor=cursor,
            totals=totals,
            language=language,
            fingerprint=fingerprint,
        )
        # The service builds the items as RecommendationPage dumps them (tests/test_links.py checks).
        page: dict[str, Any] = {"items": items, "total": total, "next_cursor": next_cursor}
        return to_json(page)

    # What `q` matches changes without a history entry (`rectrack reindex` stores the terms afresh): a
    # search's items are found each time (its total is kept, as docs/design.md "Stored terms" says).
    if pages is None or filters.q:
        return build(None)
    # Read before building, as for the totals: a kept page shows at least the state its key names. Every
    # write that changes a page (status, categories, translations, links) appends a history entry, which
    # moves the fingerprint; nothing in a page depends on the clock or on who asks.
    fingerprint = data_fingerprint(reads)
    key = (fingerprint, filters_key(filters), limit, cursor, language)
    return pages.get_or_compute(key, lambda: build(fingerprint))
