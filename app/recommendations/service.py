"""Reading recommendations: filters, keyset pagination, categories and linked evidence."""

import base64
import binascii
from collections import defaultdict
from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    CompoundSelect,
    Integer,
    Row,
    Select,
    and_,
    bindparam,
    case,
    exists,
    func,
    literal_column,
    null,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlmodel import Session, col

from app.claim_classes import claim_class_condition
from app.db import PREPARED
from app.errors import BadRequest, NotFound
from app.id_lists import one_of
from app.lru import LRUCache
from app.models import (
    Category,
    Evidence,
    Recommendation,
    RecommendationCategory,
    RecommendationEvidence,
    RecommendationLink,
    Section,
    Source,
    Translation,
)
from app.raw_statements import Reads, fetch
from app.recommendations.schemas import RecommendationFilters
from app.recommendations.totals import count_matching
from app.recommendations.translated import add_translations
from app.text_terms import search_terms
from app.vocabulary import CategoryKind, Status, TranslationSubject, Visibility

ORDER = (col(Recommendation.source_id), col(Recommendation.section_number), col(Recommendation.number))


def search_text_for(code: str, text: str) -> str:
    """The case-folded text that `q` searches."""
    return f"{code}\n{text}".casefold()


class Positioned(Protocol):
    """Anything that knows where a recommendation stands in natural order."""

    @property
    def source_id(self) -> int: ...
    @property
    def section_number(self) -> int: ...
    @property
    def number(self) -> int: ...


def encode_cursor(recommendation: Positioned | Row[Any]) -> str:
    """An opaque cursor pointing just after this recommendation (an entity or a row) in natural order."""
    raw = f"{recommendation.source_id}.{recommendation.section_number}.{recommendation.number}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


MAX_POSITION = 2**31 - 1


