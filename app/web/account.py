"""Signing in with an API token, once, in exchange for a session cookie; signing out."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.auth import authenticate, end_web_sessions, principal_for_token_id
from app.db import SessionDep, WriteSessionDep
from app.i18n.translation import N_
from app.web.forms import FormDep
from app.web.render import render
from app.web.session import (
    CSRF_FIELD,
    Visitor,
    clear_session_cookie,
    new_session,
    set_session_cookie,
    signer_for,
    visitor_from,
)

router = APIRouter()

MAX_TOKEN_LENGTH = 200
LOGIN_FAILED = N_("This token is unknown or has been revoked.")
FORM_REFUSED = N_(
    "The form was not sent from this site, or your session has expired. Nothing was changed: "
    "please try again."
)


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site only, never another host."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")) or len(target) > 500:
        return "/"
    return target


def _login_page(
    request: Request, visitor: Visitor, *, next_path: str, status_code: int = 200, message: str | None = None
) -> Response:
    """The sign-in form; a visitor without a cookie gets one holding just a CSRF secret."""
    fresh = None
    if visitor.web_session is None:
        fresh = new_session(None)
        visitor = Visitor(fresh, None, signer_for(request).csrf_token(fresh))
    response = render(
        request,
        visitor,
        "login.html",
        status_code=status_code,
        nav="login",
        next=safe_next(next_path),
        message=message,
    )
    if fresh is not None:
        set_session_cookie(request, response, fresh)
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, session: SessionDep, next: str = "/"):
    """The sign-in page: paste a token."""
    return _login_page(request, visitor_from(request, session), next_path=next)


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, session: SessionDep, form: FormDep):
    """Exchange a token for a signed session cookie; the token itself never reaches the cookie."""
    visitor = visitor_from(request, session)
    given_next = form.get("next")
    next_path = given_next if isinstance(given_next, str) else "/"
    if not visitor.csrf_ok(form.get(CSRF_FIELD)):
        # Start over with a fresh cookie, so that the next attempt from this page works.
        stale = Visitor(None, None, None)
        return _login_page(request, stale, next_path=next_path, status_code=403, message=FORM_REFUSED)
    token = form.get("token")
    found = None
    if isinstance(token, str) and 0 < len(token.strip()) <= MAX_TOKEN_LENGTH:
        found = authenticate(session, token.strip())
    if found is None:
        return _login_page(request, visitor, next_path=next_path, status_code=401, message=LOGIN_FAILED)
    principal, _last_used_at = found
    signed_in = principal_for_token_id(session, principal.token_id)
    if signed_in is None:  # revoked in the meantime
        return _login_page(request, visitor, next_path=next_path, status_code=401, message="login.failed")
    response = RedirectResponse(safe_next(next_path), status_code=303)
    set_session_cookie(request, response, new_session(principal.token_id, epoch=signed_in[1]))
    return response


@router.get("/logout", response_class=HTMLResponse)
def logout_form(request: Request, session: SessionDep):
    """A page with the sign-out button (signing out is a POST, like every change)."""
    return render(request, visitor_from(request, session), "logout.html", nav="logout")


@router.post("/logout", response_class=HTMLResponse)
def logout(request: Request, session: WriteSessionDep, form: FormDep):
    """End this monitor's browser sessions on every device (the API token stays valid for its other uses)."""
    visitor = visitor_from(request, session)
    if visitor.web_session is not None and not visitor.csrf_ok(form.get(CSRF_FIELD)):
        return render(
            request,
            visitor,
            "error.html",
            status_code=403,
            nav="",
            title=N_("This form could not be accepted"),
            body=FORM_REFUSED,
            params={},
        )
    if visitor.principal is not None:
        # A copied or stolen cookie must not outlive the sign-out: every older session is refused.
        end_web_sessions(session, visitor.principal.monitor_id)
    response = RedirectResponse("/", status_code=303)
    clear_session_cookie(request, response)
    return response
