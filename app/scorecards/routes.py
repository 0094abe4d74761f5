"""Scorecard API: implementation scorecards as of any date, and status changes between two dates."""

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from sqlmodel import Session

from app.auth import Principal, ReaderDep, can_see_restricted
from app.csv_writer import CSV_MEDIA_TYPE
from app.db import SessionDep
from app.errors import problem_responses
from app.http import (
    NOT_MODIFIED,
    DocumentLanguage,
    LanguageQuery,
    attachment,
    cache_headers,
    document_cache_headers,
    document_language,
    not_modified,
)
from app.i18n.translation import use_locale
from app.responses import model_json_bytes
from app.scorecards import commitments, gap_classes, gaps, keys, series, service
from app.scorecards.export import scorecard_csv
from app.scorecards.params import (
    ChangesParams,
    ClaimGapClassParams,
    ClaimGapParams,
    CommitmentGapParams,
    ScorecardParams,
    SeriesParams,
)
from app.scorecards.schemas import (
    ChangesOut,
    ClaimGapClassPage,
    ClaimGapPage,
    CommitmentGapPage,
    ScorecardOut,
    SeriesOut,
)

router = APIRouter(prefix="/api/v1", tags=["scorecards"])


SCORECARD_RESPONSES = {**NOT_MODIFIED, **problem_responses(401, 422)}
ScorecardPageParams = ClaimGapParams | ClaimGapClassParams | CommitmentGapParams


def scorecard_response(
    request: Request,
    session: Session,
    reader: Principal | None,
    params: ScorecardParams,
    format_: Literal["json", "csv"],
    lang: str | None = None,
) -> Response:
    """The scorecard as JSON or CSV, or 304: both scorecard routes answer with this.

    The CSV is written in the asked language; the JSON stays English (labels are data).
    """
    privileged = can_see_restricted(reader)
    document = keys.response_document(
        session, params, include_restricted=privileged, reference=service.point_of(params).reference_date()
    )
    if format_ == "csv":
        language = document_language(request, lang)
        etag = keys.weak_etag(f"scorecard.csv.{language}", document)
        headers = document_cache_headers(etag)
    else:
        etag = keys.weak_etag("scorecard.json", document)
        headers = cache_headers(etag)
    if not_modified(request, etag):
        return Response(status_code=304, headers=headers)
    cache = request.app.state.scorecards

    def scorecard() -> dict[str, Any]:
        return service.cached_scorecard(
            session, cache, params, include_restricted=privileged, document=document
        )

    if format_ == "csv":
        computed = scorecard()
        filename = f"rectrack-scorecard-{computed['as_of'].isoformat()}.csv"
        with use_locale(language):
            chunks = scorecard_csv(computed)
        return StreamingResponse(chunks, media_type=CSV_MEDIA_TYPE, headers=headers | attachment(filename))
    # The rendered body is cached too: validating and serialising 1,300 groups took ~30 ms a hit.
    body = cache.get_or_compute(
        keys.document_key("scorecard.json", document), lambda: model_json_bytes(ScorecardOut, scorecard())
    )
    return Response(body, media_type="application/json", headers=headers)


@router.get("/scorecard", response_model=ScorecardOut, responses=SCORECARD_RESPONSES)
def get_scorecard(
    request: Request,
    session: SessionDep,
    reader: ReaderDep,
    params: Annotated[ScorecardParams, Query()],
    # Kept for existing users, out of the schema: the CSV has its own path, /scorecard.csv.
    format_: Annotated[Literal["json", "csv"], Query(alias="format", include_in_schema=False)] = "json",
    lang: Annotated[DocumentLanguage | None, Query(include_in_schema=False)] = None,
):
    """Implementation scorecard as of a date and a recording time, grouped, with the first gaps of each kind.

    Claim gaps (the state's claim against the monitors'), and broken UPR commitments.

    As CSV: `/api/v1/scorecard.csv`.
    """
    return scorecard_response(request, session, reader, params, format_, lang)


@router.get(
    "/scorecard.csv",
    response_class=Response,
    responses={
        # Text, not binary: openapi-python-client makes a binary text/* body a file from a str, and fails.
        200: {
            "description": "The scorecard as CSV",
            "content": {CSV_MEDIA_TYPE: {"schema": {"type": "string"}}},
        },
        **SCORECARD_RESPONSES,
    },
)
def get_scorecard_csv(
    request: Request,
    session: SessionDep,
    reader: ReaderDep,
    params: Annotated[ScorecardParams, Query()],
    lang: LanguageQuery = None,
) -> Response:
    """The scorecard as CSV (UTF-8 with a byte-order mark): one row per group, with the same parameters."""
    return scorecard_response(request, session, reader, params, "csv", lang)


