"""Evidence API: link and unlink evidence under If-Match, and find an item by URL."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, status
from fastapi.responses import Response

from app.auth import MonitorDep, ReaderDep, can_see_restricted
from app.db import SessionDep, WriteSessionDep, commit_write
from app.errors import Unprocessable, problem_responses
from app.evidence import service
from app.evidence.schemas import (
    EvidenceFound,
    EvidenceIn,
    EvidenceLinked,
    EvidenceLookupIn,
    EvidenceUnlinked,
    EvidenceUnlinkIn,
)
from app.idempotency import IdempotencyKey, idempotency_for, idempotent
from app.inputs import CleanText, VisibleText
from app.recommendations.schemas import CODE_PATH
from app.recommendations.write_protocol import read_for_write
from app.recommendations.write_responses import WRITE_ERRORS, IfMatch, written_response

router = APIRouter(prefix="/api/v1", tags=["evidence"])


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
) -> Response:
    """Link evidence to a recommendation (an item with the same URL is reused); needs If-Match."""

    def write() -> Response:
        target = read_for_write(session, code, if_match)
        evidence, link, entry, reused = service.link_evidence(session, target, principal, data)
        body = {
            "evidence": service.evidence_view(evidence),
            "reused": reused,
            "relation": link.relation,
            "visibility": link.visibility,
            "note": link.note,
        }
        return written_response(session, EvidenceLinked, target, entry, body, by=principal)

    idempotency = idempotency_for(principal, session, idempotency_key, request)
    return idempotent(idempotency, data.model_dump(mode="json"), write)


@router.delete(
    "/recommendations/{code}/evidence/{evidence_id}",
    response_model=EvidenceUnlinked,
    responses=WRITE_ERRORS,
)
def delete_evidence(
    code: Annotated[str, CODE_PATH],
    evidence_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    session: WriteSessionDep,
    principal: MonitorDep,
    data: EvidenceUnlinkIn | None = None,
    reason: Annotated[
        VisibleText | None,
        Query(
            min_length=1,
            max_length=2000,
            deprecated=True,
            description="Why the link is removed. Deprecated: send it in the body (URLs end up in logs).",
        ),
    ] = None,
    if_match: IfMatch = None,
) -> Response:
    """Unlink evidence from a recommendation with a reason; the history keeps who, when and why."""
    given = data.reason if data is not None else reason
    if given is None:
        raise Unprocessable('Say why the link is removed: send {"reason": "..."} in the body.')
    target = read_for_write(session, code, if_match)
    entry = service.unlink_evidence(session, target, principal, evidence_id, given.strip() or given)
    response = written_response(session, EvidenceUnlinked, target, entry, {}, status_code=200, by=principal)
    commit_write(session)
    return response


@router.post(
    "/evidence/lookup", response_model=EvidenceFound, responses=problem_responses(400, 404, 413, 422)
)
def lookup_evidence(data: EvidenceLookupIn, session: SessionDep, reader: ReaderDep) -> dict[str, Any]:
    """Find an evidence item by URL sent in the body, with the recommendations it is linked to."""
    return service.find_evidence(session, data.url, include_restricted=can_see_restricted(reader))


@router.get("/evidence", response_model=EvidenceFound, responses=problem_responses(404, 422), deprecated=True)
def get_evidence(
    url: Annotated[
        CleanText, Query(min_length=1, max_length=2048, description="Any spelling of the item's URL.")
    ],
    session: SessionDep,
    reader: ReaderDep,
) -> dict[str, Any]:
    """Find an evidence item by URL in the query (deprecated: URLs end up in logs; POST /evidence/lookup)."""
    return service.find_evidence(session, url, include_restricted=can_see_restricted(reader))
