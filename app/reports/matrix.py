"""The implementation matrix: one row per recommendation, streamed in natural order in keyset batches."""

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from app.db import is_postgres
from app.models import (
    Category,
    Evidence,
    HistoryEntry,
    Recommendation,
    RecommendationCategory,
    RecommendationEvidence,
    Section,
    Source,
)
from app.recommendations.service import (
    ORDER,
    after_position,
    categories_by_recommendation,
    filter_conditions,
)
from app.reports.cells import OPTIONAL_COLUMNS
from app.scorecards.conditions import (
    evidence_conditions,
    recommendation_conditions,
    response_at,
    status_at,
)
from app.scorecards.entries import entries_by_id
from app.scorecards.linked import (
    SAME_MEASURE,
    attach_states,
    linked_ids,
    linked_pairs,
    linked_upr,
    shown,
)
from app.scorecards.lookups import latest_value
from app.scorecards.params import PointInTimeParams
from app.scorecards.point import point_of
from app.vocabulary import CategoryKind, Perspective, SourceKind

BATCH_SIZE = 1000


def matrix_rows(
    session: Session,
    params: PointInTimeParams,
    *,
    include_restricted: bool,
    batch_size: int = BATCH_SIZE,
    after: tuple[int, int, int] | None = None,
) -> Iterator[dict[str, Any]]:
    """Matrix rows in natural order (after a position, if given), in keyset batches of five queries each."""
    point = point_of(params)
    statement = (
        select(
            col(Recommendation.id),
            col(Recommendation.code),
            col(Recommendation.source_id),
            col(Recommendation.section_number),
            col(Recommendation.number),
            col(Recommendation.text),
            col(Recommendation.paragraph),
            col(Recommendation.response).label("current_response"),
            col(Recommendation.response_original),
            response_at(point).label("response"),
            col(Section.title).label("section_title"),
            col(Source.slug).label("source"),
            status_at(Perspective.state.value, point).label("claimed_status"),
            status_at(Perspective.independent.value, point).label("independent_status"),
            latest_value(col(HistoryEntry.id), params.perspective, point).label("assessment_id"),
        )
        .join(Section, col(Section.id) == col(Recommendation.section_id))
        .join(Source, col(Source.id) == col(Recommendation.source_id))
        .where(*recommendation_conditions(params, status_at(params.perspective, point), point))
        .order_by(*ORDER)
        .limit(batch_size)
    )
    position = after
    while True:
        batch = session.execute(
            statement if position is None else statement.where(after_position(position))
        ).all()
        if not batch:
            return
        ids = [row.id for row in batch]
        committing = linked_upr(session, ids, point, strengths=SAME_MEASURE)
        # The linked UPR recommendations' states come with the batch's own categories: one query.
        categories = categories_by_recommendation(session, ids + linked_ids(committing))
        attach_states(committing, categories)
        assessments = entries_by_id(session, [row.assessment_id for row in batch if row.assessment_id])
        evidence = _evidence(session, ids, params, include_restricted=include_restricted)
        for row in batch:
            yield _row(
                row,
                categories[row.id],
                assessments.get(row.assessment_id),
                evidence.get(row.id, []),
                [shown(item) for item in committing.get(row.id, [])],
            )
        if len(batch) < batch_size:
            return
        last = batch[-1]
        position = (last.source_id, last.section_number, last.number)


