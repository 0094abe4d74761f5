"""Links API: link and unlink two recommendations under If-Match and the other's version; list the links."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from app.auth import MonitorDep, ReaderDep
from app.db import SessionDep, WriteSessionDep
from app.errors import problem_responses
from app.idempotency import IdempotencyKey, idempotency_for, idempotent
from app.links import service
from app.links.schemas import (
    LinkFilters,
    LinkIn,
    LinkPage,
    RecommendationsLinked,
    RecommendationsUnlinked,
    UnlinkIn,
)
from app.recommendations.etag import etag_for
from app.recommendations.schemas import CODE_PATH
from app.recommendations.write_protocol import WriteTarget
from app.recommendations.write_responses import WRITE_ERRORS, IfMatch, version_view
from app.responses import model_response

router = APIRouter(prefix="/api/v1", tags=["links"])
OTHER_PATH = Path(description="The other recommendation's code.", max_length=96, examples=["upr-kz-s20-1.12"])


@router.post(
    "/recommendations/{code}/links",
    status_code=status.HTTP_201_CREATED,
    response_model=RecommendationsLinked,
    responses=WRITE_ERRORS,
)
def post_link(
    code: Annotated[str, CODE_PATH],
    data: LinkIn,
    request: Request,
    session: WriteSessionDep,
    principal: MonitorDep,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Link a recommendation to one of another source: If-Match for this one, `other_version` for that."""

    def write() -> JSONResponse:
        path, other = service.read_pair(session, code, if_match, data.other, data.other_version)
        link = service.link_recommendations(session, path, other, principal, data.strength, data.note)
        body = {
            "link": {
                "id": link.id,
                "recommendation": path.code,
                "other": other.code,
                "strength": link.strength,
                "note": link.note,
                "linked_at": link.linked_at,
            }
        }
        return _written(RecommendationsLinked, path, other, body, status.HTTP_201_CREATED)

    idempotency = idempotency_for(principal, session, idempotency_key, request)
    return idempotent(idempotency, data.model_dump(mode="json"), write)


@router.delete(
    "/recommendations/{code}/links/{other}",
    response_model=RecommendationsUnlinked,
    responses=WRITE_ERRORS,
)
def delete_link(
    code: Annotated[str, CODE_PATH],
    other: Annotated[str, OTHER_PATH],
    data: UnlinkIn,
    session: WriteSessionDep,
    principal: MonitorDep,
    if_match: IfMatch = None,
) -> Response:
    """End the link between two recommendations with a reason; both histories keep who, when and why."""
    path, target = service.read_pair(session, code, if_match, other, data.other_version)
    service.unlink_recommendations(session, path, target, principal, data.reason)
    return _written(RecommendationsUnlinked, path, target, {}, status.HTTP_200_OK)


@router.get("/links", response_model=LinkPage, responses=problem_responses(400))
def list_links(
    session: SessionDep,
    _reader: ReaderDep,
    filters: Annotated[LinkFilters, Query()],
    limit: Annotated[int, Query(ge=1, le=500, description="Page size.")] = 50,
    cursor: Annotated[str | None, Query(max_length=200, description="From `next_cursor`.")] = None,
) -> Response:
    """List the active links between recommendations, by the sources of their ends and strength."""
    items, total, next_cursor = service.list_links(session, filters, limit=limit, cursor=cursor)
    return model_response(LinkPage, {"items": items, "total": total, "next_cursor": next_cursor})


def _written(
    model: type[BaseModel], path: WriteTarget, other: WriteTarget, body: dict[str, Any], status_code: int
) -> JSONResponse:
    """Both recommendations' new versions; the ETag header is the path one's, as every write gives it."""
    body = body | {"recommendation": version_view(path), "other": version_view(other)}
    content = model.model_validate(body).model_dump(mode="json")
    return JSONResponse(content, status_code=status_code, headers={"ETag": etag_for(path.version)})
