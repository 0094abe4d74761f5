"""Translations API: record a recommendation's text or a section's or source's title in another language."""

from typing import Annotated

from fastapi import APIRouter, Path, Request, status
from fastapi.responses import JSONResponse, Response
from sqlmodel import Session

from app.auth import MonitorDep, ReaderDep
from app.db import SessionDep, WriteSessionDep
from app.errors import problem_responses
from app.http import NOT_MODIFIED, cache_headers, not_modified
from app.idempotency import IdempotencyKey, idempotency_for, idempotent
from app.recommendations.schemas import CODE_PATH
from app.recommendations.write_protocol import read_for_write
from app.recommendations.write_responses import WRITE_ERRORS, IfMatch, version_view, written_response
from app.responses import model_response
from app.translations.schemas import (
    TitleTranslationCreated,
    TitleTranslations,
    TranslationCreated,
    TranslationIn,
)
from app.translations.service import record_text_translation
from app.translations.titles import (
    TitleSubject,
    current_title_translations,
    find_title,
    read_title_for_write,
    record_title_translation,
    translation_view,
)

router = APIRouter(prefix="/api/v1", tags=["translations"])
SLUG_PATH = Path(description="Source slug, e.g. odf-kz-2015.", max_length=64, examples=["odf-kz-2015"])
SECTION_PATH = Path(description="The section's number in its source, e.g. 4.", ge=1, le=10_000, examples=[4])
TITLE_READ = {**NOT_MODIFIED, **problem_responses(404)}
TITLE_IF_MATCH = "The ETag from your last read of the title's translations (GET them); required."


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

    def write() -> Response:
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


@router.get("/sources/{slug}/translations", response_model=TitleTranslations, responses=TITLE_READ)
def get_source_translations(
    slug: Annotated[str, SLUG_PATH], request: Request, session: SessionDep, _reader: ReaderDep
) -> Response:
    """Show a source's title and its current translations; the ETag is If-Match for recording one."""
    return _title_translations(request, session, find_title(session, slug))


@router.get(
    "/sources/{slug}/sections/{number}/translations", response_model=TitleTranslations, responses=TITLE_READ
)
def get_section_translations(
    slug: Annotated[str, SLUG_PATH],
    number: Annotated[int, SECTION_PATH],
    request: Request,
    session: SessionDep,
    _reader: ReaderDep,
) -> Response:
    """Show a section's title and its current translations; the ETag is If-Match for recording one."""
    return _title_translations(request, session, find_title(session, slug, number))


@router.post(
    "/sources/{slug}/translations",
    status_code=status.HTTP_201_CREATED,
    response_model=TitleTranslationCreated,
    responses=WRITE_ERRORS,
)
def post_source_translation(
    slug: Annotated[str, SLUG_PATH],
    data: TranslationIn,
    request: Request,
    session: WriteSessionDep,
    principal: MonitorDep,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Record a translation of a source's title, in the history of each of its recommendations."""

    def write() -> Response:
        return _record_title(
            session, read_title_for_write(session, slug), principal.monitor_id, data, if_match
        )

    idempotency = idempotency_for(principal, session, idempotency_key, request)
    return idempotent(idempotency, data.model_dump(mode="json"), write)


@router.post(
    "/sources/{slug}/sections/{number}/translations",
    status_code=status.HTTP_201_CREATED,
    response_model=TitleTranslationCreated,
    responses=WRITE_ERRORS,
)
def post_section_translation(
    slug: Annotated[str, SLUG_PATH],
    number: Annotated[int, SECTION_PATH],
    data: TranslationIn,
    request: Request,
    session: WriteSessionDep,
    principal: MonitorDep,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Record a translation of a section's title, in the history of each of its recommendations."""

    def write() -> Response:
        return _record_title(
            session, read_title_for_write(session, slug, number), principal.monitor_id, data, if_match
        )

    idempotency = idempotency_for(principal, session, idempotency_key, request)
    return idempotent(idempotency, data.model_dump(mode="json"), write)


def _title_translations(request: Request, session: Session, subject: TitleSubject) -> Response:
    headers = cache_headers(subject.etag)
    if not_modified(request, subject.etag):
        return Response(status_code=304, headers=headers)
    body = {
        "title": subject.title,
        "language": subject.language,
        "translations": current_title_translations(session, subject),
    }
    return model_response(TitleTranslations, body, headers=headers)


def _record_title(
    session: Session, subject: TitleSubject, by: int, data: TranslationIn, if_match: str | None
) -> JSONResponse:
    written = record_title_translation(
        session,
        subject,
        by,
        data.language,
        data.text,
        data.provenance.value,
        data.translator,
        if_match=if_match,
    )
    body = {
        "translation": translation_view(written.translation),
        "etag": written.etag,
        "recommendations": [version_view(target) for target in written.recommendations],
    }
    content = TitleTranslationCreated.model_validate(body).model_dump(mode="json")
    return JSONResponse(content, status_code=status.HTTP_201_CREATED, headers={"ETag": written.etag})
