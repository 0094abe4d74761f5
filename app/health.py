"""Liveness and readiness probes."""

from functools import lru_cache
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

import migrations

router = APIRouter(tags=["health"])


def alembic_config(database_url: str | None = None) -> Config:
    """An Alembic configuration that finds the migrations wherever the package is installed."""
    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    if database_url:
        config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


@lru_cache
def head_revision() -> str | None:
    """The newest migration this code expects."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


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
