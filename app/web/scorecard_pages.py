"""The overview (scorecard by section) and the printable implementation matrix."""

from datetime import date
from itertools import islice
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from sqlalchemy import select
from sqlmodel import Session, col

from app.db import SessionDep
from app.errors import BadRequest
from app.i18n.translation import N_, gettext
from app.models import Source
from app.recommendations.service import decode_cursor, encode_cursor, list_sources
from app.reports.matrix import matrix_rows
from app.scorecards.commitments import commitments_url
from app.scorecards.export import SERIES_COLUMNS, series_cells
from app.scorecards.gap_classes import claim_gap_classes_url, first_class_gaps
from app.scorecards.keys import document_key, response_document
from app.scorecards.params import (
    GAPS_PAGE,
    MAX_GAPS_PAGE,
    MAX_SERIES_STEPS,
    Interval,
    PointInTimeParams,
    ScorecardParams,
    SeriesParams,
)
from app.scorecards.point import point_of
from app.scorecards.series import compute_series, series_range
from app.scorecards.service import cached_scorecard
from app.vocabulary import ClaimGapClass, GroupBy
from app.web.charts import SEGMENT_ORDER, series_chart, stacked_bar
from app.web.pages import FILTER_LABELS, FILTERS, bad_filters_notice, download_links, valid_filters
from app.web.queries import filter_choices, has_responses, latest_assessments
from app.web.render import page_locale, render
from app.web.session import ReaderVisitorDep, Visitor

router = APIRouter()

# The list's filters, and the point in time: what the matrix API takes (group_by is the page's own for now).
MATRIX_FILTERS = (*FILTERS, "as_of")
MATRIX_GROUPINGS = ("theme",)
MATRIX_PAGE = 100  # rows on one page of the web matrix
# The overview's series: by month over two years at most, by quarter over 30, else by year.
SERIES_INTERVALS = ((24, Interval.month), (MAX_SERIES_STEPS * 3, Interval.quarter))
OVERVIEW_COMMITMENTS = GAPS_PAGE  # broken commitments listed on the page; the rest are linked
OVERVIEW_CLASS_GAPS = 20  # claim gaps of each class listed on the page; the rest are linked
AS_OF = N_("As of")
SOURCE = N_("Source")


def _point(raw: str, section: str = "", source: str = "") -> tuple[PointInTimeParams, bool]:
    """The as_of date (and section, and source) asked for, validated as the API does; False when left out."""
    given = {
        name: value for name, value in (("as_of", raw), ("section", section), ("source", source)) if value
    }
    try:
        return PointInTimeParams.model_validate(given), True
    except ValidationError:
        return PointInTimeParams(), False


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, session: SessionDep, visitor: ReaderVisitorDep):
    """The scorecard as stacked bars, by source (by section for one source) and by the state's response."""
    page_locale(request)
    query = request.query_params
    sources = list_sources(session)
    by_slug = {source["slug"]: source for source in sources}
    picked = query.get("source", "").strip()[:64]
    point, valid = _point(query.get("as_of", "").strip()[:20], source=picked if picked in by_slug else "")
    notices = [] if valid else [bad_filters_notice([AS_OF])]
    if picked and picked not in by_slug:
        notices.append(bad_filters_notice([SOURCE]))
    group_by = "source" if len(sources) > 1 and point.source is None else "section"
    # The broken commitments' first page comes with the scorecard (claim gaps come by class, below).
    scorecard = _scorecard(request, session, visitor, point, group_by, gaps=OVERVIEW_COMMITMENTS)
    counts = scorecard["totals"]["claim_gap_counts"]
    series = _series(request, session, visitor, point)
    by_response = None
    if has_responses(session, point.source):
        by_response = _scorecard(request, session, visitor, point, "response", gaps=0)
    shown = [by_slug[point.source]] if point.source else sources
    return render(
        request,
        visitor,
        "overview.html",
        nav="overview",
        scorecard=scorecard,
        bars=[stacked_bar(group["by_status"], group["total"]) for group in scorecard["groups"]],
        total_bar=stacked_bar(scorecard["totals"]["by_status"], scorecard["totals"]["total"]),
        by_response=by_response,
        response_bars=[
            stacked_bar(group["by_status"], group["total"]) for group in (by_response or {}).get("groups", [])
        ],
        legend=[status.value for status in SEGMENT_ORDER],
        sources=sources,
        states=list(dict.fromkeys(s["state_under_review"] for s in shown if s["state_under_review"])),
        shown_sources=shown,
        by_slug=by_slug,
        source=point.source or "",
        as_of=point.as_of,
        notices=notices,
        latest=latest_assessments(session, as_of=point.as_of, source=point.source),
        series=series,
        series_chart=series_chart(series) if len(series["steps"]) > 1 else None,
        series_rows=series_cells(series),
        series_headers=[header for _, header in SERIES_COLUMNS],
        claim_gap_counts=counts,
        class_gaps=_class_gaps(request, session, visitor, point, counts),
        class_gap_urls={
            name: claim_gap_classes_url(point, name, limit=MAX_GAPS_PAGE) for name in ClaimGapClass
        },
        all_commitments_url=commitments_url(point, limit=MAX_GAPS_PAGE, cursor=None),
    )


