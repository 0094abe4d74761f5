"""The floor of the HTTP measurements: bare FastAPI endpoints returning a 1 KB JSON body, no database."""

from typing import Any

from fastapi import FastAPI

BODY: dict[str, Any] = {
    "items": [
        {"code": f"synth-001-2.{n}", "status": "partially_implemented", "version": n} for n in range(14)
    ],
}


def create_app() -> FastAPI:
    """A FastAPI app with async and sync GETs and an async POST, each answering with BODY."""
    app = FastAPI(title="bare")

    @app.get("/readyz")
    async def readyz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/bare")
    async def bare() -> dict[str, Any]:
        return BODY

    @app.get("/bare-sync")
    def bare_sync() -> dict[str, Any]:
        return BODY

    @app.post("/bare", status_code=201)
    async def bare_post(body: dict[str, Any]) -> dict[str, Any]:
        return BODY

    return app
