"""Signed session cookies for the pages: who is signed in, and the CSRF secret their forms carry."""

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Response
from sqlmodel import Session
from starlette.datastructures import UploadFile

from app.auth import Principal, principal_for_token_id
from app.db import SessionDep
from app.vocabulary import Role

COOKIE = "rectrack_session"
CSRF_FIELD = "csrf_token"


@dataclass(frozen=True)
class WebSession:
    """What the cookie holds: the API token's id (never the token), a CSRF secret, when it was issued,
    and the monitor's session epoch then (signing out bumps it, which ends every older session)."""

    token_id: int | None
    csrf: str
    issued_at: int
    epoch: int = 0


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    """Signs and checks cookies and CSRF tokens with keys derived from one secret."""

    def __init__(self, secret: str) -> None:
        root = secret.encode()
        # Separate keys per purpose: a valid cookie signature can never pass as a CSRF token.
        self._cookie_key = hmac.new(root, b"rectrack web cookie", hashlib.sha256).digest()
        self._csrf_key = hmac.new(root, b"rectrack web csrf", hashlib.sha256).digest()

    def dumps(self, web_session: WebSession) -> str:
        """The cookie value: payload and signature, both base64url."""
        payload = _b64(
            json.dumps(
                {
                    "t": web_session.token_id,
                    "c": web_session.csrf,
                    "i": web_session.issued_at,
                    "e": web_session.epoch,
                },
                separators=(",", ":"),
            ).encode()
        )
        return f"{payload}.{self._sign(payload)}"

    def loads(self, value: str | None, *, max_age_s: int) -> WebSession | None:
        """The session in a cookie value, or None when it is missing, forged, malformed or expired."""
        if not value or value.count(".") != 1 or len(value) > 512:
            return None
        payload, signature = value.split(".")
        if not hmac.compare_digest(signature, self._sign(payload)):
            return None
        try:
            data = json.loads(_unb64(payload))
            web_session = WebSession(data["t"], str(data["c"]), int(data["i"]), int(data["e"]))
        except (ValueError, KeyError, TypeError):
            return None
        if web_session.token_id is not None and type(web_session.token_id) is not int:
            return None
        if not 0 <= time.time() - web_session.issued_at <= max_age_s:
            return None
        return web_session

    def csrf_token(self, web_session: WebSession) -> str:
        """The token forms carry: derived from the cookie's secret, so only the cookie's holder has it."""
        return _b64(hmac.new(self._csrf_key, web_session.csrf.encode(), hashlib.sha256).digest())

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._cookie_key, payload.encode(), hashlib.sha256).digest())


def signer_for(request: Request) -> Signer:
    """The app's signer, made at start from the cookie secret (`app.keys.cookie_secret`)."""
    signer: Signer = request.app.state.web_signer
    return signer


def new_session(token_id: int | None, epoch: int = 0) -> WebSession:
    """A fresh session with a new CSRF secret (a new one at every sign-in, against session fixation)."""
    return WebSession(token_id, secrets.token_urlsafe(24), int(time.time()), epoch)


@dataclass
class Visitor:
    """Whoever is looking at a page: their cookie session, if any, and the principal it signs in."""

    web_session: WebSession | None
    principal: Principal | None
    csrf_token: str | None

    @property
    def can_write(self) -> bool:
        """True for signed-in monitors and admins."""
        return self.principal is not None and self.principal.has_role(Role.monitor)

    @property
    def privileged(self) -> bool:
        """True when restricted evidence and names may be shown (viewers and up)."""
        return self.principal is not None and self.principal.has_role(Role.viewer)

    def may_correct(self, recorded_by: str) -> bool:
        """True for the monitor who recorded an entry (by its alias) and for admins."""
        if self.principal is None or not self.can_write:
            return False
        return self.principal.has_role(Role.admin) or recorded_by == self.principal.alias

    def csrf_ok(self, submitted: str | UploadFile | None) -> bool:
        """True when the form's CSRF token matches this visitor's cookie (a file field never does)."""
        return isinstance(submitted, str) and bool(
            submitted and self.csrf_token and hmac.compare_digest(submitted, self.csrf_token)
        )


def current_visitor(request: Request, session: SessionDep) -> Visitor:
    """The visitor of a page (a dependency for reads)."""
    return visitor_from(request, session)


def visitor_from(request: Request, session: Session) -> Visitor:
    """Read the session cookie; a reader without one costs no database query at all."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return Visitor(None, None, None)
    signer = signer_for(request)
    web_session = signer.loads(raw, max_age_s=request.app.state.settings.session_hours * 3600)
    if web_session is None:
        return Visitor(None, None, None)
    principal = None
    if web_session.token_id is not None:
        # Checked on every request: a revoked token, a disabled monitor or a sign-out anywhere (a newer
        # epoch) signs the browser out at once.
        found = principal_for_token_id(session, web_session.token_id)
        if found is None or found[1] != web_session.epoch:
            return Visitor(None, None, None)
        principal = found[0]
    return Visitor(web_session, principal, signer.csrf_token(web_session))


def set_session_cookie(request: Request, response: Response, web_session: WebSession) -> None:
    """Send the signed cookie: HttpOnly, SameSite=Strict, Secure over https; gone when the browser closes."""
    response.set_cookie(
        COOKIE,
        signer_for(request).dumps(web_session),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    """Remove the cookie."""
    response.delete_cookie(
        COOKIE, httponly=True, samesite="strict", secure=request.url.scheme == "https", path="/"
    )


VisitorDep = Annotated[Visitor, Depends(current_visitor)]


class SignInRequired(Exception):
    """The instance is not public and the visitor is not signed in."""


def reader_visitor(request: Request, visitor: VisitorDep) -> Visitor:
    """The visitor of a reading page; sends them to sign in when anonymous reads are off."""
    if visitor.principal is None and not request.app.state.settings.public_read:
        raise SignInRequired
    return visitor


ReaderVisitorDep = Annotated[Visitor, Depends(reader_visitor)]
