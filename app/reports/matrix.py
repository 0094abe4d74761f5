"""The implementation matrix: one row per recommendation, streamed in natural order in keyset batches."""

import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from app.db import is_postgres
from app.i18n.translation import current_locale
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
from app.recommendations.translated import current_translations
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
from app.scorecards.params import MatrixParams, PointInTimeParams
from app.scorecards.point import PointInTime, point_of
from app.vocabulary import (
    CategoryKind,
    MatrixGroupBy,
    Perspective,
    Relation,
    SourceKind,
    TranslationSubject,
    claim_gap_class,
)

BATCH_SIZE = 1000
# Plain strings, read for every row (an enum member's `.value` is a descriptor call).
_ADDRESSEE, _THEME = CategoryKind.addressee.value, CategoryKind.theme.value
_SDG, _RECOMMENDING_STATE = CategoryKind.sdg.value, CategoryKind.recommending_state.value
# How the seed notes a baseline item's footnote in its link: "Footnote [12] of the report: ...".
FOOTNOTE = re.compile(r"Footnote \[([0-9]{1,6})\]")


def matrix_rows(
    session: Session,
    params: PointInTimeParams,
    *,
    include_restricted: bool,
    batch_size: int = BATCH_SIZE,
    after: tuple[int, int, int] | None = None,
    where: Sequence[ColumnElement[bool]] = (),
    language: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Matrix rows in natural order (after a position, if given), in keyset batches of five queries each.

    `where` narrows the rows further (a group of a printed document, e.g. one theme). The spreadsheets
    read `sheet_rows` instead: text cells, one query a batch.
    """
    point = point_of(params, session)
    statement = matrix_statement(params, point, where).limit(batch_size)
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
        # The assessments and the state's claims: one query for both.
        entries = entries_by_id(
            session, [entry for row in batch for entry in (row.assessment_id, row.claim_id) if entry]
        )
        evidence = _evidence(session, ids, params, include_restricted=include_restricted)
        translated = (
            current_translations(session, language, ids, [row.section_id for row in batch])
            if language
            else {}
        )
        for row in batch:
            item = _row(
                row,
                categories[row.id],
                entries.get(row.assessment_id),
                entries.get(row.claim_id),
                evidence.get(row.id, []),
                [shown(item) for item in committing.get(row.id, [])],
            )
            if language:
                _translate(item, translated, row.id, row.section_id)
            yield item
        if len(batch) < batch_size:
            return
        last = batch[-1]
        position = (last.source_id, last.section_number, last.number)


def matrix_statement(
    params: PointInTimeParams, point: PointInTime, where: Sequence[ColumnElement[bool]] = ()
) -> Select:
    """Each recommendation of the matrix, its statuses and latest entries' ids: filtered, in natural order.

    Batches add their LIMIT and keyset position; `where` narrows the rows further.
    """
    return (
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
            col(Recommendation.section_id),
            col(Source.slug).label("source"),
            status_at(Perspective.state.value, point).label("claimed_status"),
            status_at(Perspective.independent.value, point).label("independent_status"),
            latest_value(col(HistoryEntry.id), params.perspective, point).label("assessment_id"),
            latest_value(col(HistoryEntry.id), Perspective.state.value, point).label("claim_id"),
        )
        .join(Section, col(Section.id) == col(Recommendation.section_id))
        .join(Source, col(Source.id) == col(Recommendation.source_id))
        .where(*recommendation_conditions(params, status_at(params.perspective, point), point), *where)
        .order_by(*ORDER)
    )


@dataclass(frozen=True)
class MatrixGroup:
    """A group of a printed matrix: a section ('odf-kz-2015', 2), a theme, a source, or no theme."""

    kind: str  # MatrixGroupBy, or "no_theme"
    source: str | None  # the source's slug (sections and sources)
    key: str  # the section's number, the theme's slug, the source's slug; "" for no theme
    label: str  # the section's title, the theme's label, the source's slug


def grouped_rows(
    session: Session, params: MatrixParams, *, include_restricted: bool
) -> Iterator[tuple[MatrixGroup, dict[str, Any]]]:
    """Matrix rows in their printed document's group order, each with its group.

    By section or source: natural order. By theme: a recommendation under each of its themes (labels in
    alphabetical order; only the filtered theme when there is a theme filter), then those with none.
    Texts and section titles are in the current locale where a translation exists (`translated_text`).
    """
    # Printed in the document's language: the recommendations' current translations into it, where they exist.
    read = partial(
        matrix_rows, session, params, include_restricted=include_restricted, language=current_locale()
    )
    if params.group_by != MatrixGroupBy.theme:
        for row in read():
            if params.group_by == MatrixGroupBy.source:
                yield MatrixGroup("source", row["source"], row["source"], row["source"]), row
            else:
                group = MatrixGroup("section", row["source"], str(row["section"]), row["section_title"])
                yield group, row
        return
    theme = CategoryKind.theme.value
    themes = session.execute(
        select(col(Category.id), col(Category.slug), col(Category.label))
        .where(col(Category.kind) == theme, *([col(Category.slug) == params.theme] if params.theme else []))
        .order_by(col(Category.label), col(Category.slug))
    ).all()
    for category_id, slug, title in themes:
        filed = _filed(category_id=category_id)
        group = MatrixGroup(MatrixGroupBy.theme.value, None, slug, title)
        for row in read(where=[exists(filed)]):
            yield group, row
    if params.theme is None:
        unfiled = MatrixGroup("no_theme", None, "", "")
        any_theme = _filed().join(Category, col(Category.id) == col(RecommendationCategory.category_id))
        for row in read(where=[~exists(any_theme.where(col(Category.kind) == theme))]):
            yield unfiled, row


def _filed(**where: int):
    """Category links of the outer recommendation (correlated), optionally to one category."""
    statement = select(col(RecommendationCategory.recommendation_id)).where(
        col(RecommendationCategory.recommendation_id) == col(Recommendation.id)
    )
    if "category_id" in where:
        statement = statement.where(col(RecommendationCategory.category_id) == where["category_id"])
    return statement


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
    point = point_of(params, session)
    conditions = recommendation_conditions(params, status_at(params.perspective, point), point)
    return session.scalar(select(func.count()).select_from(Recommendation).where(*conditions)) or 0


def streamed_groups(
    engine: Engine, params: MatrixParams, *, include_restricted: bool
) -> Iterator[tuple[MatrixGroup, dict[str, Any]]]:
    """`grouped_rows` read in a session of their own (one snapshot on PostgreSQL), for streamed responses."""
    with Session(snapshot(engine)) as session:
        yield from grouped_rows(session, params, include_restricted=include_restricted)


def snapshot(engine: Engine) -> Engine:
    """The engine for a long read: on PostgreSQL, every statement of a session sees one snapshot."""
    if is_postgres(engine):
        # One snapshot for every batch, so a long export never mixes two states of the data.
        return engine.execution_options(isolation_level="REPEATABLE READ")
    return engine


def streamed_rows(
    engine: Engine, params: PointInTimeParams, *, include_restricted: bool
) -> Iterator[dict[str, Any]]:
    """Matrix rows read in a session of their own, for a response streamed after its request's session."""
    with Session(snapshot(engine)) as session:
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
            col(RecommendationEvidence.note),
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
    # Unpacked, not read by name: a matrix export reads a few links per recommendation.
    for recommendation_id, relation, title, url, published_on, kind, visibility, note in rows:
        result[recommendation_id].append(
            {
                "title": title,
                "url": url,
                "published_on": published_on,
                "kind": kind,
                "relation": relation,
                "visibility": visibility,
                "footnote": footnote_number(relation, note) if note else None,
            }
        )
    return result


def footnote_number(relation: str, note: str | None) -> int | None:
    """A baseline item's footnote number in its report, from its link's note ('Footnote [12] of ...')."""
    if relation != Relation.baseline.value or not note:
        return None
    match = FOOTNOTE.match(note)
    return int(match.group(1)) if match else None


def _translate(item: dict[str, Any], translated: dict, recommendation_id: int, section_id: int) -> None:
    """The current translations of the text and the section's title, as a printed document shows them."""
    text = translated.get((TranslationSubject.recommendation.value, recommendation_id))
    item["translated_text"] = text["text"] if text else None
    item["translation"] = {key: value for key, value in text.items() if key != "text"} if text else None
    title = translated.get((TranslationSubject.section.value, section_id))
    if title is not None:
        item["section_title"] = title["text"]


def _row(
    row,
    categories: dict[str, list[dict[str, str]]],
    assessment: dict | None,
    claim: dict | None,
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
        "addressees": categories[_ADDRESSEE],
        "themes": categories[_THEME],
        "sdg_targets": categories[_SDG],
        "recommending_states": categories[_RECOMMENDING_STATE],
        "response": row.response,
        # The source's word names the current response: an earlier one (pending, say) has no word here.
        "response_original": row.response_original if row.response == row.current_response else None,
        "claimed_status": row.claimed_status,
        "independent_status": row.independent_status,
        "assessment": _entry(assessment),
        "claim": _entry(claim),
        "evidence": evidence,
        "upr_commitments": upr_commitments,
        "claim_gap": claim_gap_class(row.claimed_status, row.independent_status),
    }


def _entry(entry: dict | None) -> dict | None:
    keys = ("perspective", "status", "summary", "effective_on", "recorded_at")
    return entry and {key: entry[key] for key in keys}
