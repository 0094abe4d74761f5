"""The matrix as spreadsheets (CSV, XLSX) show it: a tuple of text cells per recommendation, a query a batch.

Rendering `matrix_rows` cell by cell took four queries a batch and several dicts a row. Here the database
joins the latest entries and gathers each row's category ids and evidence into one value each; categories
are read once an export and labels looked up once a label. The cells are those the dict rows gave,
character for character (tests/test_sheet_rows.py compares them). Labels are in the current locale:
iterate while rendering.
"""

import json
from collections.abc import Callable, Collection, Iterator
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, ColumnElement, Integer, Select, Text, bindparam, cast, func, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.db import is_postgres
from app.models import Category, Evidence, HistoryEntry, RecommendationCategory, RecommendationEvidence
from app.recommendations.service import after_position, categories_by_recommendation
from app.reports.matrix import BATCH_SIZE, FOOTNOTE, matrix_statement, snapshot
from app.scorecards.conditions import evidence_conditions
from app.scorecards.linked import SAME_MEASURE, attach_states, linked_ids, linked_upr
from app.scorecards.params import PointInTimeParams
from app.scorecards.point import PointInTime, point_of
from app.upr_text import commitment_line
from app.vocabulary import CategoryKind, Relation, Status, Visibility, claim_gap_class, label, status_label

# The cells of a row, in this order (cells.matrix_columns keys), then the three status codes behind the
# status cells (for the XLSX's colours): claimed, independent, the assessment's (not_assessed when none).
SHEET_KEYS = (
    "code",
    "source",
    "paragraph",
    "section",
    "text",
    "addressees",
    "recommending_states",
    "response",
    "themes",
    "sdg_targets",
    "claimed_status",
    "claim_date",
    "claim_summary",
    "independent_status",
    "claim_gap",
    "assessment_status",
    "assessment_summary",
    "assessment_date",
    "new_evidence",
    "evidence_url",
    "baseline_sources",
    "upr_commitments",
)
STATUS_CODES = {"claimed_status": 0, "independent_status": 1, "assessment_status": 2}
SheetRow = tuple[str, ...]
# The keyset position a batch starts after, bound when it runs.
POSITION_NAMES = ("after_source", "after_section", "after_number")
POSITION: tuple[Any, Any, Any] = (
    bindparam(POSITION_NAMES[0], type_=Integer),
    bindparam(POSITION_NAMES[1], type_=Integer),
    bindparam(POSITION_NAMES[2], type_=Integer),
)
EvidenceArray = Callable[[ColumnElement[int]], ColumnElement[str]]

_BASELINE, _RESTRICTED = Relation.baseline.value, Visibility.restricted.value
_NOT_ASSESSED = Status.not_assessed.value
_ADDRESSEE, _THEME = CategoryKind.addressee.value, CategoryKind.theme.value
_SDG, _RECOMMENDING_STATE = CategoryKind.sdg.value, CategoryKind.recommending_state.value
_CATEGORY_CELLS = (_ADDRESSEE, _THEME, _SDG, _RECOMMENDING_STATE)
# Where newest-first puts an undated item: as old as `date.min`, as the dict rows sorted it.
_UNDATED = "0001-01-01"
_LINK_ORDER = itemgetter(6, 7)  # a SQLite evidence item's linked_at, then its id (unique): the link order
_rc, _category = RecommendationCategory.__table__.c, Category.__table__.c
_link, _evidence = RecommendationEvidence.__table__.c, Evidence.__table__.c
_entries = HistoryEntry.__table__


def sheet_key_index(key: str) -> int:
    """Where a `sheet_columns` key's cell is in a SheetRow."""
    return SHEET_KEYS.index(key)


def status_code_index(key: str) -> int:
    """Where the status code behind a status cell is in a SheetRow."""
    return len(SHEET_KEYS) + STATUS_CODES[key]


def sheet_rows(
    session: Session,
    params: PointInTimeParams,
    *,
    include_restricted: bool,
    optional: Collection[str],
    batch_size: int = BATCH_SIZE,
) -> Iterator[SheetRow]:
    """The matrix's rows as text cells in SHEET_KEYS order, in natural order, in keyset batches.

    `optional` names the OPTIONAL_COLUMNS shown: the others' cells are left empty (and, the UPR
    commitments, not read).
    """
    point = point_of(params, session)
    postgres = is_postgres(session.get_bind())
    evidence = _evidence_array(point, postgres, include_restricted=include_restricted)
    render = _Renderer(session, postgres, optional)
    inner = matrix_statement(params, point).limit(batch_size)
    # Built once, the position bound at each execution: a statement this size takes a while to build.
    first = _batch(inner, evidence, postgres)
    following = _batch(inner.where(after_position(POSITION)), evidence, postgres)
    batch = session.connection().execute(first).all()
    while batch:
        yield from render.rows(batch, point)
        if len(batch) < batch_size:
            return
        last = batch[-1]
        position = dict(zip(POSITION_NAMES, (last.source_id, last.section_number, last.number), strict=True))
        # Core, not the ORM's execute: plain rows, without the ORM's per-row work.
        batch = session.connection().execute(following, position).all()


