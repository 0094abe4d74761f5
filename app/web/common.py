"""Helpers shared by the page routes: the reader guard, error pages and the recommendation page."""

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from app.errors import NotFound
from app.history.views import recommendation_history
from app.inputs import latest_date_on_earth
from app.recommendations import service
from app.vocabulary import EvidenceKind, Perspective, Relation, Visibility
from app.web.forms import FormState, blank_assessment, blank_evidence
from app.web.render import render
from app.web.session import Visitor, VisitorDep

MAX_CODE_LENGTH = 96


class SignInRequired(Exception):
    """The instance is not public and the visitor is not signed in."""


def reader_visitor(request: Request, visitor: VisitorDep) -> Visitor:
    """The visitor of a reading page; sends them to sign in when anonymous reads are off."""
    if visitor.principal is None and not request.app.state.settings.public_read:
        raise SignInRequired
    return visitor


ReaderVisitorDep = Annotated[Visitor, Depends(reader_visitor)]


def plausible_code(code: str) -> bool:
    """False for a code no recommendation can have (and PostgreSQL could not even compare: NUL)."""
    return len(code) <= MAX_CODE_LENGTH and "\x00" not in code


def error_page(
    request: Request, visitor: Visitor, status_code: int, title: str, body: str, **params: Any
) -> HTMLResponse:
    """A page explaining an error, with the given status."""
    return render(
        request, visitor, "error.html", status_code=status_code, title=title, body=body, params=params, nav=""
    )


def recommendation_page(
    request: Request,
    session: Session,
    visitor: Visitor,
    code: str,
    *,
    status_code: int = 200,
    assessment: FormState | None = None,
    evidence: FormState | None = None,
    alert: dict[str, Any] | None = None,
    saved: str | None = None,
    changes_after: int | None = None,
) -> HTMLResponse:
    """The recommendation page, optionally with a form kept as submitted and an alert about it."""
    if not plausible_code(code):
        return error_page(request, visitor, 404, "notfound.title", "notfound.recommendation", code=code)
    try:
        detail, version = service.recommendation_detail(session, code, include_restricted=visitor.privileged)
    except NotFound:
        return error_page(request, visitor, 404, "notfound.title", "notfound.recommendation", code=code)
    recommendation, _, _ = service.get_recommendation(session, code)
    history = recommendation_history(session, recommendation, privileged=visitor.privileged)
    if alert is not None and changes_after is not None:
        alert["changes"] = [item for item in history if item["seq"] > changes_after]
    return render(
        request,
        visitor,
        "recommendation.html",
        status_code=status_code,
        nav="list",
        rec=detail,
        version=version,
        seen=history[-1]["seq"] if history else 0,
        history=list(reversed(history)),
        evidence_by_id={item["id"]: item for item in detail["evidence"]},
        assessment=assessment or blank_assessment(),
        evidence_form=evidence or blank_evidence(),
        alert=alert,
        saved=saved if saved in ("assessment", "evidence") else None,
        today=latest_date_on_earth().isoformat(),
        perspectives=list(Perspective),
        relations=list(Relation),
        kinds=list(EvidenceKind),
        visibilities=list(Visibility),
    )