def decode_cursor(cursor: str) -> tuple[int, int, int]:
    """The position a cursor points after; 400 when it was not made by us."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        source_id, section_number, number = (int(part) for part in raw.split("."))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadRequest("The cursor is not valid; start again without it.") from None
    # Positions are 32-bit columns: a larger number is no cursor of ours, and would fail in the database.
    if not all(0 <= part <= MAX_POSITION for part in (source_id, section_number, number)):
        raise BadRequest("The cursor is not valid; start again without it.")
    return source_id, section_number, number


def _has_category(kind: CategoryKind, slug: str) -> ColumnElement[bool]:
    return exists(
        select(col(RecommendationCategory.recommendation_id))
        .join(Category, col(Category.id) == col(RecommendationCategory.category_id))
        .where(
            col(RecommendationCategory.recommendation_id) == col(Recommendation.id),
            col(Category.kind) == kind.value,
            col(Category.slug) == slug,
        )
    )


def _category_filters(filters: RecommendationFilters) -> list[tuple[CategoryKind, str]]:
    """The category filters given, each as (kind, slug)."""
    return [
        (kind, slug)
        for kind, slug in (
            (CategoryKind.theme, filters.theme),
            (CategoryKind.addressee, filters.addressee),
            (CategoryKind.sdg, filters.sdg),
            (CategoryKind.recommending_state, filters.recommending_state),
        )
        if slug is not None
    ]


def filter_conditions(
    filters: RecommendationFilters, *, joined: CategoryKind | None = None
) -> list[ColumnElement[bool]]:
    """SQL conditions for the shared list filters (also used by scorecards and reports).

    `joined`: the category filter of that kind is left out, because the caller joins that category's links.
    """
    conditions: list[ColumnElement[bool]] = []
    if filters.source is not None:
        conditions.append(
            col(Recommendation.source_id)
            == select(col(Source.id)).where(col(Source.slug) == filters.source).scalar_subquery()
        )
    if filters.section is not None:
        conditions.append(col(Recommendation.section_number) == filters.section)
    if filters.status is not None:
        conditions.append(col(Recommendation.status) == filters.status.value)
    if filters.kind is not None:
        conditions.append(
            col(Recommendation.source_id).in_(
                select(col(Source.id)).where(col(Source.kind) == filters.kind.value)
            )
        )
    if filters.response is not None:
        conditions.append(col(Recommendation.response) == filters.response.value)
    if filters.claim_gap is not None:
        conditions.append(
            claim_class_condition(
                filters.claim_gap.value,
                Recommendation.__table__.c.claimed_status,
                Recommendation.__table__.c.status,
            )
        )
    for kind, slug in _category_filters(filters):
        if kind != joined:
            conditions.append(_has_category(kind, slug))
    if filters.q:
        conditions.append(search_condition(filters.q))
    return conditions


def search_condition(query: str) -> ColumnElement[bool]:
    """`q`: the code or text contains the query, or the text's terms hold every term of the query.

    Terms are stored with a space on each side, so `LIKE '% term %'` finds whole terms on both databases
    (docs/design.md, "Cross-references"); a row whose terms are not filled yet matches by its text only.
    """
    contains = col(Recommendation.search_text).contains(query.casefold(), autoescape=True)
    terms = search_terms(query)
    if not terms:
        return contains
    holds = [col(Recommendation.terms).contains(f" {term} ", autoescape=True) for term in terms]
    # Any current translation of the text whose terms hold every term: the query may be in any language.
    translated = exists().where(
        col(Translation.subject_kind) == TranslationSubject.recommendation.value,
        col(Translation.subject_id) == col(Recommendation.id),
        col(Translation.superseded_at).is_(None),
        *(col(Translation.terms).contains(f" {term} ", autoescape=True) for term in terms),
    )
    return or_(contains, and_(*holds), translated)


def after_position(
    position: tuple[int, int, int] | tuple[BindParameter[int], ...], order: Sequence[Any] = ORDER
) -> ColumnElement[bool]:
    """Rows after a position (values, or parameters bound later) in natural order: the keyset condition of
    every paged read.

    `order`: the columns that hold the position (a category link's copy of it, say).
    """
    source_column, section_column, number_column = order
    source_id, section_number, number = position
    # Spelled out rather than a row-value comparison so SQLite and PostgreSQL plan it the same way;
    # the redundant leading bound lets both seek the natural-order index instead of scanning from
    # its start (a deep page went from 31 to 4 ms on SQLite at 300,000 rows, docs/benchmarks.md).
    return and_(
        source_column >= source_id,
        or_(
            source_column > source_id,
            and_(source_column == source_id, section_column > section_number),
            and_(source_column == source_id, section_column == section_number, number_column > number),
        ),
    )


def _with_section(statement: Select) -> Select:
    return statement.join(Section, col(Section.id) == col(Recommendation.section_id)).join(
        Source, col(Source.id) == col(Recommendation.source_id)
    )


# Reads select plain columns of the tables, not ORM entities, and the fixed statements are built once:
# building statements and the ORM's per-row bookkeeping were most of a detail request's CPU.
_rec = Recommendation.__table__.c
_section = Section.__table__.c
_source = Source.__table__.c
_link = RecommendationCategory.__table__.c
_category = Category.__table__.c
_evidence = Evidence.__table__.c
_evidence_link = RecommendationEvidence.__table__.c

_SUMMARY_COLUMNS = (
    _rec.id,
    _rec.code,
    _rec.source_id,
    _source.slug.label("source_slug"),
    _rec.section_number,
    _section.title.label("section_title"),
    _rec.number,
    _rec.text,
    _rec.status,
    _rec.claimed_status,
    _rec.version,
    _rec.last_assessed_at,
    _source.kind.label("source_kind"),
    _rec.paragraph,
    _rec.response,
    _rec.response_original,
    _rec.action_category,
    _source.language.label("source_language"),
    _rec.section_id,
)
_SUMMARY_WIDTH = len(_SUMMARY_COLUMNS)
_ADDRESSEE, _THEME, _SDG = CategoryKind.addressee.value, CategoryKind.theme.value, CategoryKind.sdg.value
_RECOMMENDING_STATE = CategoryKind.recommending_state.value
# Plain strings: an enum member's `.value` is a descriptor call, paid per recommendation in a matrix export.
_CATEGORY_KINDS = tuple(kind.value for kind in CategoryKind)


def _no_categories() -> dict[str, list[dict[str, str]]]:
    return {kind: [] for kind in _CATEGORY_KINDS}


_pair = RecommendationLink.__table__.c
_SUMMARY_FROM = Recommendation.__table__.join(Section.__table__, _section.id == _rec.section_id).join(
    Source.__table__, _source.id == _rec.source_id
)
# Whether the recommendation has active links to others: most have none, and then their query is skipped.
_HAS_LINKS = or_(
    exists().where(_pair.recommendation_id == _rec.id, _pair.unlinked_at.is_(None)),
    exists().where(_pair.other_id == _rec.id, _pair.unlinked_at.is_(None)),
)
_DETAIL_COLUMNS = (
    *_SUMMARY_COLUMNS,
    _HAS_LINKS.label("has_links"),
    _category.kind.label("category_kind"),
    _category.slug.label("category_slug"),
    _category.label.label("category_label"),
)
# A detail's evidence items have these keys in this order (EvidenceLinkOut's).
_EVIDENCE_COLUMNS = (
    _evidence.id,
    _evidence.url,
    _evidence.title,
    _evidence.kind,
    _evidence.published_on,
    _evidence_link.relation,
    _evidence_link.visibility,
    _evidence_link.note,
    _evidence_link.linked_at,
)
_EVIDENCE_KEYS = tuple(column.key for column in _EVIDENCE_COLUMNS)
_EVIDENCE_START = len(_DETAIL_COLUMNS)
_EVIDENCE_END = _EVIDENCE_START + len(_EVIDENCE_COLUMNS)


def _absent(columns: Sequence[ColumnElement[Any]], prefix: str = "") -> list[ColumnElement[Any]]:
    # NULLs of the columns' types, so the union's rows go through the same result processors.
    return [type_coerce(null(), column.type).label(f"{prefix}{column.key}") for column in columns]


_code: BindParameter[str] = bindparam("code")
# The recommendation, one row per category (one without any), then its linked evidence, one row per item, in
# one statement (`part` tells them apart): on PostgreSQL one round trip, not two (the pair took 0.39 ms, the
# one 0.26 ms, 2,000 recommendations, in-process).
_DETAIL_ROWS = select(
    *_DETAIL_COLUMNS,
    *_absent(_EVIDENCE_COLUMNS, "evidence_"),
    type_coerce(null(), Integer).label("evidence_link_id"),
    literal_column("0").label("part"),
).select_from(
    _SUMMARY_FROM.outerjoin(RecommendationCategory.__table__, _link.recommendation_id == _rec.id).outerjoin(
        Category.__table__, _category.id == _link.category_id
    )
)
_EVIDENCE_ROWS = select(
    *_absent(_DETAIL_COLUMNS),
    *(column.label(f"evidence_{column.key}") for column in _EVIDENCE_COLUMNS),
    _evidence_link.id.label("evidence_link_id"),
    literal_column("1").label("part"),
).select_from(
    Evidence.__table__.join(RecommendationEvidence.__table__, _evidence_link.evidence_id == _evidence.id)
)
_ID_OF_CODE = select(_rec.id).where(_rec.code == _code).scalar_subquery()
_DETAIL_ORDER = ("part", "category_kind", "category_slug", "evidence_linked_at", "evidence_link_id")


def _detail(evidence_rows: Select) -> CompoundSelect:
    return (
        union_all(
            _DETAIL_ROWS.where(_rec.code == _code),
            evidence_rows.where(
                _evidence_link.recommendation_id == _ID_OF_CODE,
                _evidence_link.unlinked_at.is_(None),
            ),
        )
        .order_by(*(literal_column(name) for name in _DETAIL_ORDER))
        .execution_options(**PREPARED)  # the hot reads' fixed statements: planning was most of their time
    )


_DETAIL = _detail(_EVIDENCE_ROWS)
# The link's visibility, not only the item's: a public item may be cited through a restricted link.
_PUBLIC_DETAIL = _detail(_EVIDENCE_ROWS.where(_evidence_link.visibility == Visibility.public.value))
_CATEGORIES_OF = select(_link.recommendation_id, _category.kind, _category.slug, _category.label).select_from(
    RecommendationCategory.__table__.join(Category.__table__, _category.id == _link.category_id)
)
# The ids as one parameter, so the text stays the same whatever their number (one prepared statement, compiled
# once) and SQLAlchemy does not write 50 placeholders into it each time (a page's categories 1.1 -> 0.8 ms).
_CATEGORIES = (
    _CATEGORIES_OF.where(one_of(_link.recommendation_id, "ids"))
    .order_by(_link.recommendation_id, _category.kind, _category.slug)
    .execution_options(**PREPARED)
)
_PAGE_ORDER = (_rec.source_id, _rec.section_number, _rec.number)
_other = Recommendation.__table__.alias("other")
_other_source = Source.__table__.alias("other_source")
_this: BindParameter[int] = bindparam("recommendation_id")
# Stored once per pair, the lower id first: the other end is whichever id is not this one.
_other_end = case((_pair.recommendation_id == _this, _pair.other_id), else_=_pair.recommendation_id)
_LINKED_RECOMMENDATIONS = (
    select(
        _other.c.id,
        _other.c.code,
        _other.c.text,
        _other_source.c.slug.label("source"),
        _other_source.c.kind.label("source_kind"),
        _other.c.paragraph,
        _other.c.response,
        _pair.strength,
        _pair.note,
        _pair.linked_at,
    )
    .select_from(
        RecommendationLink.__table__.join(_other, _other.c.id == _other_end).join(
            _other_source, _other_source.c.id == _other.c.source_id
        )
    )
    .where(or_(_pair.recommendation_id == _this, _pair.other_id == _this), _pair.unlinked_at.is_(None))
    .order_by(_pair.linked_at, _pair.id)
    .execution_options(**PREPARED)
)


def list_recommendations(
    reads: Reads,
    filters: RecommendationFilters,
    *,
    limit: int,
    cursor: str | None,
    totals: LRUCache[int] | None = None,
    language: str | None = None,
    fingerprint: str | None = None,
) -> tuple[list[dict[str, Any]], int, str | None]:
    """One page of recommendations in natural order, the total matching, and the next cursor.

    With `totals`, the total comes from that cache while the data fingerprint (`fingerprint`, if the caller
    has just read it) has not moved; with `language`, each item carries its current translation into it
    (translated.add_translations).
    """
    conditions = filter_conditions(filters)
    total = count_matching(reads, filters, conditions, totals, fingerprint)
    rows = fetch(reads, *_page(filters, conditions, cursor, limit + 1))
    has_more = len(rows) > limit
    rows = rows[:limit]
    categories = categories_by_recommendation(reads, [row.id for row in rows])
    items = [_summary(row, categories[row.id]) for row in rows]
    add_translations(
        reads, language, [(item, row.id, row.section_id) for item, row in zip(items, rows, strict=True)]
    )
    next_cursor = encode_cursor(rows[-1]) if has_more else None
    return items, total, next_cursor


# The unfiltered pages, the most read, are fixed statements (PREPARED); a filtered page is built per request.
_ALL = select(*_SUMMARY_COLUMNS).select_from(_SUMMARY_FROM).order_by(*_PAGE_ORDER).limit(bindparam("limit"))
_FIRST_PAGE = _ALL.execution_options(**PREPARED)
_NEXT_PAGE = _ALL.where(
    after_position(
        tuple(bindparam(name, type_=Integer) for name in ("source_id", "section_number", "number"))
    )
).execution_options(**PREPARED)


def _page(
    filters: RecommendationFilters, conditions: list[ColumnElement[bool]], cursor: str | None, limit: int
) -> tuple[Select, dict[str, int]]:
    """A page's statement and its parameters, in natural order from the cursor (`conditions`: the filters').

    With a category filter the page seeks that category's links, which carry the natural order, from the
    cursor: it reads about what it shows, however deep. Walking the recommendations in order and testing
    each for the category read the same on the first page, but PostgreSQL planned a deep page as a sort of
    every later row (docs/benchmarks.md).
    """
    position = decode_cursor(cursor) if cursor else None
    if not conditions:
        if position is None:
            return _FIRST_PAGE, {"limit": limit}
        source_id, section_number, number = position
        return _NEXT_PAGE, {
            "source_id": source_id,
            "section_number": section_number,
            "number": number,
            "limit": limit,
        }
    category = next(iter(_category_filters(filters)), None)
    if category is None:
        source, order = _SUMMARY_FROM, _PAGE_ORDER
        conditions = list(conditions)
    else:
        kind, slug = category
        source = _SUMMARY_FROM.join(RecommendationCategory.__table__, _link.recommendation_id == _rec.id)
        order = (_link.source_id, _link.section_number, _link.number)
        category_id = select(_category.id).where(_category.kind == kind.value, _category.slug == slug)
        conditions = [
            _link.category_id == category_id.scalar_subquery(),
            *filter_conditions(filters, joined=kind),
        ]
    if position is not None:
        conditions.append(after_position(position, order))
    statement = select(*_SUMMARY_COLUMNS).select_from(source).where(*conditions).order_by(*order).limit(limit)
    return statement, {}


def get_recommendation(session: Session, code: str) -> tuple[Recommendation, str, str]:
    """The recommendation with its section title and source slug; 404 if the code is unknown."""
    row = session.execute(
        _with_section(select(Recommendation, col(Section.title), col(Source.slug))).where(
            col(Recommendation.code) == code
        )
    ).first()
    if row is None:
        raise NotFound(f"No recommendation has the code {code!r}.")
    return row[0], row[1], row[2]


def source_title(session: Session, source_id: int) -> str:
    """The title of a recommendation's source, as its page heads it."""
    return session.execute(select(col(Source.title)).where(col(Source.id) == source_id)).scalar_one()


