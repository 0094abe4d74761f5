"""Monitors and tokens over HTTP: who am I, and admin management."""

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from app.auth import AdminDep, ViewerDep
from app.db import SessionDep, WriteSessionDep
from app.errors import problem_responses
from app.idempotency import IdempotencyKey, idempotency_for, idempotent
from app.models import saved_id
from app.monitors import service
from app.monitors.schemas import MeOut, MonitorIn, MonitorOut, NewMonitorOut, NewTokenOut, TokenIn

router = APIRouter(prefix="/api/v1", tags=["monitors"])

MONITOR_ID = Path(ge=1, le=2**31 - 1)


def _created(model: type[BaseModel], body: dict) -> JSONResponse:
    return JSONResponse(model.model_validate(body).model_dump(mode="json"), status_code=201)


def _without_token(content: dict) -> dict:
    # The token is shown once: a replayed response carries everything but the token itself.
    (content["token"] if "monitor" in content else content)["token"] = None
    return content


@router.get("/me", response_model=MeOut, responses=problem_responses(401))
def get_me(session: SessionDep, principal: ViewerDep) -> dict:
    """Show the caller's monitor record and the token in use."""
    return service.me(session, principal)


@router.get("/monitors", response_model=list[MonitorOut], responses=problem_responses(401, 403))
def get_monitors(session: SessionDep, _admin: AdminDep) -> list[dict]:
    """List monitors and their tokens (admin)."""
    return service.list_monitors(session)


@router.post(
    "/monitors",
    status_code=status.HTTP_201_CREATED,
    response_model=NewMonitorOut,
    responses=problem_responses(400, 401, 403, 413, 422),
)
def post_monitor(
    data: MonitorIn,
    request: Request,
    session: WriteSessionDep,
    admin: AdminDep,
    idempotency_key: IdempotencyKey = None,
):
    """Create a monitor and their first token, shown once (admin)."""

    def write() -> JSONResponse:
        monitor = service.create_monitor(session, data.name, data.role)
        token, plain = service.issue_token(session, saved_id(monitor))
        body = {
            "monitor": service.monitor_view(monitor, [token]),
            "token": service.token_view(token) | {"token": plain},
        }
        return _created(NewMonitorOut, body)

    idempotency = idempotency_for(admin, session, idempotency_key, request)
    return idempotent(idempotency, data.model_dump(mode="json"), write, redact=_without_token)


@router.post(
    "/monitors/{monitor_id}/tokens",
    status_code=status.HTTP_201_CREATED,
    response_model=NewTokenOut,
    responses=problem_responses(400, 401, 403, 404, 413, 422),
)
def post_token(
    monitor_id: Annotated[int, MONITOR_ID],
    request: Request,
    session: WriteSessionDep,
    admin: AdminDep,
    data: TokenIn | None = None,
    idempotency_key: IdempotencyKey = None,
):
    """Issue another token for a monitor, shown once (admin)."""
    data = data or TokenIn()

    def write() -> JSONResponse:
        token, plain = service.issue_token(session, monitor_id, data.label)
        return _created(NewTokenOut, service.token_view(token) | {"token": plain})

    idempotency = idempotency_for(admin, session, idempotency_key, request)
    return idempotent(idempotency, data.model_dump(mode="json"), write, redact=_without_token)


@router.delete(
    "/tokens/{token_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404),
)
def delete_token(
    token_id: Annotated[int, MONITOR_ID], session: WriteSessionDep, principal: ViewerDep
) -> Response:
    """Revoke a token (admin, or the token's owner)."""
    service.revoke_token(session, token_id, principal)
    return Response(status_code=204)
