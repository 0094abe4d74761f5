"""Token hashing, the current monitor, role checks and public aliases."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any, NamedTuple

from fastapi import Depends, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Select, bindparam, or_, select, update
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col

from app.db import one_statement_reader, utcnow, write_engine
from app.errors import Forbidden, Unauthorized
from app.models import ApiToken, Monitor
from app.vocabulary import ROLE_RANK, Role

TOKEN_PREFIX = "rt_"
TOKEN_BYTES = 32
LAST_USED_RESOLUTION = timedelta(minutes=1)


def generate_token() -> str:
    """A new random bearer token: 'rt_' and 32 random bytes, URL-safe."""
    return TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """The stored form of a token: SHA-256 hex (tokens are random, so no salt or stretching is needed)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def display_prefix(token: str) -> str:
    """The first characters of a token, stored so admins can tell tokens apart."""
    return token[:10]


@dataclass(frozen=True)
class Principal:
    """Who is calling: the monitor and the token they used."""

    monitor_id: int
    token_id: int
    name: str
    alias: str
    role: Role

    def has_role(self, role: Role) -> bool:
        """True when this principal's role is at least `role`."""
        return ROLE_RANK[self.role] >= ROLE_RANK[role]


class _Found(NamedTuple):
    principal: Principal
    token_hash: str
    last_used_at: datetime | None
    session_epoch: int


_token = ApiToken.__table__.c
_monitor = Monitor.__table__.c
# Plain columns, built once: the two ORM objects this built before were most of a token check's CPU.
_ACTIVE = select(
    _token.id,
    _token.token_hash,
    _token.last_used_at,
    _monitor.id.label("monitor_id"),
    _monitor.name,
    _monitor.alias,
    _monitor.role,
    _monitor.session_epoch,
).select_from(ApiToken.__table__.join(Monitor.__table__, _monitor.id == _token.monitor_id))
_ACTIVE_CONDITIONS = (_token.revoked_at.is_(None), _monitor.disabled_at.is_(None))
_BY_HASH = _ACTIVE.where(_token.token_hash == bindparam("digest"), *_ACTIVE_CONDITIONS)
_BY_ID = _ACTIVE.where(_token.id == bindparam("token_id"), *_ACTIVE_CONDITIONS)


def _active_principal(db: Session | Connection, statement: Select, params: dict[str, Any]) -> _Found | None:
    """The token and monitor that `statement` finds, unless the token is revoked or the monitor disabled."""
    row = db.execute(statement, params).first()
    if row is None:
        return None
    principal = Principal(row.monitor_id, row.id, row.name, row.alias, Role(row.role))
    return _Found(principal, row.token_hash, row.last_used_at, row.session_epoch)


def authenticate(db: Session | Connection, token: str) -> tuple[Principal, datetime | None] | None:
    """The principal for a bearer token and when it was last used, or None when unknown or revoked."""
    digest = hash_token(token)
    found = _active_principal(db, _BY_HASH, {"digest": digest})
    # The lookup is by hash; comparing again in constant time costs nothing and guards the index path.
    if found is None or not hmac.compare_digest(found.token_hash, digest):
        return None
    return found.principal, found.last_used_at


def principal_for_token_id(session: Session, token_id: int) -> tuple[Principal, int] | None:
    """The principal behind a token id (a signed-in browser) and the monitor's session epoch; None when
    the token is revoked or the monitor disabled."""
    found = _active_principal(session, _BY_ID, {"token_id": token_id})
    return (found.principal, found.session_epoch) if found else None


def end_web_sessions(session: Session, monitor_id: int) -> None:
    """End every browser session of a monitor, on every device (flushes, never commits)."""
    session.execute(
        update(Monitor)
        .where(col(Monitor.id) == monitor_id)
        .values(session_epoch=col(Monitor.session_epoch) + 1)
    )


def bearer_token(request: Request) -> str | None:
    """The token from an 'Authorization: Bearer' header, if any."""
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise Unauthorized("Use 'Authorization: Bearer <token>'.")
    return value.strip()


async def optional_principal(request: Request) -> Principal | None:
    """The caller if a valid token was sent; 401 for an invalid one; None for no token."""
    token = bearer_token(request)
    if token is None:
        # Anonymous reads, the common case, need no database and so no hop to the thread pool.
        return None
    return await run_in_threadpool(_principal_for_token, request.app.state.engine, token)


def _principal_for_token(engine: Engine, token: str) -> Principal:
    with one_statement_reader(engine).connect() as connection:
        found = authenticate(connection, token)
    if found is None:
        raise Unauthorized("The token is unknown or revoked.")
    principal, last_used_at = found
    now = utcnow()
    stale_before = now - LAST_USED_RESOLUTION
    # Throttled so that a busy reader does not turn every request into a write.
    if last_used_at is None or last_used_at < stale_before:
        with Session(write_engine(engine)) as session:
            session.execute(
                update(ApiToken)
                .where(col(ApiToken.id) == principal.token_id)
                .where(or_(col(ApiToken.last_used_at).is_(None), col(ApiToken.last_used_at) < stale_before))
                .values(last_used_at=now)
            )
            session.commit()
    return principal


# Declared for the OpenAPI document only (securitySchemes, per-route security); the header is parsed above.
# Two names, so the document can tell routes that need a token from routes that read one if sent.
TOKEN_REQUIRED = HTTPBearer(auto_error=False, scheme_name="bearerAuth")
TOKEN_OPTIONAL = HTTPBearer(auto_error=False, scheme_name="bearerAuthOptional")


async def reader(
    request: Request,
    principal: Annotated[Principal | None, Depends(optional_principal)],
    _declared: Annotated[HTTPAuthorizationCredentials | None, Security(TOKEN_OPTIONAL)],
) -> Principal | None:
    """Anyone may read when public reads are on; otherwise a viewer token is needed."""
    if principal is None and not request.app.state.settings.public_read:
        raise Unauthorized("This instance does not allow anonymous reads.")
    return principal


def require(role: Role):
    """A dependency that admits callers with at least `role`."""

    async def dependency(
        principal: Annotated[Principal | None, Depends(optional_principal)],
        _declared: Annotated[HTTPAuthorizationCredentials | None, Security(TOKEN_REQUIRED)],
    ) -> Principal:
        if principal is None:
            raise Unauthorized("This action needs a token.")
        if not principal.has_role(role):
            raise Forbidden(f"This action needs the {role.value} role.")
        return principal

    return dependency


ReaderDep = Annotated[Principal | None, Depends(reader)]
ViewerDep = Annotated[Principal, Depends(require(Role.viewer))]
MonitorDep = Annotated[Principal, Depends(require(Role.monitor))]
AdminDep = Annotated[Principal, Depends(require(Role.admin))]


def can_see_restricted(principal: Principal | None) -> bool:
    """Restricted evidence and names are for viewers and above."""
    return principal is not None and principal.has_role(Role.viewer)
