"""Write API for assessments and evidence; the global history feed and chain verification."""

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from app.auth import MonitorDep, ReaderDep, can_see_restricted
from app.db import SessionDep, WriteSessionDep
from app.errors import problem_responses
from app.history import writes
from app.history.schemas import (
    AssessmentCreated,
    AssessmentIn,
    EvidenceFound,
    EvidenceIn,
    EvidenceLinked,
    EvidenceUnlinked,
    FeedPage,
    VerifyReport,
)
from app.history.verify import verify_chains_once
from app.history.views import entry_views, history_feed
from app.idempotency import IdempotencyKey, idempotency_for
from app.inputs import CleanText
from app.models import HistoryEntry
from app.recommendations.etag import etag_for
from app.recommendations.schemas import CODE_PATH
from app.responses import model_response

router = APIRouter(prefix="/api/v1", tags=["history"])

IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        max_length=200,
        description="The ETag from your last read; required.",
        examples=['"1"'],
    ),
]
WRITE_ERRORS = problem_responses(400, 401, 403, 404, 409, 412, 413, 422, 428)


def _version(rec: writes.WriteTarget) -> dict:
    return {
        "code": rec.code,
        "version": rec.version,
        "etag": etag_for(rec.version),
        "status": rec.status,
        "claimed_status": rec.claimed_status,
    }


def _written(
    session, model: type[BaseModel], rec: writes.WriteTarget, entry: HistoryEntry, body: dict, code: int = 201
) -> JSONResponse:
    """The write's response, serialised by its response model, with the new ETag."""
    body = body | {
        "entry": entry_views(session, [(entry, rec.code)], privileged=True)[0],
        "recommendation": _version(rec),
    }
    content = model.model_validate(body).model_dump(mode="json")
    return JSONResponse(content, status_code=code, headers={"ETag": etag_for(rec.version)})


@router.post(
    "/recommendations/{code}/assessments",
    status_code=status.HTTP_201_CREATED,
    response_model=AssessmentCreated,
    responses=WRITE_ERRORS,
)
def post_assessment(
    code: Annotated[str, CODE_PATH],
    data: AssessmentIn,
    request: Request,
    session: WriteSessionDep,
    principal: MonitorDep,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
):
    """Record an assessment of a recommendation; needs If-Match with its current ETag."""
    idempotency = idempotency_for(principal, session, idempotency_key, request)
    if replay := idempotency.replay(data.model_dump(mode="json")):
        return replay
    rec = writes.read_for_write(session, code, if_match)
    entry = writes.record_assessment(session, rec, principal, data)
    return idempotency.remember(_written(session, AssessmentCreated, rec, entry, {}))


@router.post(
    "/recommendations/{code}/evidence",
    status_code=status.HTTP_201_CREATED,
    response_model=EvidenceLinked,
    responses=WRITE_ERRORS,
)
def post_evidence(
    code: Annotated[str, CODE_PATH],
    data: EvidenceIn,
    request: Request,
    session: WriteSessionDep,
    principal: MonitorDep,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
):
    """Link evidence to a recommendation (an item with the same URL is reused); needs If-Match."""
    idempotency = idempotency_for(principal, session, idempotency_key, request)
    if replay := idempotency.replay(data.model_dump(mode="json")):
        return replay
    rec = writes.read_for_write(session, code, if_match)
    evidence, link, entry, reused = writes.link_evidence(session, rec, principal, data)
    body = {
        "evidence": writes.evidence_view(evidence),
        "reused": reused,
        "relation": link.relation,
        "note": link.note,
    }
    return idempotency.remember(_written(session, EvidenceLinked, rec, entry, body))


@router.delete(
    "/recommendations/{code}/evidence/{evidence_id}",
    response_model=EvidenceUnlinked,
    responses=WRITE_ERRORS,
)
def delete_evidence(
    code: Annotated[str, CODE_PATH],
    evidence_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    reason: Annotated[
        CleanText, Query(min_length=1, max_length=2000, description="Why the link is removed.")
    ],
    session: WriteSessionDep,
    principal: MonitorDep,
    if_match: IfMatch = None,
):
    """Unlink evidence from a recommendation with a reason; the history keeps who, when and why."""
    rec = writes.read_for_write(session, code, if_match)
    entry = writes.unlink_evidence(session, rec, principal, evidence_id, reason.strip() or reason)
    return _written(session, EvidenceUnlinked, rec, entry, {}, code=200)


@router.get("/evidence", response_model=EvidenceFound, responses=problem_responses(404, 422))
def get_evidence(
    url: Annotated[
        CleanText, Query(min_length=1, max_length=2048, description="Any spelling of the item's URL.")
    ],
    session: SessionDep,
    reader: ReaderDep,
) -> dict:
    """Find an evidence item by URL, with the recommendations it is linked to."""
    return writes.find_evidence(session, url, include_restricted=can_see_restricted(reader))


@router.get("/history", response_model=FeedPage)
def get_feed(
    session: SessionDep,
    reader: ReaderDep,
    after: Annotated[int, Query(ge=0, le=2**63 - 1, description="The last entry id you have.")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    """Every recommendation's history in recording order, for incremental sync."""
    items = history_feed(session, after=after, limit=limit, privileged=can_see_restricted(reader))
    return model_response(FeedPage, {"items": items, "next_after": items[-1]["id"] if items else after})


@router.get("/history/verify", response_model=VerifyReport, responses=problem_responses(429))
def get_verify(session: SessionDep, _reader: ReaderDep) -> dict:
    """Recompute every hash chain and report the root of all chain heads (one at a time per server)."""
    return verify_chains_once(session)
