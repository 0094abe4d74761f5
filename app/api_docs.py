"""The API documentation at /docs: Swagger UI served from this origin, under a policy of its own.

FastAPI's own /docs loads Swagger UI from a CDN with no integrity check, on the origin of the monitors' pages:
a compromised CDN could have read their CSRF tokens, and every visit told a third party who was reading. The
files come from the pinned `fastapi-offline` package instead; the page's one inline script is allowed by the
hash of its exact text. ReDoc is not served: it needs inline styles.
"""

import base64
import hashlib
import re
from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

from app.errors import NotFound

ASSETS_DIR = Path(fastapi_offline.__file__).parent / "static"
ASSETS_URL = "/docs/static"
# Only these files of the package are served, each with its media type.
MEDIA_TYPES = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon.png": "image/png",
}
# A file's URL changes with its content, so browsers may cache it for long.
ASSET_URLS = {
    name: f"{ASSETS_URL}/{name}?v=" + hashlib.sha256((ASSETS_DIR / name).read_bytes()).hexdigest()[:12]
    for name in MEDIA_TYPES
}
INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
NO_SNIFF = {"X-Content-Type-Options": "nosniff"}


def script_hash(script: str) -> str:
    """The CSP source that allows one inline script with exactly this text."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"


def docs_page(openapi_url: str) -> tuple[str, dict[str, str]]:
    """Swagger UI's HTML and the headers it is served with."""
    response = get_swagger_ui_html(
        openapi_url=openapi_url,
        title="rectrack API",
        swagger_js_url=ASSET_URLS["swagger-ui-bundle.js"],
        swagger_css_url=ASSET_URLS["swagger-ui.css"],
        swagger_favicon_url=ASSET_URLS["favicon.png"],
        # operationIds name the generated clients' functions. No validator badge: it would send the schema's
        # address to validator.swagger.io. Tokens are kept in memory only (no persistAuthorization).
        swagger_ui_parameters={"displayOperationId": True, "validatorUrl": None},
    )
    html = bytes(response.body).decode()
    allowed = " ".join(script_hash(script) for script in INLINE_SCRIPT.findall(html))
    policy = (
        f"default-src 'none'; script-src 'self' {allowed}; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
    )
    headers = {
        "Content-Security-Policy": policy,
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-cache",
        **NO_SNIFF,
    }
    return html, headers


def install_api_docs(app: FastAPI) -> None:
    """Serve /docs and its files (the app is created with docs_url=None and redoc_url=None)."""
    assert app.openapi_url is not None
    html, headers = docs_page(app.openapi_url)
    router = APIRouter(include_in_schema=False)

    @router.get("/docs")
    def docs() -> HTMLResponse:
        return HTMLResponse(html, headers=headers)

    @router.get(ASSETS_URL + "/{name}")
    def docs_asset(name: str) -> FileResponse:
        if name not in MEDIA_TYPES:
            raise NotFound(f"No documentation file is called {name!r}.")
        cache = {"Cache-Control": "public, max-age=31536000, immutable"}
        return FileResponse(ASSETS_DIR / name, media_type=MEDIA_TYPES[name], headers=cache | NO_SNIFF)

    app.include_router(router)