def _series(request: Request, session: Session, visitor: Visitor, point: PointInTimeParams) -> dict[str, Any]:
    """The totals over time up to the page's date: by month, quarter or year, as the span allows."""
    base = SeriesParams.model_validate(
        point.model_dump(include={"source"}, exclude_none=True)
        | {"to": point.as_of, "interval": Interval.month, "group_by": GroupBy.status}
    )
    start, end = series_range(session, base)
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    interval = next((step for span, step in SERIES_INTERVALS if months <= span), Interval.year)
    if interval == Interval.year:
        start = max(start, date(end.year - MAX_SERIES_STEPS + 1, 1, 1))
    params = base.model_copy(update={"from_": start, "to": end, "interval": interval})
    document = response_document(session, params, include_restricted=visitor.privileged, reference=end)
    return request.app.state.scorecards.get_or_compute(
        document_key("overview-series", document),
        lambda: compute_series(session, params, include_restricted=visitor.privileged),
    )


def _class_gaps(
    request: Request, session: Session, visitor: Visitor, point: PointInTimeParams, counts: dict[str, int]
) -> dict[str, list[dict[str, Any]]]:
    """The first claim gaps of each class, cached per app like the claim-gap pages."""
    document = response_document(
        session, point, include_restricted=visitor.privileged, reference=point_of(point).reference_date()
    )
    return request.app.state.claim_gaps.get_or_compute(
        document_key("overview-claim-gap-classes", document),
        lambda: {
            name: first_class_gaps(session, point, name, limit=OVERVIEW_CLASS_GAPS, total=counts[name])
            for name in ClaimGapClass
        },
    )


def _scorecard(
    request: Request,
    session: Session,
    visitor: Visitor,
    point: PointInTimeParams,
    group_by: str,
    *,
    gaps: int,
) -> dict[str, Any]:
    params = ScorecardParams.model_validate(
        point.model_dump(exclude_none=True) | {"group_by": group_by, "gaps_limit": gaps}
    )
    return cached_scorecard(
        session, request.app.state.scorecards, params, include_restricted=visitor.privileged
    )


def _cursor_after(session: Session, row: dict[str, Any]) -> str:
    """The list's keyset cursor pointing after a matrix row (rows name their source by slug)."""
    source_id = session.scalar(select(col(Source.id)).where(col(Source.slug) == row["source"]))
    position = SimpleNamespace(source_id=source_id, section_number=row["section"], number=row["number"])
    return encode_cursor(position)


@router.get("/matrix", response_class=HTMLResponse)
def matrix(request: Request, session: SessionDep, visitor: ReaderVisitorDep):
    """The implementation matrix as a printable page with the API's filters, and links to download it."""
    page_locale(request)
    query = request.query_params
    raw = {name: query.get(name, "").strip()[:200] for name in MATRIX_FILTERS}
    point, bad = valid_filters(raw, PointInTimeParams)
    notices = [bad_filters_notice([FILTER_LABELS[name] for name in bad])] if bad else []
    group_by = query.get("group_by", "") if query.get("group_by", "") in MATRIX_GROUPINGS else ""
    cursor = query.get("cursor", "")[:200] or None
    try:
        after = decode_cursor(cursor) if cursor else None
    except BadRequest:
        after, cursor = None, None
        notices.append(gettext("That page link is out of date; here is the first page."))
    # A page at a time: the whole matrix, to print or submit, is the document download.
    found = matrix_rows(
        session, point, include_restricted=visitor.privileged, batch_size=MATRIX_PAGE + 1, after=after
    )
    rows = list(islice(found, MATRIX_PAGE + 1))
    more, rows = len(rows) > MATRIX_PAGE, rows[:MATRIX_PAGE]
    kept = {name: raw[name] for name in MATRIX_FILTERS if raw[name] and name not in bad}
    paged = kept | ({"group_by": group_by} if group_by else {})
    next_cursor = _cursor_after(session, rows[-1]) if more else None
    choices = filter_choices(session)
    return render(
        request,
        visitor,
        "matrix.html",
        nav="matrix",
        rows=rows,
        groups=by_theme(rows) if group_by == "theme" else None,
        group_by=group_by,
        as_of=point.as_of,
        selected={name: raw[name] if name not in bad else "" for name in MATRIX_FILTERS},
        choices=choices,
        states=[choice["value"] for choice in choices.get("state", [])],
        # The columns this page has something to show in (a UPR review addresses its one state).
        with_addressees=not rows or any(row["addressees"] for row in rows),
        with_states=any(row["recommending_states"] for row in rows),
        with_responses=any(row["response"] for row in rows),
        with_commitments=any(row["upr_commitments"] for row in rows),
        reference_date=point.as_of or date.today(),
        downloads=download_links(kept),
        notices=notices,
        next_url=f"/matrix?{urlencode(paged | {'cursor': next_cursor})}" if next_cursor else None,
        first_url=f"/matrix?{urlencode(paged)}" if cursor else None,
    )


def by_theme(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The page's rows under each of their themes, themes by label; a row with several is under each."""
    groups: dict[str, dict[str, Any]] = {}
    unthemed: list[dict[str, Any]] = []
    for row in rows:
        for theme in row["themes"]:
            groups.setdefault(theme["slug"], {"slug": theme["slug"], "label": theme["label"], "rows": []})
            groups[theme["slug"]]["rows"].append(row)
        if not row["themes"]:
            unthemed.append(row)
    ordered = sorted(groups.values(), key=lambda group: (group["label"], group["slug"]))
    return ordered + ([{"slug": "", "label": None, "rows": unthemed}] if unthemed else [])
