"""The application factory."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from app import health
from app.access_log import install_private_access_log
from app.api_docs import install_api_docs
from app.assessments.routes import router as assessments_router
from app.body_limit import BodySizeLimit
from app.config import Settings, get_settings
from app.corrections.routes import router as corrections_router
from app.db import build_engine
from app.errors import install_error_handlers
from app.evidence.routes import router as evidence_router
from app.history.checkpoints import public_key_text
from app.history.log_routes import router as log_router
from app.history.log_task import run_log_upkeep
from app.history.routes import router as history_router
from app.i18n.zone import DisplayZone
from app.imports.routes import IMPORT_PATHS
from app.imports.routes import router as imports_router
from app.keys import checkpoint_signing_key
from app.links.routes import router as links_router
from app.lru import LRUCache
from app.monitors.routes import router as monitors_router
from app.openapi import openapi_document, operation_id
from app.raw_statements import RawStatements
from app.recommendations.routes import router as recommendations_router
from app.render_slots import RenderSlots
from app.reports.routes import router as reports_router
from app.scorecards.routes import router as scorecards_router
from app.scorecards.service import CLAIM_GAP_ENTRIES, SCORECARD_ENTRIES
from app.suggestions.routes import router as suggestions_router
from app.translations.routes import router as translations_router
from app.web.routes import install_web
from app.withdrawals.routes import router as withdrawals_router

# What a dashboard in a browser needs to read: conditional requests, pages, back-off, idempotent replays.
CORS_EXPOSED_HEADERS = ["ETag", "Link", "Location", "Retry-After", "Idempotent-Replayed"]

DESCRIPTION = """
Track whether recommendations made to governments are implemented.

Reads are public unless the instance sets `RECTRACK_PUBLIC_READ=false`; the public never sees restricted
evidence nor who recorded an entry. Errors are `application/problem+json` (RFC 9457).
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app with its engine, routers and error handlers."""
    settings = settings or get_settings()
    engine = build_engine(settings.database_url)

    signing_key = checkpoint_signing_key(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        upkeep = None
        if settings.sequence_interval_seconds > 0:
            upkeep = asyncio.create_task(run_log_upkeep(engine, signing_key, settings))
        yield
        if upkeep is not None:
            upkeep.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await upkeep
        engine.dispose()

    app = FastAPI(
        title="rectrack",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
        # /docs is served from this origin (app/api_docs.py); ReDoc is not served.
        docs_url=None,
        redoc_url=None,
    )
    install_private_access_log(client_addresses=settings.log_client_addresses)
    app.state.settings = settings
    app.state.engine = engine
    app.state.raw_statements = RawStatements(engine)
    app.state.signing_public_key = public_key_text(signing_key.public_key()) if signing_key else None
    # Per app, not per process: each app (and each test's app) has its own database.
    entries = settings.list_total_cache_entries
    app.state.list_totals = LRUCache[int](entries) if entries else None
    pages = settings.list_page_cache_entries
    app.state.list_pages = LRUCache[bytes](pages) if pages else None
    app.state.scorecards = LRUCache(SCORECARD_ENTRIES)
    app.state.claim_gaps = LRUCache(CLAIM_GAP_ENTRIES)
    app.state.render_slots = RenderSlots(settings.document_renders)
    # A proof reads every leaf up to its checkpoint (until the log keeps inner nodes): a few at a time.
    app.state.proof_slots = RenderSlots(
        settings.document_renders,
        "This server is computing as many proofs as it can; ask again in a few seconds.",
    )
    install_error_handlers(app)
    app.openapi = lambda: openapi_document(app)  # type: ignore[method-assign]  # FastAPI's documented hook
    app.include_router(health.router)
    app.include_router(recommendations_router)
    app.include_router(suggestions_router)
    app.include_router(assessments_router)
    app.include_router(evidence_router)
    app.include_router(links_router)
    app.include_router(history_router)
    app.include_router(log_router)
    app.include_router(withdrawals_router)
    app.include_router(corrections_router)
    app.include_router(translations_router)
    app.include_router(imports_router)
    app.include_router(monitors_router)
    app.include_router(scorecards_router)
    app.include_router(reports_router)
    install_api_docs(app)
    install_web(app)
    uploads = {path: settings.import_max_bytes for path in IMPORT_PATHS}
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes, larger=uploads)
    app.add_middleware(DisplayZone, zone=settings.timezone)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=False,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "If-Match", "If-None-Match", "Idempotency-Key"],
            expose_headers=CORS_EXPOSED_HEADERS,
            max_age=600,
        )
    return app
