"""JSON responses: checked and serialised by their response model in one pass, or serialised as built."""

from typing import Any

from fastapi import Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from pydantic_core import to_json


def model_response(
    model: type[BaseModel], content: Any, *, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """`content` validated by `model` and dumped to JSON by pydantic-core, in the endpoint's own thread."""
    # A sync endpoint returning a dict costs FastAPI one more thread-pool hop to validate it and then
    # serialises it on the event loop; this does both where the endpoint already runs.
    body = model.model_validate(content).model_dump_json()
    return Response(body, status_code=status_code, headers=headers, media_type="application/json")


def json_response(content: Any, *, headers: dict[str, str] | None = None) -> Response:
    """`content` dumped to JSON once, unvalidated: for services that build their dicts exactly as the route's
    response model would dump them (its fields in order, its types); tests compare the two."""
    # Validating a page of 50 recommendations into models and dumping those was two passes over the same
    # data: the validation alone was a fifth of a list page's time in the app.
    return Response(to_json(content), headers=headers, media_type="application/json")


def model_json_bytes(model: type[BaseModel], content: Any) -> bytes:
    """The content validated by the response model, rendered as FastAPI renders JSON (for caching)."""
    return bytes(JSONResponse(model.model_validate(content).model_dump(mode="json")).body)
