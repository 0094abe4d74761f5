"""Claim gaps by class (overclaim, underclaim, unassessed), paged in natural order with both entries."""

from typing import Any
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, Row, func, select
from sqlmodel import Session, col

from app.claim_classes import ANY, claim_class_condition, claim_class_sql
from app.models import HistoryEntry, Recommendation, Source
from app.recommendations.service import ORDER, after_position, decode_cursor, encode_cursor
from app.scorecards.conditions import recommendation_conditions, status_at
from app.scorecards.entries import entries_by_id
from app.scorecards.lookups import Joined, lookups_for, with_joins
from app.scorecards.params import ClaimGapClassParams, PointInTimeParams
from app.scorecards.point import PointInTime, point_of
from app.vocabulary import ClaimGapClass, Perspective

CLAIM_GAP_CLASSES_PATH = "/api/v1/scorecard/claim-gap-classes"
POINT_FIELDS = set(PointInTimeParams.model_fields)
STATE, INDEPENDENT = Perspective.state.value, Perspective.independent.value


def _class_terms(
    session: Session, point: PointInTime, *, ids: bool
) -> tuple[ColumnElement[Any], ColumnElement[Any], list[Joined], list[ColumnElement]]:
    """Both statuses at the point, the joins they need, and (when asked) the claim's and finding's ids."""
    lookups = lookups_for(session)
    if point.current:
        claimed, independent = Recommendation.__table__.c.claimed_status, Recommendation.__table__.c.status
        if not ids:
            return claimed, independent, [], []
        (claimed_id,), claim_lookup = lookups.inline(STATE, point, col(HistoryEntry.id))
        (independent_id,), finding_lookup = lookups.inline(INDEPENDENT, point, col(HistoryEntry.id))
        return claimed, independent, claim_lookup.joins + finding_lookup.joins, [claimed_id, independent_id]
    wanted = (col(HistoryEntry.status), col(HistoryEntry.id)) if ids else (col(HistoryEntry.status),)
    claim_columns, claim_lookup = lookups.inline(STATE, point, *wanted)
    finding_columns, finding_lookup = lookups.inline(INDEPENDENT, point, *wanted)
    entry_ids = [claim_columns[1], finding_columns[1]] if ids else []
    return claim_columns[0], finding_columns[0], claim_lookup.joins + finding_lookup.joins, entry_ids


def _where(
    params: PointInTimeParams, point: PointInTime, gap_class: str | None, claimed, independent
) -> list[ColumnElement[bool]]:
    return [
        *recommendation_conditions(params, status_at(params.perspective, point), point),
        claim_class_condition(gap_class or ANY, claimed, independent),
    ]


def class_gap_rows(
    session: Session,
    params: PointInTimeParams,
    gap_class: str | None,
    *,
    limit: int,
    after: tuple[int, int, int] | None = None,
) -> list[Row]:
    """Up to `limit` gaps (of a class, or of any) after a position in natural order, with both entry ids."""
    point = point_of(params, session)
    claimed, independent, joins, (claimed_id, independent_id) = _class_terms(session, point, ids=True)
    statement = with_joins(
        select(
            col(Recommendation.code),
            col(Source.slug).label("source"),
            col(Recommendation.source_id),
            col(Recommendation.section_number),
            col(Recommendation.number),
            claim_class_sql(claimed, independent).label("gap_class"),
            claimed_id.label("claimed_id"),
            independent_id.label("independent_id"),
        ).join(Source, col(Source.id) == col(Recommendation.source_id)),
        joins,
    )
    conditions = _where(params, point, gap_class, claimed, independent)
    if after is not None:
        conditions.append(after_position(after))
    return list(session.execute(statement.where(*conditions).order_by(*ORDER).limit(limit)).all())


def class_gap_count(session: Session, params: PointInTimeParams, gap_class: str | None) -> int:
    """How many claim gaps (of a class, or of any) match the parameters."""
    point = point_of(params, session)
    claimed, independent, joins, _ = _class_terms(session, point, ids=False)
    statement = with_joins(select(func.count()).select_from(Recommendation), joins)
    return session.scalar(statement.where(*_where(params, point, gap_class, claimed, independent))) or 0


def class_gap_items(session: Session, rows: list[Row]) -> list[dict[str, Any]]:
    """The gaps with the claim and the independent entry (None when the monitors have not assessed)."""
    wanted = [i for row in rows for i in (row.claimed_id, row.independent_id) if i is not None]
    entries = entries_by_id(session, wanted)
    return [
        {
            "code": row.code,
            "source": row.source,
            "section": row.section_number,
            "gap_class": row.gap_class,
            "claimed": entries[row.claimed_id],
            "independent": None if row.gap_class == ClaimGapClass.unassessed else entries[row.independent_id],
        }
        for row in rows
    ]


def claim_gap_classes_url(
    params: PointInTimeParams, gap_class: str | None, *, limit: int, cursor: str | None = None
) -> str:
    """The path and query of a page of claim gaps by class for the same point in time and filters."""
    query = params.model_dump(mode="json", include=POINT_FIELDS, exclude_none=True, exclude_defaults=True)
    if gap_class is not None:
        query["gap_class"] = gap_class
    query["limit"] = limit
    if cursor is not None:
        query["cursor"] = cursor
    return f"{CLAIM_GAP_CLASSES_PATH}?{urlencode(query)}"


def first_class_gaps(
    session: Session, params: PointInTimeParams, gap_class: str, *, limit: int, total: int
) -> list[dict[str, Any]]:
    """The first `limit` gaps of a class whose count (`total`) is known: no walk past the last one."""
    rows = class_gap_rows(session, params, gap_class, limit=min(limit, total)) if limit and total else []
    return class_gap_items(session, rows)


def claim_gap_class_page(session: Session, params: ClaimGapClassParams) -> dict[str, Any]:
    """One page of claim gaps by class after the cursor, the next cursor, and on the first page the total."""
    gap_class = params.gap_class.value if params.gap_class is not None else None
    after = decode_cursor(params.cursor) if params.cursor else None
    rows = class_gap_rows(session, params, gap_class, limit=params.limit + 1, after=after)
    more = len(rows) > params.limit
    rows = rows[: params.limit]
    return {
        "items": class_gap_items(session, rows),
        "total": class_gap_count(session, params, gap_class) if after is None else None,
        "next_cursor": encode_cursor(rows[-1]) if more else None,
    }
