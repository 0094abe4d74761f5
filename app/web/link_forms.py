"""The monitors' link and unlink forms on the recommendation page: two records, neither overwritten."""

from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import FormData

from app.db import WriteSessionDep
from app.errors import Conflict, NotFound, PreconditionFailed, PreconditionRequired, Unprocessable
from app.links.service import link_recommendations, read_pair, unlink_recommendations
from app.vocabulary import LinkStrength
from app.web.forms import FormDep
from app.web.pages import NOT_FOUND, error_page, plausible_code, recommendation_page
from app.web.session import CSRF_FIELD, visitor_from

router = APIRouter()
MAX_NOTE = 2000


def _text(form: FormData, name: str, limit: int = 200) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def _number(form: FormData, name: str) -> int | None:
    value = _text(form, name)
    return int(value) if value.isdigit() and len(value) < 12 else None


def _back(code: str, form: FormData, saved: str) -> RedirectResponse:
    query = {"saved": saved}
    if suggest := _text(form, "suggest", 64):
        query["suggest"] = suggest
    return RedirectResponse(f"/recommendations/{quote(code)}?{urlencode(query)}#links", status_code=303)


def _submit(request: Request, session: Session, code: str, form: FormData, unlink: str | None) -> Response:
    visitor = visitor_from(request, session)
    if not plausible_code(code):
        return error_page(request, visitor, 404, *NOT_FOUND, code=code)
    other = unlink or _text(form, "other", 96)
    kept: dict[str, Any] = {
        "other": other,
        "note": _text(form, "note", MAX_NOTE),
        "reason": _text(form, "reason", MAX_NOTE),
        "strength": _text(form, "strength", 16),
    }

    def again(status_code: int, problem: str) -> Response:
        session.rollback()
        return recommendation_page(
            request,
            session,
            visitor,
            code,
            status_code=status_code,
            link_problem={"kind": problem, **kept},
            suggest=_text(form, "suggest", 64) or None,
        )

    if not visitor.csrf_ok(form.get(CSRF_FIELD)):
        return again(403, "csrf")
    if not visitor.can_write or visitor.principal is None:
        return again(403, "forbidden")
    version, other_version = _number(form, "version"), _number(form, "other_version")
    if version is None or other_version is None or not other:
        return again(422, "invalid")
    if unlink is None and kept["strength"] not in {strength.value for strength in LinkStrength}:
        return again(422, "invalid")
    if unlink is not None and not kept["reason"]:
        return again(422, "reason")
    try:
        path, target = read_pair(session, code, f'"{version}"', other, other_version)
        if unlink is None:
            note = kept["note"] or None
            link_recommendations(
                session, path, target, visitor.principal, LinkStrength(kept["strength"]), note
            )
        else:
            unlink_recommendations(session, path, target, visitor.principal, kept["reason"])
    except NotFound:
        return again(404, "unknown")
    except (PreconditionFailed, PreconditionRequired):
        return again(409, "stale")
    except Conflict:
        return again(409, "duplicate")
    except Unprocessable:
        return again(422, "same_source")
    return _back(code, form, "unlink" if unlink else "link")


@router.post("/recommendations/{code}/links", response_class=HTMLResponse)
def post_link(code: str, request: Request, session: WriteSessionDep, form: FormDep) -> Response:
    """Link this recommendation to one of another source, if neither changed since the page was read."""
    return _submit(request, session, code, form, None)


@router.post("/recommendations/{code}/links/{other}/unlink", response_class=HTMLResponse)
def post_unlink(code: str, other: str, request: Request, session: WriteSessionDep, form: FormDep) -> Response:
    """Unlink, with a reason, if neither recommendation changed since the page was read."""
    if not plausible_code(other):
        return error_page(request, visitor_from(request, session), 404, *NOT_FOUND, code=other)
    return _submit(request, session, code, form, other)
