"""Write API for translations of a recommendation's text."""

from typing import Annotated

from fastapi import APIRouter, Request, status
from fastapi.responses import JSONResponse, Response

from app.auth import MonitorDep
from app.db import WriteSessionDep
from app.idempotency import IdempotencyKey, idempotency_for, idempotent
from app.recommendations.schemas import CODE_PATH
from app.recommendations.write_protocol import read_for_write
from app.recommendations.write_responses import WRITE_ERRORS, IfMatch, written_response
from app.translations.schemas import TranslationCreated, TranslationIn
from app.translations.service import record_text_translation

router = APIRouter(prefix="/api/v1", tags=["translations"])


@router.post(
    "/recommendations/{code}/translations",
    status_code=status.HTTP_201_CREATED,
    response_model=TranslationCreated,
    responses=WRITE_ERRORS,
)
def post_translation(
    code: Annotated[str, CODE_PATH],
    data: TranslationIn,
    request: Request,
    session: WriteSessionDep,
    principal: MonitorDep,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Record a translation of a recommendation's text; it supersedes the current one in that language."""

    def write() -> JSONResponse:
        target = read_for_write(session, code, if_match)
        entry = record_text_translation(
            session,
            target,
            principal.monitor_id,
            data.language,
            data.text,
            data.provenance.value,
            data.translator,
        )
        return written_response(session, TranslationCreated, target, entry, {}, by=principal)

    idempotency = idempotency_for(principal, session, idempotency_key, request)
    return idempotent(idempotency, data.model_dump(mode="json"), write)
