"""The pages' router, static files and the redirect to sign in on a private instance."""

from collections.abc import Awaitable
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.i18n.translation import N_
from app.keys import cookie_secret
from app.web import (
    about,
    account,
    correction_form,
    edits,
    imports,
    link_forms,
    pages,
    scorecard_pages,
    translation_forms,
)
from app.web.pages import error_page
from app.web.render import STATIC
from app.web.session import Signer, SignInRequired, Visitor

NO_PAGE = (N_("Page not found"), N_("There is no page at this address."))
# Paths whose errors stay problem+json whoever asks: the API and its documentation.
MACHINE_PATHS = ("/api/", "/openapi.json", "/docs", "/static/")

router = APIRouter(include_in_schema=False)
router.include_router(scorecard_pages.router)
router.include_router(pages.router)
router.include_router(account.router)
router.include_router(edits.router)
router.include_router(imports.router)
router.include_router(link_forms.router)
router.include_router(about.router)
router.include_router(correction_form.router)
router.include_router(translation_forms.router)


def install_web(app: FastAPI) -> None:
    """Add the pages and their stylesheet; the cookie key is read now, so that production fails at start."""
    settings = app.state.settings
    secret = cookie_secret(settings.secret_key, settings.data_dir, production=settings.production)
    app.state.web_signer = Signer(secret)
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    install_not_found_page(app)

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, _exc: SignInRequired) -> RedirectResponse:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)


def wants_page(request: Request) -> bool:
    """A browser asking for a page (it prefers HTML), not a client of the API."""
    path = request.url.path
    accept = request.headers.get("accept", "")
    return request.method == "GET" and not path.startswith(MACHINE_PATHS) and "text/html" in accept


def install_not_found_page(app: FastAPI) -> None:
    """A browser that follows a broken link gets a page it can read, in its language, not JSON."""
    problem = app.exception_handlers[StarletteHTTPException]

    @app.exception_handler(StarletteHTTPException)
    async def _not_found(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404 and wants_page(request):
            return error_page(request, Visitor(None, None, None), 404, *NO_PAGE)
        answer = problem(request, exc)
        return await answer if isinstance(answer, Awaitable) else answer
