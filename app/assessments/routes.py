"""Write API for assessments."""

from typing import Annotated

from fastapi import APIRouter, Request, status
from fastapi.responses import Response

from app.assessments.schemas import AssessmentCreated, AssessmentIn
from app.assessments.service import record_assessment
from app.auth import MonitorDep
from app.db import WriteSessionDep
from app.idempotency import IdempotencyKey, idempotency_for, idempotent
from app.recommendations.schemas import CODE_PATH
from app.recommendations.write_protocol import read_for_write
from app.recommendations.write_responses import WRITE_ERRORS, IfMatch, written_response

router = APIRouter(prefix="/api/v1", tags=["assessments"])


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
) -> Response:
    """Record an assessment of a recommendation; needs If-Match with its current ETag."""

    def write() -> Response:
        target = read_for_write(session, code, if_match)
        # Without a key nothing follows the entry (with one, its stored response goes in the same commit).
        entry = record_assessment(session, target, principal, data, commit=idempotency_key is None)
        return written_response(session, AssessmentCreated, target, entry, {}, by=principal)

    idempotency = idempotency_for(principal, session, idempotency_key, request)
    return idempotent(idempotency, data.model_dump(mode="json"), write)