def recommendation_detail(
    reads: Reads, code: str, *, include_restricted: bool, language: str | None = None
) -> tuple[dict[str, Any], int]:
    """Everything about one recommendation (its current translation into `language`), and its version."""
    rows = fetch(reads, _DETAIL if include_restricted else _PUBLIC_DETAIL, {"code": code})
    if not rows:
        raise NotFound(f"No recommendation has the code {code!r}.")
    first = rows[0]
    categories = _no_categories()
    evidence = []
    for row in rows:
        if row.part:
            evidence.append(dict(zip(_EVIDENCE_KEYS, row[_EVIDENCE_START:_EVIDENCE_END], strict=True)))
        elif row.category_kind is not None:
            categories[row.category_kind].append({"slug": row.category_slug, "label": row.category_label})
    detail = _summary(first, categories)
    add_translations(reads, language, [(detail, first.id, first.section_id)])
    detail["evidence"] = evidence
    detail["links"] = linked_recommendations(reads, first.id) if first.has_links else []
    return detail, first.version


def categories_by_recommendation(reads: Reads, ids: list[int]) -> dict[int, dict[str, list[dict[str, str]]]]:
    """Addressees, themes, SDG targets and recommending states of the given recommendations, in one query."""
    result: dict[int, dict[str, list[dict[str, str]]]] = defaultdict(_no_categories)
    if not ids:
        return result
    # Fetched whole: iterating the result fetches row by row, a third of this function's time in an export.
    for rec_id, kind, slug, label in fetch(reads, _CATEGORIES, {"ids": ids}):
        result[rec_id][kind].append({"slug": slug, "label": label})
    return result