@router.get(
    "/scorecard/claim-gaps",
    response_model=ClaimGapPage,
    responses={**NOT_MODIFIED, **problem_responses(400, 401, 422)},
)
def get_claim_gaps(
    request: Request, session: SessionDep, reader: ReaderDep, params: Annotated[ClaimGapParams, Query()]
):
    """Claim gaps of the scorecard with the same parameters, one keyset page at a time in natural order."""
    return _gap_page(
        request,
        session,
        reader,
        params,
        "claim-gaps",
        lambda: model_json_bytes(ClaimGapPage, gaps.claim_gap_page(session, params)),
    )


@router.get(
    "/scorecard/claim-gap-classes",
    response_model=ClaimGapClassPage,
    responses={**NOT_MODIFIED, **problem_responses(400, 401, 422)},
)
def get_claim_gap_classes(
    request: Request, session: SessionDep, reader: ReaderDep, params: Annotated[ClaimGapClassParams, Query()]
):
    """Claim gaps by class, one keyset page at a time in natural order: where the state's claim differs.

    Only where the state has made a claim, at the point: statuses rank implemented > partially implemented >
    not implemented > regressed; `overclaim` when the claim ranks above the independent status, `underclaim`
    below, `unassessed` when the monitors have not assessed it. The same statuses are no gap.
    """
    return _gap_page(
        request,
        session,
        reader,
        params,
        "claim-gap-classes",
        lambda: model_json_bytes(ClaimGapClassPage, gap_classes.claim_gap_class_page(session, params)),
    )


@router.get(
    "/scorecard/commitments",
    response_model=CommitmentGapPage,
    responses={**NOT_MODIFIED, **problem_responses(400, 401, 422)},
)
def get_commitment_gaps(
    request: Request, session: SessionDep, reader: ReaderDep, params: Annotated[CommitmentGapParams, Query()]
):
    """Broken commitments of the scorecard with the same parameters, a keyset page at a time in natural order.

    A recommendation is committed when linked `same_measure` to a UPR recommendation the state supported or
    partially supported (as of `as_of`, known at `known_at`); broken when its status is not implemented or
    regressed. Each comes with the UPR recommendations, their review and the response at the point.
    """
    return _gap_page(
        request,
        session,
        reader,
        params,
        "commitment-gaps",
        lambda: model_json_bytes(CommitmentGapPage, commitments.commitment_gap_page(session, params)),
    )


def _gap_page(
    request: Request,
    session: Session,
    reader: Principal | None,
    params: ScorecardPageParams,
    kind: str,
    compute: Callable[[], bytes],
) -> Response:
    """A page of gaps of some kind, or 304: ETag'd on the point in time and the data, cached per app."""
    document = keys.response_document(
        session,
        params,
        include_restricted=can_see_restricted(reader),
        reference=service.point_of(params).reference_date(),
    )
    etag = keys.weak_etag(kind, document)
    headers = cache_headers(etag)
    if not_modified(request, etag):
        return Response(status_code=304, headers=headers)
    # Every kind of gap page in one LRU: the key names the kind.
    body = request.app.state.claim_gaps.get_or_compute(keys.document_key(kind, document), compute)
    return Response(body, media_type="application/json", headers=headers)


@router.get(
    "/scorecard/series",
    response_model=SeriesOut,
    responses={**NOT_MODIFIED, **problem_responses(401, 422)},
)
def get_scorecard_series(
    request: Request, session: SessionDep, reader: ReaderDep, params: Annotated[SeriesParams, Query()]
):
    """Progress over time: the score and counts by status at the end of each month, quarter or year.

    Each step is the scorecard as of the period's last day (the last step is `to`), with the same filters,
    perspective, recording time and groups; at most 120 steps.
    """
    privileged = can_see_restricted(reader)
    reference = series.series_end(params)
    document = keys.response_document(session, params, include_restricted=privileged, reference=reference)
    etag = keys.weak_etag("series", document)
    headers = cache_headers(etag)
    if not_modified(request, etag):
        return Response(status_code=304, headers=headers)

    def body() -> bytes:
        computed = series.compute_series(session, params, include_restricted=privileged)
        return bytes(
            JSONResponse(SeriesOut.model_validate(computed).model_dump(mode="json", by_alias=True)).body
        )

    content = request.app.state.scorecards.get_or_compute(keys.document_key("series", document), body)
    return Response(content, media_type="application/json", headers=headers)


@router.get(
    "/scorecard/changes",
    response_model=ChangesOut,
    responses={**NOT_MODIFIED, **problem_responses(401, 422)},
)
def get_scorecard_changes(
    request: Request, session: SessionDep, reader: ReaderDep, params: Annotated[ChangesParams, Query()]
):
    """Recommendations whose status differs between two effective dates, and the entries that changed it."""
    point = service.PointInTime(params.until, params.known_at)
    etag = keys.response_etag(
        session,
        "changes",
        params,
        include_restricted=can_see_restricted(reader),
        reference=point.reference_date(),
    )
    headers = cache_headers(etag)
    if not_modified(request, etag):
        return Response(status_code=304, headers=headers)
    changes = service.scorecard_changes(session, params)
    return JSONResponse(ChangesOut.model_validate(changes).model_dump(mode="json"), headers=headers)
