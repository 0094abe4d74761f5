"""HTTP helpers every read route shares: conditional requests (ETag, If-None-Match) and attachments."""

from typing import Any

from fastapi import Request

NOT_MODIFIED: dict[int | str, dict[str, Any]] = {304: {"description": "Not modified (If-None-Match matched)"}}


def cache_headers(etag: str) -> dict[str, str]:
    """Headers of a cacheable read: revalidate each time, and vary by credentials (reads differ by role)."""
    return {"ETag": etag, "Cache-Control": "no-cache", "Vary": "Authorization, Cookie"}


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
