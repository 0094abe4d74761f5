"""Idempotency-Key: a retried POST gets the first response back and writes nothing."""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Header, Request
from fastapi.responses import Response
from sqlalchemy import bindparam, delete, insert, select, text
from sqlmodel import Session

from app.auth import Principal
from app.db import commit_write, inserted_id, is_postgres, utcnow
from app.errors import IdempotencyKeyReused
from app.history.chain import canonical_json
from app.models import IdempotencyRecord

RETENTION = timedelta(hours=48)  # promised: at least 24 hours
REPLAYED_HEADER = "Idempotent-Replayed"
# Expired responses are forgotten by one write in this many (the lookup never returns them anyway): a DELETE
# on every keyed write was a statement each, and on SQLite it took the write lock before the write's read.
FORGET_EVERY = 50

_record = IdempotencyRecord.__table__.c
# Built once: plain columns and a Core insert, no model object per request.
_LOOKUP = select(
    _record.id,
    _record.created_at,
    _record.request_fingerprint,
    _record.status_code,
    _record.headers,
    _record.body,
).where(_record.monitor_id == bindparam("monitor_id"), _record.key == bindparam("key"))
_RECORD = insert(IdempotencyRecord.__table__)
_FORGET = delete(IdempotencyRecord.__table__).where(_record.created_at < bindparam("before"))
_FORGET_ONE = delete(IdempotencyRecord.__table__).where(_record.id == bindparam("id"))


@dataclass
class Idempotency:
    """The Idempotency-Key of one request, scoped to the calling monitor (whichever token they use)."""

    session: Session
    monitor_id: int
    token_id: int
    key: str | None
    scope: str
    fingerprint: str | None = None

    def replay(self, body: Any) -> Response | None:
        """The stored response when this key was used before with the same request; 422 if with another."""
        if self.key is None:
            return None
        self.fingerprint = hashlib.sha256(canonical_json([self.scope, body]).encode()).hexdigest()
        self._serialise_same_key()
        found = self.session.execute(_LOOKUP, {"monitor_id": self.monitor_id, "key": self.key}).first()
        if found is None:
            return None
        if found.created_at < utcnow() - RETENTION:
            # Expired and not yet forgotten: the key is free again, and its new record needs the place.
            self.session.execute(_FORGET_ONE, {"id": found.id})
            return None
        if found.request_fingerprint != self.fingerprint:
            raise IdempotencyKeyReused(
                "This Idempotency-Key was already used with a different request: use a new key for it."
            )
        headers = json.loads(found.headers) | {REPLAYED_HEADER: "true"}
        return Response(
            found.body, status_code=found.status_code, headers=headers, media_type="application/json"
        )

    def remember(self, response: Response, *, stored_body: Any = None) -> Response:
        """Keep the response for retries (`stored_body` replaces secrets that must not be stored)."""
        if self.key is None:
            return response
        if self.fingerprint is None:  # replay() sets it, and idempotent() always calls replay() first
            raise RuntimeError("Idempotency.remember() was called before replay()")
        body = bytes(response.body).decode() if stored_body is None else json.dumps(stored_body, default=str)
        headers = {
            name: value for name, value in response.headers.items() if name.lower() in {"etag", "location"}
        }
        values = {
            "monitor_id": self.monitor_id,
            "token_id": self.token_id,
            "key": self.key,
            "request_fingerprint": self.fingerprint,
            "status_code": response.status_code,
            "headers": json.dumps(headers),
            "body": body,
            "created_at": utcnow(),
        }
        record_id = inserted_id(self.session.connection().execute(_RECORD, values))
        if record_id % FORGET_EVERY == 0:
            self.session.execute(_FORGET, {"before": utcnow() - RETENTION})
        return response

    def _serialise_same_key(self) -> None:
        # Two concurrent requests with one key must not both run: on PostgreSQL the second waits here
        # until the first commits, then finds its record. SQLite writers are serialised already.
        if is_postgres(self.session):
            digest = hashlib.sha256(f"{self.monitor_id}:{self.key}".encode()).digest()
            lock_id = int.from_bytes(digest[:8], "big", signed=True)
            self.session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": lock_id})


def idempotent(
    idempotency: Idempotency,
    request_body: Any,
    write: Callable[[], Response],
    *,
    redact: Callable[[Any], Any] | None = None,
) -> Response:
    """Replay the first response to a retried request; else write, keep the response for retries, commit.

    `redact` turns the response body into what may be stored (a new token is shown once, never replayed).
    """
    if replay := idempotency.replay(request_body):
        return replay
    response = write()
    stored = None if redact is None else redact(json.loads(bytes(response.body)))
    idempotency.remember(response, stored_body=stored)
    commit_write(idempotency.session)
    return response


def idempotency_for(principal: Principal, session: Session, key: str | None, request: Request) -> Idempotency:
    """Build the request's idempotency scope."""
    return Idempotency(
        session, principal.monitor_id, principal.token_id, key, f"{request.method} {request.url.path}"
    )


IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description="Retry-safe POSTs: the same key and body return the first response and write nothing.",
    ),
]
