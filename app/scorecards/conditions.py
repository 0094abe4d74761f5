"""SQL conditions and lookups shared by scorecards, claim gaps and the matrix."""

from typing import Any

from sqlalchemy import ColumnElement, FromClause, and_, exists, func, or_, select
from sqlmodel import col

from app.claim_classes import claim_class_condition
from app.models import Evidence, HistoryEntry, Recommendation, RecommendationEvidence
from app.recommendations.service import filter_conditions
from app.scorecards.lookups import latest_response_query, latest_value
from app.scorecards.params import ChangesParams, PointInTimeParams
from app.scorecards.point import PointInTime
from app.vocabulary import Perspective, Relation, Status, Visibility

CLAIMED = (Status.implemented.value, Status.partially_implemented.value)
DISPUTED = (Status.not_implemented.value, Status.regressed.value)
SHOWN_RELATIONS = (Relation.progress.value, Relation.regression.value)
# The claim's perspective, then the one it is compared with.
GAP_PERSPECTIVES = (Perspective.state.value, Perspective.independent.value)
# Each visibility's maintained count of active progress and regression links and the date they cover from.
_rec = Recommendation.__table__.c
COVERAGE_BY_VISIBILITY = (
    (_rec.coverage_links_public, _rec.coverage_public_since),
    (_rec.coverage_links_restricted, _rec.coverage_restricted_since),
)
# The list filters matched at the point in time rather than against the current columns.
AT_POINT = {"status": None, "response": None, "claim_gap": None}


def denormalised_status(perspective: str, point: PointInTime) -> ColumnElement[str] | None:
    """The column that holds the status now, when the point is now and the perspective has one."""
    if point.current and perspective == Perspective.independent:
        return Recommendation.__table__.c.status
    if point.current and perspective == Perspective.state:
        return Recommendation.__table__.c.claimed_status
    return None


def status_at(perspective: str, point: PointInTime) -> ColumnElement[str]:
    """A recommendation's status from a perspective at a point in time, as a SQL expression."""
    denormalised = denormalised_status(perspective, point)
    if denormalised is not None:
        return denormalised
    return func.coalesce(
        latest_value(col(HistoryEntry.status), perspective, point), Status.not_assessed.value
    )


def response_at(point: PointInTime) -> ColumnElement[str | None]:
    """A recommendation's response (NULL when it has none) at a point in time, as a SQL expression."""
    if point.current:
        return Recommendation.__table__.c.response
    return latest_response_query(point, col(HistoryEntry.response)).scalar_subquery()


def links_at(point: PointInTime) -> list[ColumnElement[bool]]:
    """Conditions on recommendation_evidence for links that existed at known_at (or now)."""
    if point.known_at is None:
        return [col(RecommendationEvidence.unlinked_at).is_(None)]
    return [
        col(RecommendationEvidence.linked_at) <= point.known_at,
        or_(
            col(RecommendationEvidence.unlinked_at).is_(None),
            col(RecommendationEvidence.unlinked_at) > point.known_at,
        ),
    ]


def evidence_conditions(point: PointInTime, *, include_restricted: bool) -> list[ColumnElement[bool]]:
    """Conditions on a joined evidence row: visible to the caller and published by as_of."""
    published_on = Evidence.__table__.c.published_on
    return _link_conditions(point, published_on, include_restricted=include_restricted)


def _link_conditions(
    point: PointInTime, published_on: ColumnElement[Any], *, include_restricted: bool
) -> list[ColumnElement[bool]]:
    conditions = [*links_at(point)]
    if not include_restricted:
        conditions.append(col(RecommendationEvidence.visibility) == Visibility.public.value)
    if point.as_of is not None:
        conditions.append(or_(published_on.is_(None), published_on <= point.as_of))
    return conditions


def _coverage_conditions(point: PointInTime, *, include_restricted: bool) -> list[ColumnElement[bool]]:
    # The link's copy of its item's date (migration 0019): the lookup stays in the links' coverage index.
    return [
        col(RecommendationEvidence.relation).in_(SHOWN_RELATIONS),
        *_link_conditions(
            point,
            RecommendationEvidence.__table__.c.evidence_published_on,
            include_restricted=include_restricted,
        ),
    ]


def has_progress_evidence(point: PointInTime, *, include_restricted: bool) -> ColumnElement[bool]:
    """Whether the recommendation has a progress or regression link the caller may count, at the point."""
    if point.known_at is None:
        return _covered_by_row(point, include_restricted=include_restricted)
    return exists(
        select(col(RecommendationEvidence.id)).where(
            col(RecommendationEvidence.recommendation_id) == col(Recommendation.id),
            *_coverage_conditions(point, include_restricted=include_restricted),
        )
    )


def covered_set(point: PointInTime, *, include_restricted: bool) -> FromClause:
    """The recommendations with a progress or regression link the caller may count at a known_at point, as
    one set: an aggregate over every recommendation joins it (a pass over the links) rather than asking
    `has_progress_evidence` once per recommendation."""
    return (
        select(col(RecommendationEvidence.recommendation_id).label("recommendation_id"))
        .where(*_coverage_conditions(point, include_restricted=include_restricted))
        .distinct()
        .subquery("covered")
    )


def _covered_by_row(point: PointInTime, *, include_restricted: bool) -> ColumnElement[bool]:
    """As known now, from the maintained columns (docs/design.md, "Maintained state"): its active links of a
    visibility cover it from the earliest date among them (from any date when one has none)."""
    visibilities = COVERAGE_BY_VISIBILITY[: 2 if include_restricted else 1]
    if point.as_of is None:
        return or_(*(count > 0 for count, _ in visibilities))
    as_of = point.as_of
    return or_(*(and_(count > 0, or_(since.is_(None), since <= as_of)) for count, since in visibilities))


def recommendation_conditions(
    params: PointInTimeParams | ChangesParams,
    status: ColumnElement[str] | None,
    point: PointInTime,
    *,
    claim_gap: bool = True,
) -> list[ColumnElement[bool]]:
    """The list filters, with `status` matched against the given status expression, not the current one,
    and `response` and `claim_gap` against the response and the two perspectives' statuses at the point.

    With `status` None the status filter is left to the caller; with `claim_gap` False, the claim-gap one.
    """
    conditions = filter_conditions(params.model_copy(update=AT_POINT))
    if params.status is not None and status is not None:
        conditions.append(status == params.status.value)
    if params.response is not None:
        conditions.append(response_at(point) == params.response.value)
    if params.claim_gap is not None and claim_gap:
        claimed, independent = (status_at(other, point) for other in GAP_PERSPECTIVES)
        conditions.append(claim_class_condition(params.claim_gap.value, claimed, independent))
    if point.known_at is not None:
        # A recommendation added later was not on the scorecard as it was known then.
        conditions.append(col(Recommendation.created_at) <= point.known_at)
    return conditions
