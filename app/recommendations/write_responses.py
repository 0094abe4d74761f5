"""What every write route to a recommendation shares: the If-Match header, its errors and its response."""

from typing import Annotated, Any

from fastapi import Header
from fastapi.responses import Response
from pydantic import BaseModel
from sqlmodel import Session

from app.auth import Principal
from app.errors import problem_responses
from app.history.service import NewEntry
from app.history.views import entry_views
from app.models import HistoryEntry
from app.recommendations.etag import etag_for
from app.recommendations.write_protocol import WriteTarget

IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        max_length=200,
        description="The ETag from your last read; required.",
        examples=['"1"'],
    ),
]
WRITE_ERRORS = problem_responses(400, 401, 403, 404, 409, 412, 413, 422, 428)


def written_response(
    session: Session,
    model: type[BaseModel],
    target: WriteTarget,
    entry: HistoryEntry | NewEntry,
    body: dict[str, Any],
    status_code: int = 201,
    *,
    by: Principal,
) -> Response:
    """The write's response, serialised by its response model, with the entry and the new ETag.

    The writer's alias and name come from `by` (read with the token): no query while the write holds
    its locks.
    """
    known = {by.monitor_id: (by.alias, by.name)}
    body = body | {
        "entry": entry_views(session, [(entry, target.code)], privileged=True, known=known)[0],
        "recommendation": version_view(target),
    }
    # Validated and written to JSON by pydantic-core in one pass (not to a dict, then json.dumps).
    content = model.model_validate(body).model_dump_json()
    return Response(
        content,
        status_code=status_code,
        headers={"ETag": etag_for(target.version)},
        media_type="application/json",
    )


def version_view(target: WriteTarget) -> dict[str, Any]:
    """Where a recommendation stands after a write (RecommendationVersion)."""
    return {
        "code": target.code,
        "version": target.version,
        "etag": etag_for(target.version),
        "status": target.status,
        "claimed_status": target.claimed_status,
    }
