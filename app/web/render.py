"""Rendering pages: per-request language, and the headers every page carries."""

import hashlib
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from app.i18n.formatting import set_display_zone
from app.i18n.translation import negotiate_locale, set_locale
from app.templating import environment
from app.web.session import CSRF_FIELD, Visitor

STATIC = Path(__file__).parent / "static"
# The stylesheet's URL changes with its content, so browsers may cache it for long.
STYLE_URL = "/static/style.css?v=" + hashlib.sha256((STATIC / "style.css").read_bytes()).hexdigest()[:12]

SECURITY_HEADERS = {
    # No scripts at all; styles only from our stylesheet; forms post only to us.
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    # Following an evidence link must not tell its site which page a monitor was on.
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


# Pages only: reports never carry forms or the site's stylesheet.
environment.globals.update(CSRF_FIELD=CSRF_FIELD, STYLE_URL=STYLE_URL)


def page_locale(request: Request) -> str:
    """Negotiate the visitor's language and translate into it, times in the instance's zone, for this request.

    `render` calls it; a page route that builds text before rendering calls it first.
    """
    set_display_zone(request.app.state.settings.timezone)
    return set_locale(negotiate_locale(request.headers.get("accept-language")))


def render(
    request: Request, visitor: Visitor, template: str, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """Render a template in the visitor's language, with security and caching headers."""
    language = page_locale(request)
    html = environment.get_template(template).render(
        request=request,
        visitor=visitor,
        lang=language,
        **context,
    )
    response = HTMLResponse(html, status_code=status_code)
    response.headers.update(SECURITY_HEADERS)
    # A page with a CSRF token or a signed-in view must never sit in a shared cache.
    response.headers["Cache-Control"] = "private, no-store" if visitor.web_session else "no-cache"
    response.headers["Vary"] = "Cookie, Accept-Language"
    return response
