"""History API: every recommendation's entries in recording order, and chain verification."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.auth import AdminDep, ReaderDep, can_see_restricted
from app.db import SessionDep
from app.errors import problem_responses
from app.history.audit import audit
from app.history.schemas import FeedPage, VerifyReport
from app.history.verify import verify_chains_once
from app.history.views import history_feed
from app.responses import model_response

router = APIRouter(prefix="/api/v1", tags=["history"])


@router.get("/history", response_model=FeedPage)
def get_feed(
    session: SessionDep,
    reader: ReaderDep,
    after: Annotated[int, Query(ge=0, le=2**63 - 1, description="The last entry id you have.")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    """Every recommendation's history in recording order, for incremental sync."""
    items = history_feed(session, after=after, limit=limit, privileged=can_see_restricted(reader))
    return model_response(FeedPage, {"items": items, "next_after": items[-1]["id"] if items else after})


@router.get("/history/verify", response_model=VerifyReport, responses=problem_responses(401, 403, 429))
def get_verify(request: Request, session: SessionDep, _admin: AdminDep) -> dict:
    """Recompute every hash chain and report the root of all chain heads (admin; one at a time per server).

    It reads every entry, so it is for the instance's admin; never cached, since tampering in the database
    does not move the data fingerprint. Outsiders check the record against published roots.
    """
    key = request.app.state.signing_public_key
    return verify_chains_once(session, lambda session: audit(session, instance_key=key))
