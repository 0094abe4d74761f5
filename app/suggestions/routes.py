"""Suggestions API: recommendations of another source that may ask for the same measure."""

from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.auth import ReaderDep
from app.db import SessionDep
from app.errors import problem_responses
from app.inputs import CleanText
from app.recommendations.schemas import CODE_PATH
from app.responses import model_response
from app.suggestions import service
from app.suggestions.schemas import SuggestionPage

router = APIRouter(prefix="/api/v1", tags=["recommendations"])


@router.get(
    "/recommendations/{code}/suggestions",
    response_model=SuggestionPage,
    responses=problem_responses(404, 422),
    description="Ranked by BM25 over both texts' normalised terms (word stems, and concepts such as "
    "defamation ~ libel ~ insult), with the words that matched and whether the two are linked already. "
    "404 for an unknown recommendation or source; 422 when the source is the recommendation's own.",
)
def get_suggestions(
    code: Annotated[str, CODE_PATH],
    session: SessionDep,
    _reader: ReaderDep,
    source: Annotated[
        CleanText,
        Query(max_length=64, description="The slug of the source to suggest from, e.g. upr-kz-s20."),
    ],
    limit: Annotated[int, Query(ge=1, le=50, description="How many suggestions.")] = 10,
) -> Response:
    """Suggest recommendations of another source that may ask for the same measure, best first."""
    items = service.suggest(session, code, source, limit)
    return model_response(SuggestionPage, {"recommendation": code, "source": source, "items": items})
