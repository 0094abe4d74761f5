"""Liveness and readiness probes."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.migrate import head_revision

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """Report that the process is up."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "Database unreachable or not migrated"}})
def readyz(request: Request) -> JSONResponse:
    """Report whether the database is reachable and migrated to the expected revision."""
    try:
        with request.app.state.engine.connect() as connection:
            current = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError:
        return JSONResponse({"status": "unavailable", "detail": "database unreachable or not migrated"}, 503)
    expected = head_revision()
    if current != expected:
        return JSONResponse(
            {"status": "unavailable", "detail": f"database at {current}, code expects {expected}"}, 503
        )
    return JSONResponse({"status": "ok", "revision": current})
