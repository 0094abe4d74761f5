"""The current scorecard: one grouped pass over `recommendations`, from the columns every write maintains.

docs/design.md, "Maintained state". Now (no as_of, no known_at) each recommendation's row holds all the
scorecard needs: the status from either perspective, the date of the entry it comes from, its active
progress and regression links by visibility, and the claim-gap class. No history entry is read. Groupings
that partition the recommendations (section, source, status, response) are one `GROUP BY group, status`
whose rows also make the totals; the category groupings count the totals in a pass of their own, as a
recommendation may be under several categories or none.
"""

from datetime import timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import CTE, ColumnElement, and_, case, func, or_, select
from sqlmodel import Session

from app.models import Recommendation
from app.scorecards.aggregation import counts
from app.scorecards.commitments import commitment_ranks
from app.scorecards.conditions import CLAIMED, DISPUTED, denormalised_status, recommendation_conditions
from app.scorecards.params import ScorecardParams
from app.scorecards.point import PointInTime
from app.vocabulary import GroupBy, Perspective

_rec = Recommendation.__table__.c
# The maintained date of each perspective's status.
EFFECTIVE_ON = {
    Perspective.independent.value: _rec.status_effective_on,
    Perspective.state.value: _rec.claimed_effective_on,
}
# Built once per kind of point (with or without corrections): the statement itself costs more than its run
# at the benchmark's small sizes, and a construct is never changed once built.
_commitment_ranks = lru_cache(maxsize=4)(commitment_ranks)


def current_counts(
    session: Session, params: ScorecardParams, point: PointInTime, *, include_restricted: bool
) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """The totals' and each group's counts now; None when the perspective keeps no status (the UN's)."""
    status = denormalised_status(params.perspective, point)
    if status is None or not point.current:
        return None
    rows = _per_recommendation(params, point, status, include_restricted=include_restricted)
    cutoff = point.reference_date() - timedelta(days=params.stale_after_days)
    return counts(session.connection(), rows, cutoff, params.group_by)


def _per_recommendation(
    params: ScorecardParams, point: PointInTime, status: ColumnElement[str], *, include_restricted: bool
) -> CTE:
    """Per recommendation, as `aggregation.per_recommendation` gives it, read from its own row."""
    covered: ColumnElement[bool] = _rec.coverage_links_public > 0
    if include_restricted:
        covered = or_(covered, _rec.coverage_links_restricted > 0)
    gap = and_(_rec.claimed_status.in_(CLAIMED), _rec.status.in_(DISPUTED))
    ranks = _commitment_ranks(point)
    responses = [_rec.response.label("response")] if params.group_by == GroupBy.response else []
    statement = (
        select(
            _rec.id,
            _rec.source_id,
            _rec.section_id,
            status.label("status"),
            EFFECTIVE_ON[params.perspective].label("last_on"),
            case((covered, 1), else_=0).label("covered"),
            case((gap, 1), else_=0).label("gap"),
            _rec.claim_gap_class.label("gap_class"),
            func.coalesce(ranks.c.rank, 0).label("commitment"),
            *responses,
        )
        .select_from(Recommendation.__table__.outerjoin(ranks, ranks.c.id == _rec.id))
        .where(*recommendation_conditions(params, status, point))
    )
    # Inlined where read twice (the category groupings' totals and groups): two passes over the row-only
    # columns cost less than a materialised set, and each can run in parallel on PostgreSQL.
    return statement.cte("per_recommendation").prefix_with("NOT MATERIALIZED", dialect="postgresql")