def linked_recommendations(reads: Reads, recommendation_id: int) -> list[dict[str, Any]]:
    """The recommendations of other sources linked to this one now, with the link's strength and note.

    Links are public whoever made them: who linked is in the entries (as an alias), never here. Keys in
    LinkedRecommendationOut's order: the detail is dumped as built."""
    rows = fetch(reads, _LINKED_RECOMMENDATIONS, {"recommendation_id": recommendation_id})
    if not rows:
        return []
    states = categories_by_recommendation(reads, [row.id for row in rows])
    return [
        {
            "code": row.code,
            "text": row.text,
            "source": row.source,
            "source_kind": row.source_kind,
            "paragraph": row.paragraph,
            "recommending_states": states[row.id][_RECOMMENDING_STATE],
            "response": row.response,
            "strength": row.strength,
            "note": row.note,
            "linked_at": row.linked_at,
        }
        for row in rows
    ]


_SOURCE_COLUMNS = (
    _source.id,
    _source.slug,
    _source.title,
    _source.publisher,
    _source.published_on,
    _source.date_note,
    _source.kind,
    _source.state_under_review,
    _source.cycle,
    _source.session,
    _source.reviewed_on,
    _source.document_symbol,
    _source.language,
)
# Every source's counts by status in one GROUP BY (not a count per source).
_SOURCE_COUNTS = select(_rec.source_id, _rec.status, func.count().label("count")).group_by(
    _rec.source_id, _rec.status
)
_SECTIONS = select(_section.source_id, _section.number, _section.title).order_by(
    _section.source_id, _section.number
)


