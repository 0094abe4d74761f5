"""The monitors' forms: record an assessment, link evidence; never an overwrite, never a lost text."""

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import FormData

from app.assessments.service import record_assessment
from app.db import WriteSessionDep
from app.errors import Conflict, NotFound, PreconditionFailed, PreconditionRequired, Unprocessable
from app.evidence.service import link_evidence
from app.recommendations.write_protocol import read_for_write
from app.web.forms import (
    ALREADY_LINKED,
    ASSESSMENT,
    EVIDENCE,
    NOT_LINKED,
    FieldError,
    FormDep,
    FormState,
    assessment_values,
    evidence_values,
    parse_assessment,
    parse_evidence,
)
from app.web.pages import NOT_FOUND, error_page, plausible_code, recommendation_page
from app.web.session import CSRF_FIELD, visitor_from

router = APIRouter()


def form_if_match(form: FormData) -> str | None:
    """The form's version as the If-Match the write path expects."""
    version = form.get("version")
    return f'"{version}"' if isinstance(version, str) and version.isdigit() and len(version) < 12 else None


def form_seen(form: FormData) -> int:
    """The last history entry the monitor saw when the form was rendered."""
    seen = form.get("seen")
    return int(seen) if isinstance(seen, str) and seen.isdigit() and len(seen) < 12 else 0


def _kept_text(values: dict[str, Any]) -> str:
    """The monitor's own words from a form, to show when the form itself cannot be shown."""
    return "\n\n".join(str(values[name]) for name in ("summary", "url", "title", "note") if values.get(name))


def _submit(
    request: Request,
    session: Session,
    form: FormData,
    code: str,
    prefix: str,
    values: dict[str, Any],
    parse: Callable[[dict[str, Any]], Any],
    write: Callable[..., Any],
) -> Response:
    """Check, validate and write one form; on any failure show the page again with the text kept."""
    visitor = visitor_from(request, session)

    def again(status_code: int, state: FormState, alert: dict[str, Any], **extra: Any) -> Response:
        forms = {prefix: state}
        return recommendation_page(
            request,
            session,
            visitor,
            code,
            status_code=status_code,
            assessment=forms.get(ASSESSMENT),
            evidence=forms.get(EVIDENCE),
            alert=alert | {"form": prefix},
            **extra,
        )

    if not plausible_code(code):
        return error_page(request, visitor, 404, *NOT_FOUND, code=code)
    csrf_valid = visitor.csrf_ok(form.get(CSRF_FIELD))
    if not csrf_valid or not visitor.can_write:
        alert = {"kind": "forbidden" if csrf_valid else "csrf", "kept": _kept_text(values)}
        return again(403, FormState(prefix, values), alert)
    parsed = parse(values)
    if isinstance(parsed, FormState):
        return again(422, parsed, {"kind": "fix"})
    try:
        recommendation = read_for_write(session, code, form_if_match(form))
        written = write(session, recommendation, visitor.principal, parsed)
    except NotFound:
        session.rollback()
        return error_page(request, visitor, 404, *NOT_FOUND, code=code)
    except (PreconditionFailed, PreconditionRequired):
        session.rollback()
        return again(409, FormState(prefix, values), {"kind": "conflict"}, changes_after=form_seen(form))
    except Unprocessable:
        session.rollback()  # the version was claimed: give it back
        errors = {"evidence_ids": FieldError(NOT_LINKED)}
        return again(422, FormState(prefix, values, errors), {"kind": "fix"})
    except Conflict:
        session.rollback()
        errors = {"url": FieldError(ALREADY_LINKED)}
        return again(409, FormState(prefix, values, errors), {"kind": "fix"})
    # Post/redirect/get: reloading the page afterwards never submits twice. The page names the entry written,
    # so its confirmation can say what the entry changed (a backdated one may change nothing).
    entry = f"&entry={written.seq}" if prefix == ASSESSMENT else ""
    return RedirectResponse(f"/recommendations/{quote(code)}?saved={prefix}{entry}#history", status_code=303)


@router.post("/recommendations/{code}/assessments", response_class=HTMLResponse)
def post_assessment(code: str, request: Request, session: WriteSessionDep, form: FormDep):
    """Record an assessment from the form, if the recommendation is still at the form's version."""
    values = assessment_values(form)
    return _submit(request, session, form, code, ASSESSMENT, values, parse_assessment, record_assessment)


@router.post("/recommendations/{code}/evidence", response_class=HTMLResponse)
def post_evidence(code: str, request: Request, session: WriteSessionDep, form: FormDep):
    """Link evidence from the form, if the recommendation is still at the form's version."""
    values = evidence_values(form)
    return _submit(request, session, form, code, EVIDENCE, values, parse_evidence, link_evidence)
