"""Rendering pages: per-request language, and the headers every page carries."""

import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse

from app.i18n.formatting import set_display_zone
from app.i18n.translation import available_locales, choose_locale, set_locale
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


# The visitor's explicit choice of language, remembered for a year; it says nothing about who they are.
LANGUAGE_COOKIE = "rectrack_lang"
LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600
# Each language named in itself, so a visitor finds theirs whatever the page's language.
LANGUAGE_NAMES = {"en": "English", "ru": "Русский", "kk": "Қазақша"}

# Pages only: reports never carry forms or the site's stylesheet.
environment.globals.update(CSRF_FIELD=CSRF_FIELD, STYLE_URL=STYLE_URL)


def chosen_language(request: Request) -> str | None:
    """The language the visitor chose: `?lang=` on this request, else the remembered cookie; else None."""
    for choice in (request.query_params.get("lang"), request.cookies.get(LANGUAGE_COOKIE)):
        if choice and choice in available_locales():
            return choice
    return None


def page_locale(request: Request) -> str:
    """Choose the visitor's language and translate into it, times in the instance's zone, for this request.

    The order: the visitor's choice (`?lang=`, the cookie), then Accept-Language, then the instance default.
    `render` calls it; a page route that builds text before rendering calls it first.
    """
    settings = request.app.state.settings
    set_display_zone(settings.timezone)
    language = choose_locale(
        chosen_language(request), request.headers.get("accept-language"), settings.default_language
    )
    return set_locale(language)


def language_links(request: Request, current: str) -> list[dict[str, Any]]:
    """The switcher's links: this page, its filters kept, in each language with a catalogue."""
    kept = [(key, value) for key, value in request.query_params.multi_items() if key != "lang"]
    known = list(LANGUAGE_NAMES)
    ordered = sorted(
        available_locales(), key=lambda code: (known.index(code) if code in known else len(known), code)
    )
    return [
        {
            "code": code,
            "name": LANGUAGE_NAMES.get(code, code),
            "href": request.url.path + "?" + urlencode([*kept, ("lang", code)]),
            "current": code == current,
        }
        for code in ordered
    ]


def render(
    request: Request, visitor: Visitor, template: str, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """Render a template in the visitor's language, with security and caching headers."""
    language = page_locale(request)
    html = environment.get_template(template).render(
        request=request,
        visitor=visitor,
        lang=language,
        languages=language_links(request, language),
        **context,
    )
    response = HTMLResponse(html, status_code=status_code)
    asked = request.query_params.get("lang")
    if asked and asked == language and request.cookies.get(LANGUAGE_COOKIE) != asked:
        # Not HttpOnly-sensitive (no secret in it), but no script needs it either.
        response.set_cookie(
            LANGUAGE_COOKIE, asked, max_age=LANGUAGE_COOKIE_SECONDS, samesite="lax", httponly=True, path="/"
        )
    response.headers.update(SECURITY_HEADERS)
    # A page with a CSRF token or a signed-in view must never sit in a shared cache.
    response.headers["Cache-Control"] = "private, no-store" if visitor.web_session else "no-cache"
    response.headers["Vary"] = "Cookie, Accept-Language"
    return response