def list_sources(session: Session) -> list[dict[str, Any]]:
    """Every source with its details, sections, and how many recommendations it makes by status: 3 queries."""
    counts: dict[int, dict[str, int]] = defaultdict(lambda: {status.value: 0 for status in Status})
    for source_id, status, count in session.execute(_SOURCE_COUNTS):
        counts[source_id][status] = count
    sections: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for source_id, number, title in session.execute(_SECTIONS):
        sections[source_id].append({"number": number, "title": title})
    sources = []
    for row in session.execute(select(*_SOURCE_COLUMNS).order_by(_source.slug)):
        details = row._asdict()
        source_id = details.pop("id")
        by_status = counts[source_id]
        sources.append(
            details
            | {
                "sections": sections[source_id],
                "recommendations": sum(by_status.values()),
                "by_status": by_status,
            }
        )
    return sources


def _summary(row: Row, categories: dict[str, list[dict[str, str]]]) -> dict[str, Any]:
    # Keys in RecommendationOut's order, values of its types: the list and the detail are dumped as built.
    # By position: a Row's attribute lookup costs ten times its index, which showed on a page of 50.
    (
        _,
        code,
        _,
        source,
        section_number,
        section_title,
        number,
        text,
        status,
        claimed,
        version,
        assessed,
        source_kind,
        paragraph,
        response,
        response_original,
        action_category,
        source_language,
        _,
    ) = row[:_SUMMARY_WIDTH]
    return {
        "code": code,
        "source": source,
        "source_kind": source_kind,
        "section": {"number": section_number, "title": section_title, "translated_title": None},
        "number": number,
        "text": text,
        "text_language": source_language,
        "translated_text": None,  # set by add_translations
        "translation": None,
        "status": status,
        "claimed_status": claimed,
        "version": version,
        "last_assessed_at": assessed,
        "addressees": categories[_ADDRESSEE],
        "themes": categories[_THEME],
        "sdg_targets": categories[_SDG],
        "recommending_states": categories[_RECOMMENDING_STATE],
        "paragraph": paragraph,
        "response": response,
        "response_original": response_original,
        "action_category": action_category,
    }
