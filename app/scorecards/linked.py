"""Links between recommendations as a point in time saw them, and the UPR recommendations they lead to.

Shared by the commitment gap (scorecards), the matrix's "UPR commitments" column and the recommendation page.
"""

from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, Subquery, func, or_, select, union_all
from sqlmodel import Session, col

from app.models import Recommendation, RecommendationLink, Source
from app.recommendations.service import categories_by_recommendation
from app.scorecards.conditions import response_at
from app.scorecards.point import PointInTime
from app.vocabulary import CategoryKind, LinkStrength, SourceKind

_link = RecommendationLink.__table__.c
ALL_STRENGTHS = tuple(strength.value for strength in LinkStrength)
SAME_MEASURE = (LinkStrength.same_measure.value,)


def links_active_at(point: PointInTime) -> list[ColumnElement[bool]]:
    """Conditions on recommendation_links for links that existed at known_at (or exist now)."""
    # Links are monitors' judgements, not events in the world: as_of does not date them, known_at does.
    if point.known_at is None:
        return [_link.unlinked_at.is_(None)]
    return [
        _link.linked_at <= point.known_at,
        or_(_link.unlinked_at.is_(None), _link.unlinked_at > point.known_at),
    ]


def linked_pairs(
    point: PointInTime, strengths: Collection[str], ids: Collection[int] | None = None
) -> Subquery:
    """Each active link seen from both ends: `id` (of `ids`, when given), `other_id`, `strength`."""
    # Stored once per pair, the lower id first: a recommendation may be on either side.
    sides = []
    for this, other in ((_link.recommendation_id, _link.other_id), (_link.other_id, _link.recommendation_id)):
        side = select(this.label("id"), other.label("other_id"), _link.strength).where(
            _link.strength.in_(list(strengths)), *links_active_at(point)
        )
        sides.append(side.where(this.in_(list(ids))) if ids is not None else side)
    return union_all(*sides).subquery("linked")


def linked_upr(
    session: Session,
    ids: Collection[int],
    point: PointInTime,
    *,
    strengths: Collection[str] = ALL_STRENGTHS,
    responses: Collection[str] | None = None,
) -> dict[int, list[dict[str, Any]]]:
    """The UPR recommendations linked to each of `ids` at the point, with the review and the response then.

    Without recommending states (see `attach_states`): callers that also read categories fetch them at once.
    `responses` keeps only those whose response at the point is one of them.
    """
    found: dict[int, list[dict[str, Any]]] = {}
    if not ids:
        return found
    pairs = linked_pairs(point, strengths, ids)
    response = response_at(point)  # the linked UPR recommendation's, correlated to `recommendations`
    statement = (
        select(
            pairs.c.id.label("linked_from"),
            pairs.c.strength,
            col(Recommendation.id),
            col(Recommendation.code),
            col(Recommendation.text),
            col(Recommendation.paragraph),
            col(Recommendation.response).label("current_response"),
            col(Recommendation.response_original),
            response.label("response"),
            col(Source.slug).label("source"),
            col(Source.cycle),
            col(Source.session),
            col(Source.reviewed_on),
            col(Source.document_symbol),
        )
        .select_from(pairs)
        .join(Recommendation, col(Recommendation.id) == pairs.c.other_id)
        .join(Source, col(Source.id) == col(Recommendation.source_id))
        .where(col(Source.kind) == SourceKind.upr_review.value)
        .order_by(
            pairs.c.id,
            pairs.c.strength.desc(),  # same_measure before related
            func.coalesce(col(Source.session), 0),
            col(Recommendation.source_id),
            col(Recommendation.section_number),
            col(Recommendation.number),
        )
    )
    if responses is not None:
        statement = statement.where(response.in_(list(responses)))
    for row in session.execute(statement):
        found.setdefault(row.linked_from, []).append(
            {
                "id": row.id,
                "code": row.code,
                "text": row.text,
                "paragraph": row.paragraph,
                "source": row.source,
                "cycle": row.cycle,
                "session": row.session,
                "reviewed_on": row.reviewed_on,
                "document_symbol": row.document_symbol,
                "response": row.response,
                # The source's word names the current response: an earlier one has no word here.
                "response_original": row.response_original if row.response == row.current_response else None,
                "strength": row.strength,
                "recommending_states": [],
            }
        )
    return found


def shown(item: dict[str, Any]) -> dict[str, Any]:
    """A linked UPR recommendation as responses show it: without the internal id."""
    return {key: value for key, value in item.items() if key != "id"}


def linked_ids(linked: dict[int, list[dict[str, Any]]]) -> list[int]:
    """The ids of every linked UPR recommendation, for one categories query."""
    return sorted({item["id"] for items in linked.values() for item in items})


def attach_states(
    linked: dict[int, list[dict[str, Any]]], categories: dict[int, dict[str, list[dict[str, str]]]]
) -> dict[int, list[dict[str, Any]]]:
    """The linked UPR recommendations with their recommending states filled in from `categories`."""
    for items in linked.values():
        for item in items:
            item["recommending_states"] = categories[item["id"]][CategoryKind.recommending_state.value]
    return linked


def upr_links(
    session: Session,
    ids: Collection[int],
    point: PointInTime,
    *,
    strengths: Collection[str] = ALL_STRENGTHS,
    responses: Collection[str] | None = None,
) -> dict[int, list[dict[str, Any]]]:
    """`linked_upr` with the recommending states: two queries."""
    linked = linked_upr(session, ids, point, strengths=strengths, responses=responses)
    return attach_states(linked, categories_by_recommendation(session, linked_ids(linked)))