def optional_columns(session: Session, params: PointInTimeParams) -> tuple[str, ...]:
    """Which OPTIONAL_COLUMNS some recommendation in the matrix's scope fills, in one statement."""
    # The scope without the filters that depend on the point in time: a superset, which is enough here.
    scope = filter_conditions(params.model_copy(update={"status": None, "response": None, "claim_gap": None}))
    if params.known_at is not None:
        scope.append(col(Recommendation.created_at) <= params.known_at)
    states = (
        select(col(RecommendationCategory.recommendation_id))
        .join(Category, col(Category.id) == col(RecommendationCategory.category_id))
        .join(Recommendation, col(Recommendation.id) == col(RecommendationCategory.recommendation_id))
        .where(col(Category.kind) == CategoryKind.recommending_state.value, *scope)
    )
    # Linked same_measure, at known_at, to a recommendation of a UPR review (aliased: the scope's source
    # filter is a subquery on sources that must not correlate to the linked one's).
    pairs = linked_pairs(point_of(params), SAME_MEASURE)
    linked, linked_source = aliased(Recommendation), aliased(Source)
    committing = (
        select(pairs.c.id)
        .join(Recommendation, col(Recommendation.id) == pairs.c.id)
        .join(linked, col(linked.id) == pairs.c.other_id)
        .join(linked_source, col(linked_source.id) == col(linked.source_id))
        .where(col(linked_source.kind) == SourceKind.upr_review.value, *scope)
    )
    found = session.execute(
        select(
            exists(select(col(Recommendation.id)).where(col(Recommendation.paragraph).is_not(None), *scope)),
            exists(states),
            exists(select(col(Recommendation.id)).where(col(Recommendation.response).is_not(None), *scope)),
            exists(committing),
        )
    ).one()
    return tuple(name for name, present in zip(OPTIONAL_COLUMNS, found, strict=True) if present)


def count_rows(session: Session, params: PointInTimeParams) -> int:
    """How many rows the matrix for these parameters has (for progress bars)."""
    point = point_of(params)
    conditions = recommendation_conditions(params, status_at(params.perspective, point), point)
    return session.scalar(select(func.count()).select_from(Recommendation).where(*conditions)) or 0


def streamed_rows(
    engine: Engine, params: PointInTimeParams, *, include_restricted: bool
) -> Iterator[dict[str, Any]]:
    """Matrix rows read in a session of their own, for a response streamed after its request's session."""
    if is_postgres(engine):
        # One snapshot for every batch, so a long export never mixes two states of the data.
        engine = engine.execution_options(isolation_level="REPEATABLE READ")
    with Session(engine) as session:
        yield from matrix_rows(session, params, include_restricted=include_restricted)


def _evidence(
    session: Session, ids: list[int], params: PointInTimeParams, *, include_restricted: bool
) -> dict[int, list[dict[str, Any]]]:
    rows = session.execute(
        select(
            col(RecommendationEvidence.recommendation_id),
            col(RecommendationEvidence.relation),
            col(Evidence.title),
            col(Evidence.url),
            col(Evidence.published_on),
            col(Evidence.kind),
            col(RecommendationEvidence.visibility),
        )
        .join(Evidence, col(Evidence.id) == col(RecommendationEvidence.evidence_id))
        .where(
            col(RecommendationEvidence.recommendation_id).in_(ids),
            *evidence_conditions(point_of(params), include_restricted=include_restricted),
        )
        .order_by(
            col(RecommendationEvidence.recommendation_id),
            col(RecommendationEvidence.linked_at),
            col(RecommendationEvidence.id),
        )
    )
    result: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        result[row.recommendation_id].append(
            {
                "title": row.title,
                "url": row.url,
                "published_on": row.published_on,
                "kind": row.kind,
                "relation": row.relation,
                "visibility": row.visibility,
            }
        )
    return result


def _row(
    row,
    categories: dict[str, list[dict[str, str]]],
    assessment: dict | None,
    evidence: list,
    upr_commitments: list,
) -> dict:
    return {
        "code": row.code,
        "source": row.source,
        "section": row.section_number,
        "section_title": row.section_title,
        "number": row.number,
        "text": row.text,
        "paragraph": row.paragraph,
        "addressees": categories[CategoryKind.addressee.value],
        "themes": categories[CategoryKind.theme.value],
        "sdg_targets": categories[CategoryKind.sdg.value],
        "recommending_states": categories[CategoryKind.recommending_state.value],
        "response": row.response,
        # The source's word names the current response: an earlier one (pending, say) has no word here.
        "response_original": row.response_original if row.response == row.current_response else None,
        "claimed_status": row.claimed_status,
        "independent_status": row.independent_status,
        "assessment": assessment
        and {
            key: assessment[key]
            for key in ("perspective", "status", "summary", "effective_on", "recorded_at")
        },
        "evidence": evidence,
        "upr_commitments": upr_commitments,
    }
