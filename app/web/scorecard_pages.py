"""The overview (scorecard by section) and the printable implementation matrix."""

from datetime import date
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from app.db import SessionDep
from app.i18n.translation import N_
from app.recommendations.service import list_sources
from app.reports.matrix import matrix_rows
from app.scorecards.gaps import claim_gaps_url
from app.scorecards.params import GAPS_PAGE, MAX_GAPS_PAGE, PointInTimeParams, ScorecardParams
from app.scorecards.service import cached_scorecard
from app.web.charts import SEGMENT_ORDER, stacked_bar
from app.web.pages import bad_filters_notice
from app.web.queries import filter_choices, latest_assessments
from app.web.render import page_locale, render
from app.web.session import ReaderVisitorDep

router = APIRouter()

DOWNLOAD_FORMATS = ("csv", "xlsx", "docx")
OVERVIEW_GAPS = GAPS_PAGE  # claim gaps listed on the page; the rest are linked
AS_OF = N_("As of")


def _point(raw: str, section: str = "") -> tuple[PointInTimeParams, bool]:
    """The as_of date (and section) asked for, validated as the API does; False when left out as invalid."""
    given = {name: value for name, value in (("as_of", raw), ("section", section)) if value}
    try:
        return PointInTimeParams.model_validate(given), True
    except ValidationError:
        return PointInTimeParams(), False


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, session: SessionDep, visitor: ReaderVisitorDep):
    """The scorecard by section as stacked bars, with scores, coverage, claim gaps and latest changes."""
    page_locale(request)
    point, valid = _point(request.query_params.get("as_of", "").strip()[:20])
    wanted = {"group_by": "section", "gaps_limit": OVERVIEW_GAPS}
    params = ScorecardParams.model_validate(point.model_dump(exclude_none=True) | wanted)
    scorecard = cached_scorecard(
        session, request.app.state.scorecards, params, include_restricted=visitor.privileged
    )
    sources = list_sources(session)
    return render(
        request,
        visitor,
        "overview.html",
        nav="overview",
        scorecard=scorecard,
        bars=[stacked_bar(group["by_status"], group["total"]) for group in scorecard["groups"]],
        total_bar=stacked_bar(scorecard["totals"]["by_status"], scorecard["totals"]["total"]),
        legend=[status.value for status in SEGMENT_ORDER],
        sources=sources,
        as_of=point.as_of,
        notices=[] if valid else [bad_filters_notice([AS_OF])],
        latest=latest_assessments(session, as_of=point.as_of),
        all_gaps_url=claim_gaps_url(point, limit=MAX_GAPS_PAGE, cursor=None),
    )


@router.get("/matrix", response_class=HTMLResponse)
def matrix(request: Request, session: SessionDep, visitor: ReaderVisitorDep):
    """The implementation matrix as a printable page, with links to download it as CSV, XLSX or DOCX."""
    page_locale(request)
    query = request.query_params
    point, valid = _point(query.get("as_of", "").strip()[:20], query.get("section", "").strip()[:6])
    rows = list(matrix_rows(session, point, include_restricted=visitor.privileged))
    wanted = point.model_dump(include={"as_of", "section"}, exclude_none=True)
    downloads = [
        (fmt, "/api/v1/reports/matrix?" + urlencode({"format": fmt} | {k: str(v) for k, v in wanted.items()}))
        for fmt in DOWNLOAD_FORMATS
    ]
    return render(
        request,
        visitor,
        "matrix.html",
        nav="matrix",
        rows=rows,
        as_of=point.as_of,
        section=str(point.section or ""),
        choices=filter_choices(session),
        reference_date=point.as_of or date.today(),
        downloads=downloads,
        notices=[] if valid else [bad_filters_notice([AS_OF])],
    )
