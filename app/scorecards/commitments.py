"""The commitment gap, paged in natural order: recommendations the state committed to at its UPR, not kept.

A recommendation of a source other than a UPR review is committed when, at the point, it has an active
`same_measure` link to a UPR recommendation whose response then is supported or partially supported; a
committed one whose status (from the scorecard's perspective, at the point) is not implemented or regressed
is a broken commitment. One linked only to recommendations the state noted is counted as noted, apart.
"""

from typing import Any
from urllib.parse import urlencode

from sqlalchemy import CTE, ColumnElement, Row, case, exists, func, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from app.models import Recommendation, RecommendationLink, Source
from app.recommendations.service import ORDER, after_position, decode_cursor, encode_cursor
from app.scorecards.conditions import DISPUTED, recommendation_conditions, response_at, status_at
from app.scorecards.linked import SAME_MEASURE, linked_pairs, shown, upr_links
from app.scorecards.params import GAPS_PAGE, CommitmentGapParams, PointInTimeParams
from app.scorecards.point import PointInTime, point_of
from app.vocabulary import Response, SourceKind

COMMITMENTS_PATH = "/api/v1/scorecard/commitments"
POINT_FIELDS = set(PointInTimeParams.model_fields)
# A recommendation's best response among its same_measure UPR links: the rank decides how it counts.
RANKS = {Response.supported.value: 3, Response.partially_supported.value: 2, Response.noted.value: 1}
SUPPORTED, PARTIALLY, NOTED = 3, 2, 1
COMMITTING = (Response.supported.value, Response.partially_supported.value)
_links = RecommendationLink.__table__.c


def any_commitment_links(session: Session) -> bool:
    """Whether any same_measure link was ever made: without one, no recommendation is or was committed."""
    return bool(session.scalar(select(exists().where(_links.strength.in_(SAME_MEASURE)))))


def commitment_ranks(point: PointInTime) -> CTE:
    """Per recommendation of a non-UPR source with an active same_measure link to a UPR recommendation:
    `id` and `rank`, the best response among them at the point (3 supported, 2 partially, 1 noted, 0 other).
    """
    pairs = linked_pairs(point, SAME_MEASURE)
    own = aliased(Recommendation)
    own_source = aliased(Source)
    # The response is the linked UPR recommendation's: `recommendations` unaliased is that one.
    ranked = (
        select(
            pairs.c.id,
            case(RANKS, value=response_at(point), else_=0).label("rank"),
        )
        .select_from(pairs)
        .join(Recommendation, col(Recommendation.id) == pairs.c.other_id)
        .join(Source, col(Source.id) == col(Recommendation.source_id))
        .join(own, col(own.id) == pairs.c.id)
        .join(own_source, col(own_source.id) == col(own.source_id))
        .where(
            col(Source.kind) == SourceKind.upr_review.value,
            col(own_source.kind) != SourceKind.upr_review.value,
        )
        .subquery("ranked")
    )
    return (
        select(ranked.c.id, func.max(ranked.c.rank).label("rank"))
        .group_by(ranked.c.id)
        .cte("commitment_ranks")
    )


def _broken(
    params: PointInTimeParams, point: PointInTime
) -> tuple[CTE, ColumnElement[str], list[ColumnElement[bool]]]:
    """The ranks, the status from the scorecard's perspective, and the conditions of a broken commitment."""
    ranks = commitment_ranks(point)
    status = status_at(params.perspective, point)
    conditions = [
        ranks.c.rank >= PARTIALLY,
        status.in_(DISPUTED),
        *recommendation_conditions(params, status, point),
    ]
    return ranks, status, conditions


def commitment_gap_rows(
    session: Session, params: PointInTimeParams, *, limit: int, after: tuple[int, int, int] | None = None
) -> list[Row]:
    """Up to `limit` broken commitments after a position in natural order."""
    point = point_of(params, session)
    ranks, status, conditions = _broken(params, point)
    if after is not None:
        conditions.append(after_position(after))
    statement = (
        select(
            col(Recommendation.id),
            col(Recommendation.code),
            col(Recommendation.text),
            col(Source.slug).label("source"),
            col(Recommendation.source_id),
            col(Recommendation.section_number),
            col(Recommendation.number),
            status.label("status"),
            ranks.c.rank,
        )
        .join(ranks, ranks.c.id == col(Recommendation.id))
        .join(Source, col(Source.id) == col(Recommendation.source_id))
        .where(*conditions)
        .order_by(*ORDER)
        .limit(limit)
    )
    return list(session.execute(statement).all())


def commitment_gap_count(session: Session, params: PointInTimeParams) -> int:
    """How many broken commitments match the parameters."""
    ranks, _, conditions = _broken(params, point_of(params, session))
    statement = (
        select(func.count())
        .select_from(Recommendation)
        .join(ranks, ranks.c.id == col(Recommendation.id))
        .where(*conditions)
    )
    return session.scalar(statement) or 0


def commitment_items(session: Session, rows: list[Row], point: PointInTime) -> list[dict[str, Any]]:
    """The broken commitments with the UPR recommendations committing to each: two queries for the page."""
    committing = upr_links(
        session, [row.id for row in rows], point, strengths=SAME_MEASURE, responses=COMMITTING
    )
    return [
        {
            "code": row.code,
            "source": row.source,
            "section": row.section_number,
            "text": row.text,
            "status": row.status,
            "partially": row.rank == PARTIALLY,
            "commitments": [shown(item) for item in committing.get(row.id, [])],
        }
        for row in rows
    ]


def commitments_url(params: PointInTimeParams, *, limit: int, cursor: str | None) -> str:
    """The path and query of a page of broken commitments for the same point in time and filters."""
    query = params.model_dump(mode="json", include=POINT_FIELDS, exclude_none=True, exclude_defaults=True)
    query["limit"] = limit
    if cursor is not None:
        query["cursor"] = cursor
    return f"{COMMITMENTS_PATH}?{urlencode(query)}"


def first_commitment_gaps(
    session: Session, params: PointInTimeParams, *, limit: int, total: int
) -> tuple[list[dict[str, Any]], str | None]:
    """The first `limit` broken commitments of `total`, and the URL of the page after them (None: all)."""
    rows = commitment_gap_rows(session, params, limit=min(limit, total)) if limit and total else []
    items = commitment_items(session, rows, point_of(params))
    if total <= len(rows):
        return items, None
    cursor = encode_cursor(rows[-1]) if rows else None
    return items, commitments_url(params, limit=limit or GAPS_PAGE, cursor=cursor)


def commitment_gap_page(session: Session, params: CommitmentGapParams) -> dict[str, Any]:
    """One page of broken commitments after the cursor, the next cursor, and on the first page the total."""
    after = decode_cursor(params.cursor) if params.cursor else None
    rows = commitment_gap_rows(session, params, limit=params.limit + 1, after=after)
    more = len(rows) > params.limit
    rows = rows[: params.limit]
    return {
        "items": commitment_items(session, rows, point_of(params)),
        "total": commitment_gap_count(session, params) if after is None else None,
        "next_cursor": encode_cursor(rows[-1]) if more else None,
    }
