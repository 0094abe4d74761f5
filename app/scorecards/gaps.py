"""Claim gaps, paged in natural order: the state claims (partial) implementation, the monitors disagree."""

from typing import Any
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, Row, func, select
from sqlmodel import Session, col

from app.models import HistoryEntry, Recommendation, Source
from app.recommendations.service import ORDER, after_position, decode_cursor, encode_cursor
from app.scorecards.conditions import CLAIMED, DISPUTED, recommendation_conditions, status_at
from app.scorecards.entries import entries_by_id
from app.scorecards.lookups import Joined, lookups_for, with_joins
from app.scorecards.params import GAPS_PAGE, ClaimGapParams, PointInTimeParams
from app.scorecards.point import PointInTime, point_of
from app.vocabulary import Perspective

CLAIM_GAPS_PATH = "/api/v1/scorecard/claim-gaps"
POINT_FIELDS = set(PointInTimeParams.model_fields)
STATE, INDEPENDENT = Perspective.state.value, Perspective.independent.value


def _gap_terms(
    session: Session, point: PointInTime, *, ids: bool
) -> tuple[list[ColumnElement[bool]], list[Joined], list[ColumnElement]]:
    """The gap conditions, the joins they need and (when asked) the ids of the claim and the finding."""
    lookups = lookups_for(session)
    if point.current:
        # The denormalised statuses decide; the entries are looked up for the gaps only.
        conditions: list[ColumnElement[bool]] = [
            col(Recommendation.claimed_status).in_(CLAIMED),
            col(Recommendation.status).in_(DISPUTED),
        ]
        if not ids:
            return conditions, [], []
        (claimed_id,), claimed = lookups.inline(STATE, point, col(HistoryEntry.id))
        (independent_id,), independent = lookups.inline(INDEPENDENT, point, col(HistoryEntry.id))
        return conditions, claimed.joins + independent.joins, [claimed_id, independent_id]
    # On PostgreSQL one lateral seek gives status and id; on SQLite the id's seek runs for gaps only.
    wanted = (col(HistoryEntry.status), col(HistoryEntry.id)) if ids else (col(HistoryEntry.status),)
    claimed_columns, claimed = lookups.inline(STATE, point, *wanted)
    independent_columns, independent = lookups.inline(INDEPENDENT, point, *wanted)
    conditions = [claimed_columns[0].in_(CLAIMED), independent_columns[0].in_(DISPUTED)]
    entry_ids = [claimed_columns[1], independent_columns[1]] if ids else []
    return conditions, claimed.joins + independent.joins, entry_ids


def claim_gap_rows(
    session: Session, params: PointInTimeParams, *, limit: int, after: tuple[int, int, int] | None = None
) -> list[Row]:
    """Up to `limit` gaps after a position in natural order: code, source, position and both entry ids."""
    point = point_of(params, session)
    conditions, joins, (claimed_id, independent_id) = _gap_terms(session, point, ids=True)
    statement = with_joins(
        select(
            col(Recommendation.code),
            col(Source.slug).label("source"),
            col(Recommendation.source_id),
            col(Recommendation.section_number),
            col(Recommendation.number),
            claimed_id.label("claimed_id"),
            independent_id.label("independent_id"),
        ).join(Source, col(Source.id) == col(Recommendation.source_id)),
        joins,
    )
    if after is not None:
        conditions = [*conditions, after_position(after)]
    return list(
        session.execute(
            statement.where(
                *recommendation_conditions(params, status_at(params.perspective, point), point), *conditions
            )
            .order_by(*ORDER)
            .limit(limit)
        ).all()
    )


def claim_gap_count(session: Session, params: PointInTimeParams) -> int:
    """How many claim gaps match the parameters."""
    point = point_of(params, session)
    conditions, joins, _ = _gap_terms(session, point, ids=False)
    statement = with_joins(select(func.count()).select_from(Recommendation), joins).where(
        *recommendation_conditions(params, status_at(params.perspective, point), point), *conditions
    )
    return session.scalar(statement) or 0


def gap_items(session: Session, rows: list[Row]) -> list[dict[str, Any]]:
    """The gaps with both entries, fetched for these rows only."""
    entries = entries_by_id(session, [i for row in rows for i in (row.claimed_id, row.independent_id)])
    return [
        {
            "code": row.code,
            "source": row.source,
            "section": row.section_number,
            "claimed": entries[row.claimed_id],
            "independent": entries[row.independent_id],
        }
        for row in rows
    ]


def claim_gaps_url(params: PointInTimeParams, *, limit: int, cursor: str | None) -> str:
    """The path and query of a claim-gap page for the same point in time and filters."""
    query = params.model_dump(mode="json", include=POINT_FIELDS, exclude_none=True, exclude_defaults=True)
    query["limit"] = limit
    if cursor is not None:
        query["cursor"] = cursor
    return f"{CLAIM_GAPS_PATH}?{urlencode(query)}"


def first_gaps(
    session: Session, params: PointInTimeParams, *, limit: int, total: int
) -> tuple[list[dict[str, Any]], str | None]:
    """The first `limit` gaps of `total`, and the URL of the page after them (None when they are all)."""
    # The total is known, so the walk stops at the last gap instead of reading on to the end for one more.
    rows = claim_gap_rows(session, params, limit=min(limit, total)) if limit and total else []
    if total <= len(rows):
        return gap_items(session, rows), None
    cursor = encode_cursor(rows[-1]) if rows else None
    return gap_items(session, rows), claim_gaps_url(params, limit=limit or GAPS_PAGE, cursor=cursor)


def claim_gap_page(session: Session, params: ClaimGapParams) -> dict[str, Any]:
    """One page of claim gaps after the cursor, the next cursor, and on the first page the total."""
    after = decode_cursor(params.cursor) if params.cursor else None
    rows = claim_gap_rows(session, params, limit=params.limit + 1, after=after)
    more = len(rows) > params.limit
    rows = rows[: params.limit]
    return {
        "items": gap_items(session, rows),
        "total": claim_gap_count(session, params) if after is None else None,
        "next_cursor": encode_cursor(rows[-1]) if more else None,
    }
