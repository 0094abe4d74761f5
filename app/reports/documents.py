"""What every matrix document shows beside its rows: what it is as of, the scorecard by section, progress."""

from typing import Any

from sqlmodel import Session

from app.config import Settings
from app.recommendations.schemas import RecommendationFilters
from app.reports.context import document_context
from app.reports.matrix import grouped_rows, optional_columns
from app.reports.printed import PrintedMatrix
from app.scorecards.params import MatrixParams, PointInTimeParams, ScorecardParams, SeriesParams
from app.scorecards.series import compute_series, series_range
from app.scorecards.service import compute_scorecard, point_of

# Under three years, a year a row would say little: documents then show quarters.
SHORT_SPAN_DAYS = 3 * 366


def matrix_meta(session: Session, params: PointInTimeParams) -> dict[str, Any]:
    """The as-of date, known-at time and perspective a matrix document names, and its optional columns."""
    point = point_of(params)
    return {
        "as_of": point.reference_date(),
        "known_at": point.known_at,
        "perspective": params.perspective,
        "columns": optional_columns(session, params),
    }


def section_scorecard(
    session: Session, params: PointInTimeParams, *, include_restricted: bool, progress: bool
) -> dict[str, Any]:
    """The scorecard by section, with the same filters and point in time as the matrix beside it.

    `progress`: also its `series` (progress over time), for the documents that print it (not the XLSX).
    """
    by_section = ScorecardParams.model_validate(
        params.model_dump() | {"group_by": "section", "gaps_limit": 0}
    )
    scorecard = compute_scorecard(session, by_section, include_restricted=include_restricted)
    if not progress:
        return scorecard
    # A new dict: computed scorecards may be shared (cached) and are read-only.
    return scorecard | {"series": progress_series(session, params, include_restricted=include_restricted)}


def progress_series(
    session: Session, params: PointInTimeParams, *, include_restricted: bool
) -> dict[str, Any]:
    """The score and counts at the end of each year up to the as-of date (quarters over a shorter span)."""
    point = point_of(params)
    filters = params.model_dump(include=set(RecommendationFilters.model_fields), exclude_none=True)
    values = filters | {
        "to": point.reference_date(),
        "known_at": params.known_at,
        "perspective": params.perspective,
        "group_by": "status",
    }
    start, end = series_range(session, SeriesParams.model_validate(values))
    interval = "year" if (end - start).days > SHORT_SPAN_DAYS else "quarter"
    series_params = SeriesParams.model_validate(values | {"interval": interval})
    return compute_series(session, series_params, include_restricted=include_restricted)


def printed_matrix(
    session: Session,
    params: MatrixParams,
    settings: Settings,
    meta: dict[str, Any],
    *,
    include_restricted: bool,
) -> PrintedMatrix:
    """The printed layout of the matrix for these parameters, its rows read from `session` as it renders."""
    rows = grouped_rows(session, params, include_restricted=include_restricted)
    return PrintedMatrix(rows, document_context(session, params, settings), meta["columns"])
