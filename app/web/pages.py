"""Reading pages: the recommendation list and one recommendation."""

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from app.db import SessionDep
from app.errors import BadRequest
from app.recommendations import service
from app.recommendations.schemas import RecommendationFilters
from app.web.common import ReaderVisitorDep, recommendation_page
from app.web.queries import filter_choices
from app.web.render import render
from app.web.strings import pick_language, translator

router = APIRouter()

FILTERS = ("section", "status", "theme", "addressee", "q")
PAGE_SIZES = (25, 50, 100, 500)
DEFAULT_PAGE_SIZE = 50


def _filters(raw: dict[str, str]) -> tuple[RecommendationFilters, list[str]]:
    """The filters that validate, and the names of those that did not (left out rather than refused)."""
    # PostgreSQL text cannot hold NUL: such a value can match nothing, so it is left out like any bad one.
    unusable = sorted(name for name, value in raw.items() if "\x00" in value)
    given = {name: value for name, value in raw.items() if value and name not in unusable}
    try:
        return RecommendationFilters.model_validate(given), unusable
    except ValidationError as error:
        bad = sorted({str(issue["loc"][0]) for issue in error.errors() if issue["loc"]} | set(unusable))
        kept = {name: value for name, value in given.items() if name not in bad}
        return RecommendationFilters.model_validate(kept), bad


@router.get("/recommendations", response_class=HTMLResponse)
def recommendations(request: Request, session: SessionDep, visitor: ReaderVisitorDep):
    """The recommendation list with the API's filters as a GET form, one keyset page at a time."""
    t = translator(pick_language(request.headers.get("accept-language")))
    params = request.query_params
    raw = {name: params.get(name, "").strip()[:200] for name in FILTERS}
    filters, bad = _filters(raw)
    notices = [t("list.bad_filters", fields=", ".join(t(f"list.{name}") for name in bad))] if bad else []
    limit = int(params["limit"]) if params.get("limit", "").isdigit() else DEFAULT_PAGE_SIZE
    limit = limit if limit in PAGE_SIZES else DEFAULT_PAGE_SIZE
    cursor = params.get("cursor") or None
    try:
        items, total, next_cursor = service.list_recommendations(
            session, filters, limit=limit, cursor=cursor, totals=request.app.state.list_totals
        )
    except BadRequest:
        notices.append(t("list.bad_cursor"))
        cursor = None
        items, total, next_cursor = service.list_recommendations(
            session, filters, limit=limit, cursor=None, totals=request.app.state.list_totals
        )
    kept = {name: raw[name] for name in FILTERS if raw[name] and name not in bad}
    if limit != DEFAULT_PAGE_SIZE:
        kept["limit"] = str(limit)
    return render(
        request,
        visitor,
        "list.html",
        nav="list",
        items=items,
        total=total,
        choices=filter_choices(session),
        selected={name: raw[name] if name not in bad else "" for name in FILTERS},
        limit=limit,
        page_sizes=PAGE_SIZES,
        notices=notices,
        next_url=f"/recommendations?{urlencode(kept | {'cursor': next_cursor})}" if next_cursor else None,
        first_url=f"/recommendations?{urlencode(kept)}" if cursor else None,
    )


@router.get("/recommendations/{code}", response_class=HTMLResponse)
def recommendation(code: str, request: Request, session: SessionDep, visitor: ReaderVisitorDep):
    """One recommendation: text, categories, statuses, evidence, history, and the monitors' forms."""
    return recommendation_page(request, session, visitor, code, saved=request.query_params.get("saved"))
