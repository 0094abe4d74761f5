"""The translation forms: a recommendation's text or its section's title in another language."""

from collections.abc import Callable
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import FormData

from app.auth import Principal
from app.db import WriteSessionDep
from app.errors import NotFound, PreconditionFailed, PreconditionRequired, Unprocessable
from app.recommendations.service import get_recommendation
from app.recommendations.write_protocol import read_for_write, snapshot
from app.translations.schemas import TranslationIn
from app.translations.service import record_text_translation
from app.translations.titles import record_title_translation, title_subject
from app.vocabulary import TranslationSubject
from app.web.edits import form_if_match, form_seen
from app.web.forms import (
    ORIGINAL_LANGUAGE,
    TITLE_TRANSLATION,
    TRANSLATION,
    FieldError,
    FormDep,
    FormState,
    parse_translation,
    translation_values,
)
from app.web.pages import NOT_FOUND, error_page, plausible_code, recommendation_page
from app.web.session import CSRF_FIELD, visitor_from

router = APIRouter()
MAX_ETAG_LENGTH = 100

Write = Callable[[Session, FormData, str, Principal, TranslationIn], None]


@router.post("/recommendations/{code}/translations", response_class=HTMLResponse)
def post_translation(code: str, request: Request, session: WriteSessionDep, form: FormDep) -> Response:
    """Record a translation of the recommendation's text, if it is still at the form's version."""
    return _submit(request, session, form, code, TRANSLATION, _write_text)


@router.post("/recommendations/{code}/section-translations", response_class=HTMLResponse)
def post_section_translation(
    code: str, request: Request, session: WriteSessionDep, form: FormDep
) -> Response:
    """Record a translation of the recommendation's section title, if no one translated it since the form."""
    return _submit(request, session, form, code, TITLE_TRANSLATION, _write_title)


def _write_text(session: Session, form: FormData, code: str, by: Principal, data: TranslationIn) -> None:
    target = read_for_write(session, code, form_if_match(form))
    record_text_translation(
        session, target, by.monitor_id, data.language, data.text, data.provenance.value, data.translator
    )


def _write_title(session: Session, form: FormData, code: str, by: Principal, data: TranslationIn) -> None:
    with snapshot(session) as read:
        recommendation, _, _ = get_recommendation(read, code)
        subject = title_subject(read, TranslationSubject.section, recommendation.section_id)
    etag = form.get("etag")
    record_title_translation(
        session,
        subject,
        by.monitor_id,
        data.language,
        data.text,
        data.provenance.value,
        data.translator,
        if_match=etag if isinstance(etag, str) and 0 < len(etag) <= MAX_ETAG_LENGTH else None,
    )


def _submit(
    request: Request, session: Session, form: FormData, code: str, prefix: str, write: Write
) -> Response:
    """Check, validate and write one translation form; on failure show the page again with the text kept."""
    visitor = visitor_from(request, session)
    values = translation_values(form)

    def again(
        status_code: int, state: FormState, alert: dict[str, str], changes_after: int | None = None
    ) -> Response:
        session.rollback()
        return recommendation_page(
            request,
            session,
            visitor,
            code,
            status_code=status_code,
            translation=state if prefix == TRANSLATION else None,
            title_translation=state if prefix == TITLE_TRANSLATION else None,
            alert=alert | {"form": prefix},
            changes_after=changes_after,
        )

    if not plausible_code(code):
        return error_page(request, visitor, 404, *NOT_FOUND, code=code)
    csrf_valid = visitor.csrf_ok(form.get(CSRF_FIELD))
    if not csrf_valid or not visitor.can_write or visitor.principal is None:
        alert = {"kind": "forbidden" if csrf_valid else "csrf", "kept": values["text"]}
        return again(403, FormState(prefix, values), alert)
    parsed = parse_translation(values, prefix)
    if isinstance(parsed, FormState):
        return again(422, parsed, {"kind": "fix"})
    try:
        write(session, form, code, visitor.principal, parsed)
    except NotFound:
        session.rollback()
        return error_page(request, visitor, 404, *NOT_FOUND, code=code)
    except (PreconditionFailed, PreconditionRequired):
        return again(409, FormState(prefix, values), {"kind": "conflict"}, changes_after=form_seen(form))
    except Unprocessable:  # the original's language (the version or the chains were claimed: given back)
        errors = {"language": FieldError(ORIGINAL_LANGUAGE)}
        return again(422, FormState(prefix, values, errors), {"kind": "fix"})
    # Post/redirect/get; the confirmation offers the page in the translation's language.
    target = f"/recommendations/{quote(code)}?saved={prefix}&translate={parsed.language}#history"
    return RedirectResponse(target, status_code=303)
