"""Domain errors and their rendering as application/problem+json (RFC 9457)."""

import logging
import re
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("rectrack")


class ValidationIssue(BaseModel):
    """One invalid or unknown field."""

    loc: list[str | int]
    msg: str
    type: str


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    type: str = Field(examples=["urn:rectrack:problem:not-found"])
    title: str = Field(examples=["Not found"])
    status: int = Field(examples=[404])
    detail: str = Field(examples=["No recommendation has the code 'odf-kz-2015-9.9'."])
    errors: list[ValidationIssue] | None = Field(default=None, description="Present for validation failures.")


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries documenting problem+json bodies for the given statuses."""
    schema = {"$ref": "#/components/schemas/Problem"}
    return {
        status: {
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": schema}},
        }
        for status in statuses
    }


class ProblemError(Exception):
    """An error the client can act on; rendered as problem+json with its status."""

    status = 400
    slug = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str, *, headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra


class BadRequest(ProblemError):
    """The request is malformed in a way validation could not catch earlier."""


class NotFound(ProblemError):
    """The addressed resource does not exist."""

    status, slug, title = 404, "not-found", "Not found"


class Unauthorized(ProblemError):
    """No valid credentials were given."""

    status, slug, title = 401, "unauthorized", "Authentication required"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer realm="rectrack"'})


class Forbidden(ProblemError):
    """The credentials are valid but the role is too weak."""

    status, slug, title = 403, "forbidden", "Not allowed"


class PreconditionRequired(ProblemError):
    """A write came without If-Match."""

    status, slug, title = 428, "precondition-required", "If-Match required"


class PreconditionFailed(ProblemError):
    """A write's If-Match no longer matches: someone else changed the resource."""

    status, slug, title = 412, "precondition-failed", "The recommendation changed since you read it"


class Conflict(ProblemError):
    """The request conflicts with the current state."""

    status, slug, title = 409, "conflict", "Conflict"


class Unprocessable(ProblemError):
    """The request is well-formed but its content is not acceptable."""

    status, slug, title = 422, "unprocessable", "Unprocessable request"


class IdempotencyKeyReused(ProblemError):
    """An Idempotency-Key came back with a different request than the one it was first used for."""

    status, slug, title = 422, "idempotency-key-reused", "Idempotency key reused"


class TooManyRequests(ProblemError):
    """The server is already doing this work for someone; try again later."""

    status, slug, title = 429, "too-many-requests", "Too many requests"


def problem_response(
    status: int,
    title: str,
    detail: str,
    *,
    slug: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """Build a problem+json response."""
    body = {
        "type": f"urn:rectrack:problem:{slug}" if slug else "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        **extra,
    }
    return JSONResponse(
        jsonable_encoder(body), status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE
    )


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [
        {"loc": list(error.get("loc", ())), "msg": error.get("msg", ""), "type": error.get("type", "")}
        for error in exc.errors()
    ]


def _allowed_methods(request: Request) -> list[str]:
    # Starlette names only the first route that matched the path, but one path may have several
    # routes (GET and POST /monitors): the OpenAPI paths know them all.
    methods: set[str] = set()
    for template, operations in request.app.openapi().get("paths", {}).items():
        parts = re.split(r"(\{[^}]+\})", template)
        pattern = "".join("[^/]+" if part.startswith("{") else re.escape(part) for part in parts)
        if re.fullmatch(pattern, request.url.path):
            methods.update(method.upper() for method in operations)
    return sorted(methods)


def install_error_handlers(app: FastAPI) -> None:
    """Render every error, expected or not, as problem+json."""

    @app.exception_handler(ProblemError)
    async def _problem(_request: Request, exc: ProblemError) -> JSONResponse:
        return problem_response(
            exc.status, exc.title, exc.detail, slug=exc.slug, headers=exc.headers, **exc.extra
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(
            422,
            "Invalid request",
            "The request has invalid or unknown fields; see errors.",
            slug="validation",
            errors=_validation_errors(exc),
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        known = exc.status_code in HTTPStatus._value2member_map_
        title = HTTPStatus(exc.status_code).phrase if known else "Error"
        detail = exc.detail if isinstance(exc.detail, str) else title
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(_allowed_methods(request))
        return problem_response(exc.status_code, title, detail, headers=headers)

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> JSONResponse:
        # Pooled connections are not pinged before use (a round trip a request): one that a database
        # restart cut shows here, once, and is dropped from the pool. The transaction never committed.
        if exc.connection_invalidated or isinstance(exc, OperationalError):
            log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc.orig)
            return problem_response(
                503,
                "Database unavailable",
                "The connection to the database was lost or refused; nothing was saved. Send the request "
                "again in a moment (with the same Idempotency-Key for a write).",
                slug="database-unavailable",
                headers={"Retry-After": "1"},
            )
        return await _unexpected(request, exc)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(500, "Internal error", "An unexpected error occurred; nothing was saved.")