def streamed_sheet_rows(
    engine: Engine, params: PointInTimeParams, *, include_restricted: bool, optional: Collection[str]
) -> Iterator[SheetRow]:
    """`sheet_rows` read in a session of their own (one snapshot on PostgreSQL), for streamed responses."""
    with Session(snapshot(engine)) as session:
        yield from sheet_rows(session, params, include_restricted=include_restricted, optional=optional)


def _evidence_array(point: PointInTime, postgres: bool, *, include_restricted: bool) -> EvidenceArray:
    """A recommendation's visible evidence links as a JSON array of [relation, title, url, published_on,
    visibility, note] (NULL or [] for none): in link order on PostgreSQL; on SQLite unordered, each with its
    linked_at and id after the note, to be sorted by them."""
    fields = (
        _link.relation,
        _evidence.title,
        _evidence.url,
        _evidence.published_on,
        _link.visibility,
        _link.note,
    )
    joined = RecommendationEvidence.__table__.join(Evidence.__table__, _evidence.id == _link.evidence_id)
    conditions = evidence_conditions(point, include_restricted=include_restricted)

    def evidence(recommendation_id: ColumnElement[int]) -> ColumnElement[str]:
        linked = select().select_from(joined).where(_link.recommendation_id == recommendation_id, *conditions)
        if postgres:
            ordered = aggregate_order_by(func.json_build_array(*fields), _link.linked_at, _link.id)
            return linked.add_columns(cast(func.json_agg(ordered), Text)).scalar_subquery()
        # SQLite (before 3.44) cannot order an aggregate's input: the renderer sorts the links.
        item = func.json_array(*fields, _link.linked_at, _link.id)
        return linked.add_columns(func.json_group_array(item)).scalar_subquery()

    return evidence


def _batch(inner: Select, evidence: EvidenceArray, postgres: bool) -> Select:
    """A batch of `matrix_statement` with its entries joined and its category ids and evidence gathered."""
    rows = inner.subquery("m")
    assessment, claim = _entries.alias("a"), _entries.alias("c")
    links = select().where(_rc.recommendation_id == rows.c.id)
    # Payloads hold no NUL (app/inputs.py), so PostgreSQL's ->> reads every summary Python's json would.
    if postgres:
        categories = links.add_columns(func.array_agg(_rc.category_id))
        summaries = [
            func.json_extract_path_text(cast(entry.c.payload, JSON), "summary")
            for entry in (assessment, claim)
        ]
    else:
        categories = links.add_columns(func.group_concat(_rc.category_id))
        summaries = [func.json_extract(entry.c.payload, "$.summary") for entry in (assessment, claim)]
    return (
        select(
            rows.c.id,
            rows.c.code,
            rows.c.source,
            rows.c.paragraph,
            rows.c.section_number,
            rows.c.section_title,
            rows.c.text,
            categories.scalar_subquery(),
            rows.c.response,
            rows.c.claimed_status,
            rows.c.independent_status,
            assessment.c.status,
            assessment.c.effective_on,
            summaries[0],
            claim.c.effective_on,
            summaries[1],
            evidence(rows.c.id),
            rows.c.source_id,
            rows.c.number,
        )
        .select_from(
            rows.outerjoin(assessment, assessment.c.id == rows.c.assessment_id).outerjoin(
                claim, claim.c.id == rows.c.claim_id
            )
        )
        .order_by(rows.c.source_id, rows.c.section_number, rows.c.number)
    )


def _commitments(session: Session, ids: list[int], point: PointInTime) -> dict[int, list[dict[str, Any]]]:
    """The UPR recommendations each of `ids` is linked to as the same measure, with their states."""
    committing = linked_upr(session, ids, point, strengths=SAME_MEASURE)
    if committing:
        attach_states(committing, categories_by_recommendation(session, linked_ids(committing)))
    return committing


class _Labels(dict):
    """A label per value, looked up in the current locale the first time it is asked for."""

    def __init__(self, lookup: Callable[[Any], str]) -> None:
        super().__init__()
        self.lookup = lookup

    def __missing__(self, value: Any) -> str:
        text = self[value] = self.lookup(value)
        return text


