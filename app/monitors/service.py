"""Monitors and their API tokens."""

import uuid
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session, col

from app.auth import Principal, display_prefix, end_web_sessions, generate_token, hash_token
from app.db import utcnow
from app.errors import NotFound
from app.models import ApiToken, Monitor, derived_alias, saved_id
from app.vocabulary import Role


def create_monitor(session: Session, name: str, role: Role) -> Monitor:
    """Add a monitor; their public alias is 'Monitor <id>'."""
    monitor = Monitor(name=name, role=role, alias=f"pending-{uuid.uuid4().hex}")
    session.add(monitor)
    session.flush()
    monitor.alias = derived_alias(saved_id(monitor)) or ""
    session.flush()
    return monitor


def issue_token(session: Session, monitor_id: int, label: str | None = None) -> tuple[ApiToken, str]:
    """A new token for the monitor; the plain token is returned once and never stored."""
    if session.get(Monitor, monitor_id) is None:
        raise NotFound(f"No monitor has the id {monitor_id}.")
    plain = generate_token()
    token = ApiToken(
        monitor_id=monitor_id, prefix=display_prefix(plain), token_hash=hash_token(plain), label=label
    )
    session.add(token)
    session.flush()
    return token, plain


def revoke_token(session: Session, token_id: int, by: Principal | None) -> ApiToken:
    """Revoke a token: admins may revoke any, others only their own (`by=None` is the local CLI)."""
    token = session.get(ApiToken, token_id)
    # Another's token answers as a missing one does, so token ids cannot be probed.
    if token is None or (
        by is not None and not by.has_role(Role.admin) and token.monitor_id != by.monitor_id
    ):
        raise NotFound(f"No token has the id {token_id}.")
    if token.revoked_at is None:
        session.execute(
            update(ApiToken)
            .where(col(ApiToken.id) == token_id, col(ApiToken.revoked_at).is_(None))
            .values(revoked_at=utcnow())
        )
        end_web_sessions(session, token.monitor_id)
        session.refresh(token)
    return token


def token_view(token: ApiToken) -> dict[str, Any]:
    """A token as shown to its owner and admins: never its value or hash."""
    return {
        "id": token.id,
        "prefix": token.prefix,
        "label": token.label,
        "created_at": token.created_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
    }


def monitor_view(monitor: Monitor, tokens: list[ApiToken]) -> dict[str, Any]:
    """A monitor as shown to admins."""
    return {
        "id": monitor.id,
        "name": monitor.name,
        "alias": monitor.alias,
        "role": monitor.role,
        "created_at": monitor.created_at,
        "tokens": [token_view(token) for token in tokens],
    }


def list_monitors(session: Session) -> list[dict[str, Any]]:
    """Every monitor with their tokens, in two queries."""
    tokens: dict[int, list[ApiToken]] = {}
    for token in session.scalars(select(ApiToken).order_by(col(ApiToken.id))):
        tokens.setdefault(token.monitor_id, []).append(token)
    return [
        monitor_view(monitor, tokens.get(saved_id(monitor), []))
        for monitor in session.scalars(select(Monitor).order_by(col(Monitor.id)))
    ]


def me(session: Session, principal: Principal) -> dict[str, Any]:
    """The caller's own monitor record and the token in use."""
    monitor = session.get_one(Monitor, principal.monitor_id)
    token = session.get_one(ApiToken, principal.token_id)
    return {**monitor_view(monitor, []), "tokens": None, "token": token_view(token)}
