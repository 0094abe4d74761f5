"""Write API for corrections."""

from typing import Annotated

from fastapi import APIRouter, Path, Request, status
from fastapi.responses import Response

from app.auth import MonitorDep
from app.corrections.schemas import CorrectionCreated, CorrectionIn
from app.corrections.service import correct_entry
from app.db import WriteSessionDep
from app.idempotency import IdempotencyKey, idempotency_for, idempotent
from app.recommendations.schemas import CODE_PATH
from app.recommendations.write_protocol import read_for_write
from app.recommendations.write_responses import WRITE_ERRORS, IfMatch, written_response

router = APIRouter(prefix="/api/v1", tags=["history"])


@router.post(
    "/recommendations/{code}/entries/{seq}/corrections",
    status_code=status.HTTP_201_CREATED,
    response_model=CorrectionCreated,
    responses=WRITE_ERRORS,
)
def post_correction(
    code: Annotated[str, CODE_PATH],
    seq: Annotated[int, Path(ge=1, le=2**31 - 1, description="The seq of the entry to correct.")],
    data: CorrectionIn,
    request: Request,
    session: WriteSessionDep,
    principal: MonitorDep,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Correct an assessment or an evidence link you recorded (or, as an admin, anyone's); needs If-Match.

    One new `correction` entry names the corrected entry and says why; the corrected entry is never changed.
    It stops counting for scorecards and reports known from the correction's time on, and still counts for
    any point known before it.
    """

    def write() -> Response:
        target = read_for_write(session, code, if_match)
        entry = correct_entry(session, target, principal, seq, data)
        return written_response(session, CorrectionCreated, target, entry, {}, by=principal)

    idempotency = idempotency_for(principal, session, idempotency_key, request)
    return idempotent(idempotency, data.model_dump(mode="json"), write)
