"""Query models of scorecards, claim gaps and status changes: filters, a point in time, a grouping."""

import re
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    model_validator,
)

from app.inputs import EARLIEST_YEAR, PastDate
from app.recommendations.schemas import RecommendationFilters
from app.vocabulary import ClaimGapClass, GroupBy, MatrixGroupBy, ScorePerspective

GAPS_PAGE = 100
# A client clock a little ahead of ours may still mean "now".
CLOCK_SKEW = timedelta(minutes=1)
MAX_GAPS_PAGE = 500
MAX_SERIES_STEPS = 120


DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
TIME_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
    r"([Zz]|[+ -][0-9]{2}:[0-9]{2})?$"
)
TIME_TEXT = re.compile(TIME_PATTERN)


def _date_text(value: object) -> object:
    """Only YYYY-MM-DD: pydantic would also take a number of seconds, which no one means by a date."""
    if isinstance(value, str) and not DATE_TEXT.fullmatch(value):
        raise ValueError("must be a date, YYYY-MM-DD")
    return value


def _time_text(value: object) -> object:
    """Only ISO 8601 times; a '+' sent unencoded in a URL arrives as a space and is put back."""
    if not isinstance(value, str):
        return value
    match = TIME_TEXT.fullmatch(value)
    if match is None:
        raise ValueError("must be an ISO 8601 time, e.g. 2025-01-21T09:00:00Z")
    zone = match.start(3)  # the offset group, -1 when absent
    return value[:zone] + "+" + value[zone + 1 :] if zone >= 0 and value[zone] == " " else value


def _utc(value: datetime | None) -> datetime | None:
    """Naive times are taken as UTC; every time is normalised to UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        value = value.astimezone(UTC)
    except OverflowError:
        raise ValueError("is out of range") from None
    if value.year < EARLIEST_YEAR:
        raise ValueError(f"must be in {EARLIEST_YEAR} or later")
    # A scorecard known at a future time would change as entries are recorded: it could not be reproduced.
    if value > datetime.now(UTC) + CLOCK_SKEW:
        raise ValueError("must not be in the future")
    return value


QueryDate = Annotated[PastDate, BeforeValidator(_date_text)]
# Documented as a pattern, not format date-time: a time without a zone is accepted (as UTC).
KnownAt = Annotated[
    datetime,
    BeforeValidator(_time_text),
    AfterValidator(_utc),
    # Also taken without a zone (as UTC) and with a space for the T; documented as the strict form.
    WithJsonSchema({"type": "string", "format": "date-time"}),
]

AS_OF = (
    "Effective date: each status is the latest assessment with effective_on on or before it. Default: now."
)
KNOWN_AT = (
    "Recording time: only history recorded at or before it counts, so a published scorecard can be "
    "reproduced. Without a zone it is taken as UTC. Default: everything recorded so far."
)
PERSPECTIVE = (
    "Whose assessments give the status: the monitors' (independent), the state's claims, or the UN's."
)


class PointInTimeParams(RecommendationFilters):
    """The list filters plus a point in time and a perspective: shared by scorecards and the matrix.

    The `status` filter matches the status from the chosen perspective as of `as_of` and `known_at`.
    """

    as_of: QueryDate | None = Field(default=None, description=AS_OF, examples=["2025-01-20"])
    known_at: KnownAt | None = Field(default=None, description=KNOWN_AT, examples=["2025-01-21T09:00:00Z"])
    perspective: ScorePerspective = Field(default=ScorePerspective.independent, description=PERSPECTIVE)


class MatrixParams(PointInTimeParams):
    """The matrix's parameters: the filters, a point in time, and how printed documents group rows."""

    group_by: MatrixGroupBy = Field(
        default=MatrixGroupBy.section,
        description="How the printed documents (DOCX, HTML) group their rows under headings: by section, by "
        "theme (a recommendation appears under each of its themes, then 'No theme') or by source. The data "
        "formats (JSON, CSV, XLSX) keep one row per recommendation in natural order.",
    )


