"""HTTP helpers every read route shares: conditional requests (ETag), attachments, a document's language."""

from typing import Annotated, Any, Literal

from fastapi import Query, Request

from app.i18n.translation import choose_locale

NOT_MODIFIED: dict[int | str, dict[str, Any]] = {304: {"description": "Not modified (If-None-Match matched)"}}


def cache_headers(etag: str) -> dict[str, str]:
    """Headers of a cacheable read: revalidate each time, and vary by credentials (reads differ by role)."""
    return {"ETag": etag, "Cache-Control": "no-cache", "Vary": "Authorization, Cookie"}


# The languages a document may be asked for (`?lang=`); others are refused with 422.
DocumentLanguage = Literal["en", "ru", "kk"]
LanguageQuery = Annotated[
    DocumentLanguage | None,
    Query(description="The document's language; without it, Accept-Language, then the instance's default."),
]


def document_language(request: Request, lang: str | None) -> str:
    """The language a document is written in: `?lang=`, then Accept-Language, then the instance's default."""
    return choose_locale(
        lang, request.headers.get("accept-language"), request.app.state.settings.default_language
    )


def document_cache_headers(etag: str) -> dict[str, str]:
    """`cache_headers` of a document whose language follows Accept-Language (the language is in the ETag)."""
    headers = cache_headers(etag)
    headers["Vary"] += ", Accept-Language"
    return headers


def not_modified(request: Request, etag: str) -> bool:
    """True when If-None-Match names this ETag or is `*` (weak comparison, as RFC 9110 asks for GET)."""
    header = request.headers.get("if-none-match")
    if not header:
        return False
    if header.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == wanted for tag in header.split(","))


def attachment(filename: str) -> dict[str, str]:
    """A Content-Disposition header that makes browsers save the response as a file."""
    return {"Content-Disposition": f'attachment; filename="{filename}"'}
