"""Reading recommendations: filters, keyset pagination, categories and linked evidence."""

import base64
import binascii
from collections import defaultdict
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlmodel import Session

from app.errors import BadRequest, NotFound
from app.models import (
    Category,
    Evidence,
    Recommendation,
    RecommendationCategory,
    RecommendationEvidence,
    Section,
    Source,
)
from app.recommendations.schemas import RecommendationFilters
from app.vocabulary import CategoryKind, Visibility

ORDER = (Recommendation.source_id, Recommendation.section_number, Recommendation.number)


def search_text_for(code: str, text: str) -> str:
    """The case-folded text that `q` searches."""
    return f"{code}\n{text}".casefold()


def encode_cursor(recommendation: Recommendation) -> str:
    """An opaque cursor pointing just after this recommendation in natural order."""
    raw = f"{recommendation.source_id}.{recommendation.section_number}.{recommendation.number}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, int, int]:
    """The position a cursor points after; 400 when it was not made by us."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        source_id, section_number, number = (int(part) for part in raw.split("."))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadRequest("The cursor is not valid; start again without it.") from None
    return source_id, section_number, number


def _has_category(kind: CategoryKind, slug: str) -> ColumnElement[bool]:
    return exists(
        select(RecommendationCategory.recommendation_id)
        .join(Category, Category.id == RecommendationCategory.category_id)
        .where(
            RecommendationCategory.recommendation_id == Recommendation.id,
            Category.kind == kind.value,
            Category.slug == slug,
        )
    )


def filter_conditions(filters: RecommendationFilters) -> list[ColumnElement[bool]]:
    """SQL conditions for the shared list filters (also used by scorecards and reports)."""
    conditions: list[ColumnElement[bool]] = []
    if filters.source is not None:
        conditions.append(
            Recommendation.source_id
            == select(Source.id).where(Source.slug == filters.source).scalar_subquery()
        )
    if filters.section is not None:
        conditions.append(Recommendation.section_number == filters.section)
    if filters.status is not None:
        conditions.append(Recommendation.status == filters.status.value)
    for kind, slug in (
        (CategoryKind.theme, filters.theme),
        (CategoryKind.addressee, filters.addressee),
        (CategoryKind.sdg, filters.sdg),
    ):
        if slug is not None:
            conditions.append(_has_category(kind, slug))
    if filters.q:
        conditions.append(Recommendation.search_text.contains(filters.q.casefold(), autoescape=True))
    return conditions


def after_position(position: tuple[int, int, int]) -> ColumnElement[bool]:
    """Rows after a position in natural order: the keyset condition of every paged read."""
    source_id, section_number, number = position
    # Spelled out rather than a row-value comparison so SQLite and PostgreSQL plan it the same way;
    # the redundant leading bound lets both seek the natural-order index instead of scanning from
    # its start (a deep page went from 31 to 4 ms on SQLite at 300,000 rows, docs/benchmarks.md).
    return and_(
        Recommendation.source_id >= source_id,
        or_(
            Recommendation.source_id > source_id,
            and_(Recommendation.source_id == source_id, Recommendation.section_number > section_number),
            and_(
                Recommendation.source_id == source_id,
                Recommendation.section_number == section_number,
                Recommendation.number > number,
            ),
        ),
    )


def _with_section(statement: Select) -> Select:
    return statement.join(Section, Section.id == Recommendation.section_id).join(
        Source, Source.id == Recommendation.source_id
    )


def list_recommendations(
    session: Session, filters: RecommendationFilters, *, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], int, str | None]:
    """One page of recommendations in natural order, the total matching, and the next cursor."""
    conditions = filter_conditions(filters)
    total = session.scalar(select(func.count()).select_from(Recommendation).where(*conditions)) or 0
    page_conditions = [*conditions, after_position(decode_cursor(cursor))] if cursor else conditions
    rows = session.execute(
        _with_section(select(Recommendation, Section.title, Source.slug))
        .where(*page_conditions)
        .order_by(*ORDER)
        .limit(limit + 1)
    ).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    categories = categories_by_recommendation(session, [row[0].id for row in rows])
    items = [
        _summary(rec, section_title, source_slug, categories[rec.id])
        for rec, section_title, source_slug in rows
    ]
    next_cursor = encode_cursor(rows[-1][0]) if has_more else None
    return items, total, next_cursor


def get_recommendation(session: Session, code: str) -> tuple[Recommendation, str, str]:
    """The recommendation with its section title and source slug; 404 if the code is unknown."""
    row = session.execute(
        _with_section(select(Recommendation, Section.title, Source.slug)).where(Recommendation.code == code)
    ).first()
    if row is None:
        raise NotFound(f"No recommendation has the code {code!r}.")
    return row[0], row[1], row[2]


def recommendation_detail(
    session: Session, code: str, *, include_restricted: bool
) -> tuple[dict[str, Any], int]:
    """Everything about one recommendation, and its version for the ETag."""
    rec, section_title, source_slug = get_recommendation(session, code)
    categories = categories_by_recommendation(session, [rec.id])[rec.id]
    detail = _summary(rec, section_title, source_slug, categories)
    detail["evidence"] = linked_evidence(session, rec.id, include_restricted=include_restricted)
    return detail, rec.version


def categories_by_recommendation(
    session: Session, ids: list[int]
) -> dict[int, dict[str, list[dict[str, str]]]]:
    """Addressees, themes and SDG targets of the given recommendations, in one query."""
    result: dict[int, dict[str, list[dict[str, str]]]] = defaultdict(
        lambda: {kind.value: [] for kind in CategoryKind}
    )
    if not ids:
        return result
    rows = session.execute(
        select(RecommendationCategory.recommendation_id, Category.kind, Category.slug, Category.label)
        .join(Category, Category.id == RecommendationCategory.category_id)
        .where(RecommendationCategory.recommendation_id.in_(ids))
        .order_by(RecommendationCategory.recommendation_id, Category.kind, Category.slug)
    )
    for rec_id, kind, slug, label in rows:
        result[rec_id][kind].append({"slug": slug, "label": label})
    return result


def linked_evidence(
    session: Session, recommendation_id: int, *, include_restricted: bool
) -> list[dict[str, Any]]:
    """The evidence currently linked to a recommendation; restricted items only when allowed."""
    statement = (
        select(Evidence, RecommendationEvidence)
        .join(RecommendationEvidence, RecommendationEvidence.evidence_id == Evidence.id)
        .where(
            RecommendationEvidence.recommendation_id == recommendation_id,
            RecommendationEvidence.unlinked_at.is_(None),
        )
        .order_by(RecommendationEvidence.linked_at, RecommendationEvidence.id)
    )
    if not include_restricted:
        statement = statement.where(Evidence.visibility == Visibility.public.value)
    return [
        {
            "id": evidence.id,
            "url": evidence.url,
            "title": evidence.title,
            "kind": evidence.kind,
            "published_on": evidence.published_on,
            "relation": link.relation,
            "visibility": evidence.visibility,
            "note": link.note,
            "linked_at": link.linked_at,
        }
        for evidence, link in session.execute(statement)
    ]


def list_sources(session: Session) -> list[dict[str, Any]]:
    """Every source with its sections and how many recommendations it makes."""
    counts = dict(
        session.execute(
            select(Recommendation.source_id, func.count()).group_by(Recommendation.source_id)
        ).all()
    )
    sections: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for section in session.scalars(select(Section).order_by(Section.source_id, Section.number)):
        sections[section.source_id].append({"number": section.number, "title": section.title})
    return [
        {
            "slug": source.slug,
            "title": source.title,
            "publisher": source.publisher,
            "published_on": source.published_on,
            "date_note": source.date_note,
            "sections": sections[source.id],
            "recommendations": counts.get(source.id, 0),
        }
        for source in session.scalars(select(Source).order_by(Source.slug))
    ]


def _summary(
    rec: Recommendation, section_title: str, source_slug: str, categories: dict[str, list[dict[str, str]]]
) -> dict[str, Any]:
    return {
        "code": rec.code,
        "source": source_slug,
        "section": {"number": rec.section_number, "title": section_title},
        "number": rec.number,
        "text": rec.text,
        "status": rec.status,
        "claimed_status": rec.claimed_status,
        "version": rec.version,
        "last_assessed_at": rec.last_assessed_at,
        "addressees": categories[CategoryKind.addressee.value],
        "themes": categories[CategoryKind.theme.value],
        "sdg_targets": categories[CategoryKind.sdg.value],
    }