class _Categories:
    """Every category, read once, to name a row's categories from their ids: few, the same in every row."""

    def __init__(self, session: Session) -> None:
        self.session = session
        # id (and its text, as SQLite's group_concat gives it) -> (rank, the cell it goes to, its text)
        self.by_id: dict[Any, tuple[int, int, str]] = {}

    def cells(self, ids: str | list[int] | None) -> tuple[str, str, str, str]:
        """Addressees, themes, SDG targets and recommending states, each by slug and joined with '; '."""
        if not ids:
            return "", "", "", ""
        keys = ids.split(",") if isinstance(ids, str) else ids
        try:
            found = sorted(map(self.by_id.__getitem__, keys))
        except KeyError:  # the first row, or one added since (a session that is not one snapshot)
            self._read()
            found = sorted(map(self.by_id.__getitem__, keys))
        cells: tuple[list[str], ...] = ([], [], [], [])
        for _, cell, text in found:
            cells[cell].append(text)
        addressees, themes, sdg_targets, states = cells
        return "; ".join(addressees), "; ".join(themes), "; ".join(sdg_targets), "; ".join(states)

    def _read(self) -> None:
        # Ranked in the database's order (its collation), as categories_by_recommendation sorts them.
        rows = self.session.execute(
            select(_category.id, _category.kind, _category.slug, _category.label).order_by(
                _category.kind, _category.slug
            )
        ).all()
        for rank, (category_id, kind, slug, text) in enumerate(rows):
            # SDG targets are shown by their number (the slug), the others by their label.
            entry = (rank, _CATEGORY_CELLS.index(kind), slug if kind == _SDG else text)
            self.by_id[category_id] = self.by_id[str(category_id)] = entry


class _Renderer:
    """Turns a batch's rows into SheetRows; made while rendering, so its labels are in the current locale."""

    def __init__(self, session: Session, postgres: bool, optional: Collection[str]) -> None:
        self.session, self.sort_links = session, not postgres
        self.states, self.commitments = "recommending_states" in optional, "upr_commitments" in optional
        self.categories = _Categories(session)
        self.statuses = _Labels(status_label)
        self.responses = _Labels(lambda value: label("response", value))
        self.relations = _Labels(lambda value: label("relation", value))
        self.gaps = _Labels(_gap_label)
        self.restricted = f" [{label('visibility', _RESTRICTED)}]"

    def rows(self, batch, point: PointInTime) -> Iterator[SheetRow]:
        """The batch's rows as SheetRows."""
        statuses, responses, gaps = self.statuses, self.responses, self.gaps
        categories, evidence, states = self.categories.cells, self._evidence, self.states
        commitments = _commitments(self.session, [row[0] for row in batch], point) if self.commitments else {}
        for (
            recommendation_id,
            code,
            source,
            paragraph,
            section_number,
            section_title,
            text,
            category_ids,
            response,
            claimed,
            independent,
            assessed,
            assessed_on,
            assessment_summary,
            claimed_on,
            claim_summary,
            evidence_json,
            _,
            _,
        ) in batch:
            addressees, themes, sdg_targets, recommending_states = categories(category_ids)
            new_evidence, evidence_url, baseline_sources = evidence(evidence_json)
            committing = commitments.get(recommendation_id)
            yield (
                code,
                source,
                paragraph or "",
                f"{section_number}. {section_title}",
                text,
                addressees,
                recommending_states if states else "",
                responses[response] if response else "",
                themes,
                sdg_targets,
                statuses[claimed],
                claimed_on.isoformat() if claimed_on else "",
                claim_summary or "",
                statuses[independent],
                gaps[claimed, independent],
                statuses[assessed],
                assessment_summary or "",
                assessed_on.isoformat() if assessed_on else "",
                new_evidence,
                evidence_url,
                baseline_sources,
                "\n".join(commitment_line(item) for item in committing) if committing else "",
                claimed,
                independent,
                assessed or _NOT_ASSESSED,
            )

    def _evidence(self, evidence_json: str | None) -> tuple[str, str, str]:
        """The evidence newest first (not the report's own sources), its newest link, the report's sources."""
        if not evidence_json or evidence_json == "[]":
            return "", "", ""
        links = json.loads(evidence_json)
        if self.sort_links:
            links.sort(key=_LINK_ORDER)
        newest: list[tuple[str, str, str]] = []
        sources: list[str] = []
        relations, restricted = self.relations, self.restricted
        for relation, title, url, published_on, visibility, note, *_ in links:
            named = relations[relation]
            # ", ".join of the parts there are, spelled out (this runs for every link)
            details = f"{named}, {published_on}" if named and published_on else named or published_on or ""
            line = f"{title} ({details}){restricted if visibility == _RESTRICTED else ''}: {url}"
            if relation == _BASELINE:
                match = FOOTNOTE.match(note) if note else None  # footnote_number, for a baseline link
                footnote = int(match.group(1)) if match else None
                sources.append(f"[{footnote}] {line}" if footnote else line)
            else:
                newest.append((published_on or _UNDATED, line, url))
        # Newest first; of one date, the later linked first (a stable sort of the reversed link order).
        newest.reverse()
        newest.sort(key=_date_of, reverse=True)
        return (
            "\n".join(line for _, line, _ in newest),
            newest[0][2] if newest else "",
            "\n".join(sources),
        )


def _date_of(item: tuple[str, str, str]) -> str:
    return item[0]


def _gap_label(pair: tuple[str, str]) -> str:
    gap = claim_gap_class(*pair)
    return label("claim_gap", gap) if gap else ""