class ScorecardParams(PointInTimeParams):
    """What a scorecard aggregates and how it groups."""

    group_by: GroupBy = Field(
        default=GroupBy.section,
        description="Groups by theme, addressee, SDG target or recommending state overlap; totals count "
        "recommendations once. By response: the state's response as of `as_of` and `known_at`.",
    )
    stale_after_days: int = Field(
        default=365,
        ge=0,
        le=36_500,
        description="A recommendation is stale when never assessed or last assessed longer ago than this.",
    )
    gaps_limit: int = Field(
        default=GAPS_PAGE,
        ge=0,
        le=MAX_GAPS_PAGE,
        description="How many claim gaps, and how many broken commitments, to include (the first ones in "
        "natural order); `claim_gaps_next` and `commitment_gaps_next` page through the rest.",
    )


class ClaimGapParams(PointInTimeParams):
    """One page of claim gaps: the scorecard's point in time and filters, a page size and a cursor."""

    limit: int = Field(default=GAPS_PAGE, ge=1, le=MAX_GAPS_PAGE, description="Page size.")
    cursor: str | None = Field(default=None, max_length=200, description="From `next_cursor`.")


class ClaimGapClassParams(PointInTimeParams):
    """A page of claim gaps by class: the scorecard's point in time and filters, a class, a page, a cursor."""

    gap_class: ClaimGapClass | None = Field(
        default=None,
        description="Only this class: overclaim (the state's claim ranks above the independent status), "
        "underclaim (below), unassessed (claimed, not assessed by monitors). Default: every class.",
    )
    limit: int = Field(default=GAPS_PAGE, ge=1, le=MAX_GAPS_PAGE, description="Page size.")
    cursor: str | None = Field(default=None, max_length=200, description="From `next_cursor`.")


class CommitmentGapParams(PointInTimeParams):
    """One page of broken commitments: the scorecard's point in time and filters, a page size and a cursor."""

    limit: int = Field(default=GAPS_PAGE, ge=1, le=MAX_GAPS_PAGE, description="Page size.")
    cursor: str | None = Field(default=None, max_length=200, description="From `next_cursor`.")


class Interval(StrEnum):
    """The length of a series' periods."""

    month = "month"
    quarter = "quarter"
    year = "year"


# How many months each interval's periods hold.
MONTHS = {Interval.month: 1, Interval.quarter: 3, Interval.year: 12}


class SeriesParams(RecommendationFilters):
    """A scorecard at the end of each period between two dates: filters, perspective, recording time, groups.

    The `status` and `claim_gap` filters match at each step.
    """

    model_config = ConfigDict(populate_by_name=True)

    from_: QueryDate | None = Field(
        default=None,
        alias="from",
        description="The first period is the one holding this date. Default: the earliest effective date of "
        "an assessment from the perspective.",
        examples=["2023-01-01"],
    )
    to: QueryDate | None = Field(
        default=None,
        description="The last step: the last period ends on this date. Default: today (UTC).",
        examples=["2025-01-20"],
    )
    interval: Interval = Field(default=Interval.quarter, description="The length of each period.")
    known_at: KnownAt | None = Field(default=None, description=KNOWN_AT)
    perspective: ScorePerspective = Field(default=ScorePerspective.independent, description=PERSPECTIVE)
    group_by: GroupBy = Field(
        default=GroupBy.section,
        description="As the scorecard's: groups by section, theme, addressee, SDG target, status, source, "
        "recommending state or response (each as of the step).",
    )

    @model_validator(mode="after")
    def _ordered(self) -> "SeriesParams":
        if self.from_ is not None and self.to is not None and self.from_ > self.to:
            raise ValueError("from must not be after to")
        return self


class ChangesParams(RecommendationFilters):
    """Two effective dates to compare; the `status` filter matches the status at `until`."""

    since: QueryDate = Field(description="The earlier effective date.", examples=["2024-01-01"])
    until: QueryDate | None = Field(
        default=None, description="The later effective date. Default: now.", examples=["2025-01-20"]
    )
    known_at: KnownAt | None = Field(default=None, description=KNOWN_AT)
    perspective: ScorePerspective = Field(default=ScorePerspective.independent, description=PERSPECTIVE)
    limit: int = Field(default=GAPS_PAGE, ge=1, le=MAX_GAPS_PAGE, description="Page size.")
    cursor: str | None = Field(default=None, max_length=200, description="From `next_cursor`.")

    @model_validator(mode="after")
    def _ordered(self) -> "ChangesParams":
        if self.until is not None and self.since > self.until:
            raise ValueError("since must not be after until")
        return self
