"""Rendering pages: the Jinja2 environment, per-request language, and the headers every page carries."""

import hashlib
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from app.vocabulary import Status
from app.web.session import CSRF_FIELD, Visitor
from app.web.strings import pick_language, translator

TEMPLATES = Path(__file__).parent / "templates"
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


def _iso_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    return value.date().isoformat() if isinstance(value, datetime) else value.isoformat()


def _timestamp(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{round(value * 100)}%"


def _shorten(text: str, length: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rsplit(" ", 1)[0] + "…"


environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html", "svg"], default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.filters.update(iso_date=_iso_date, timestamp=_timestamp, percent=_percent, shorten=_shorten)
environment.globals.update(STATUSES=list(Status), CSRF_FIELD=CSRF_FIELD, STYLE_URL=STYLE_URL)


def render(
    request: Request, visitor: Visitor, template: str, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """Render a template in the visitor's language, with security and caching headers."""
    language = pick_language(request.headers.get("accept-language"))
    html = environment.get_template(template).render(
        request=request, visitor=visitor, t=translator(language), lang=language, **context
    )
    response = HTMLResponse(html, status_code=status_code)
    response.headers.update(SECURITY_HEADERS)
    # A page with a CSRF token or a signed-in view must never sit in a shared cache.
    response.headers["Cache-Control"] = "private, no-store" if visitor.web_session else "no-cache"
    response.headers["Vary"] = "Cookie, Accept-Language"
    return response
