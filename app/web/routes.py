"""The pages' router, static files and the redirect to sign in on a private instance."""

from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from app.keys import cookie_secret
from app.web import account, correction_form, edits, imports, link_forms, pages, scorecard_pages
from app.web.render import STATIC
from app.web.session import Signer, SignInRequired

router = APIRouter(include_in_schema=False)
router.include_router(scorecard_pages.router)
router.include_router(pages.router)
router.include_router(account.router)
router.include_router(edits.router)
router.include_router(imports.router)
router.include_router(link_forms.router)
router.include_router(correction_form.router)


def install_web(app: FastAPI) -> None:
    """Add the pages and their stylesheet; the cookie key is read now, so that production fails at start."""
    settings = app.state.settings
    secret = cookie_secret(settings.secret_key, settings.data_dir, production=settings.production)
    app.state.web_signer = Signer(secret)
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, _exc: SignInRequired) -> RedirectResponse:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
