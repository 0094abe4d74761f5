"""What every matrix document shows beside its rows: what it is as of, and the scorecard by section."""

from typing import Any

from sqlmodel import Session

from app.config import Settings
from app.reports.context import document_context
from app.reports.matrix import grouped_rows, optional_columns
from app.reports.printed import PrintedMatrix
from app.scorecards.params import MatrixParams, PointInTimeParams, ScorecardParams
from app.scorecards.service import compute_scorecard, point_of


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
    session: Session, params: PointInTimeParams, *, include_restricted: bool
) -> dict[str, Any]:
    """The scorecard by section, with the same filters and point in time as the matrix beside it."""
    by_section = ScorecardParams.model_validate(
        params.model_dump() | {"group_by": "section", "gaps_limit": 0}
    )
    return compute_scorecard(session, by_section, include_restricted=include_restricted)


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
