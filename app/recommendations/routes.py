"""Read API: sources, recommendations and their history."""

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Request, Response

from app.auth import ReaderDep, can_see_restricted
from app.db import SessionDep
from app.errors import problem_responses
from app.history.schemas import HistoryPage
from app.history.views import history_of
from app.http import NOT_MODIFIED, cache_headers, not_modified
from app.raw_statements import RawStatementsDep
from app.recommendations import service
from app.recommendations.etag import etag_for
from app.recommendations.list_pages import list_page_json
from app.recommendations.schemas import (
    CODE_PATH,
    RecommendationDetailOut,
    RecommendationFilters,
    RecommendationPage,
    SourceOut,
)
from app.recommendations.translated import requested_language
from app.responses import json_response, model_response

router = APIRouter(prefix="/api/v1", tags=["recommendations"])
Lang = Annotated[
    Literal["en", "ru", "kk"] | None,
    Query(description="The language of `translated_text`; default: the first of Accept-Language we have."),
]
AcceptLanguage = Annotated[
    str | None, Header(alias="Accept-Language", max_length=500, include_in_schema=False)
]


@router.get("/sources", response_model=list[SourceOut])
def list_sources(session: SessionDep, _reader: ReaderDep) -> list[dict]:
    """List the reports whose recommendations are tracked."""
    return service.list_sources(session)


@router.get("/recommendations", response_model=RecommendationPage, responses=problem_responses(400))
def list_recommendations(
    request: Request,
    statements: RawStatementsDep,
    _reader: ReaderDep,
    filters: Annotated[RecommendationFilters, Query()],
    limit: Annotated[int, Query(ge=1, le=500, description="Page size.")] = 50,
    cursor: Annotated[str | None, Query(max_length=200, description="From `next_cursor`.")] = None,
    lang: Lang = None,
    accept_language: AcceptLanguage = None,
) -> Response:
    """List recommendations in natural code order, filtered, one keyset page at a time."""
    with statements.connect() as reads:
        body = list_page_json(
            reads,
            filters,
            limit=limit,
            cursor=cursor,
            language=requested_language(lang, accept_language),
            totals=request.app.state.list_totals,
            pages=request.app.state.list_pages,
        )
    return Response(body, media_type="application/json", headers={"Vary": "Accept-Language"})


@router.get(
    "/recommendations/{code}",
    response_model=RecommendationDetailOut,
    responses={**NOT_MODIFIED, **problem_responses(404)},
)
def get_recommendation(
    code: Annotated[str, CODE_PATH],
    request: Request,
    statements: RawStatementsDep,
    reader: ReaderDep,
    lang: Lang = None,
    accept_language: AcceptLanguage = None,
):
    """Show one recommendation with its status, categories, linked evidence and translation."""
    with statements.connect() as reads:
        detail, version = service.recommendation_detail(
            reads,
            code,
            include_restricted=can_see_restricted(reader),
            language=requested_language(lang, accept_language),
        )
    headers = cache_headers(etag_for(version))
    # The ETag is the version (If-Match needs it): the language a body is in shows in Vary instead.
    headers["Vary"] += ", Accept-Language"
    if not_modified(request, etag_for(version)):
        return Response(status_code=304, headers=headers)
    return json_response(detail, headers=headers)  # as RecommendationDetailOut dumps it


@router.get("/recommendations/{code}/history", response_model=HistoryPage, responses=problem_responses(404))
def get_history(code: Annotated[str, CODE_PATH], session: SessionDep, reader: ReaderDep) -> Response:
    """Show a recommendation's hash-chained history in seq order."""
    items = history_of(session, code, privileged=can_see_restricted(reader))
    return model_response(HistoryPage, {"items": items})
