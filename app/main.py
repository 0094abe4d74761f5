"""The application factory."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app import health
from app.config import Settings, get_settings
from app.db import build_engine
from app.errors import install_error_handlers
from app.recommendations.routes import router as recommendations_router

DESCRIPTION = """
Track whether recommendations made to governments are implemented.

Reads are public unless the instance sets `RECTRACK_PUBLIC_READ=false`; the public never sees restricted
evidence nor who recorded an entry. Errors are `application/problem+json` (RFC 9457).
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app with its engine, routers and error handlers."""
    settings = settings or get_settings()
    engine = build_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(title="rectrack", version="1.0.0", description=DESCRIPTION, lifespan=lifespan)
    app.state.settings = settings
    app.state.engine = engine
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(recommendations_router)
    return app
