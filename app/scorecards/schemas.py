"""Query and response models of scorecards and status changes."""

import re
from datetime import UTC, date, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from app.inputs import PastDate
from app.recommendations.schemas import RecommendationFilters
from app.vocabulary import Perspective, Status

GAPS_PAGE = 100
MAX_GAPS_PAGE = 500

ScorePerspective = Literal["independent", "state", "un"]
GroupBy = Literal["section", "theme", "addressee", "sdg", "status", "source"]


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
    if value.year < 1945:
        raise ValueError("must be in 1945 or later")
    return value


QueryDate = Annotated[PastDate, BeforeValidator(_date_text)]
# Documented as a pattern, not format date-time: a time without a zone is accepted (as UTC).
KnownAt = Annotated[
    datetime,
    BeforeValidator(_time_text),
    AfterValidator(_utc),
    WithJsonSchema({"type": "string", "pattern": TIME_PATTERN}),
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


class _TextFilters(RecommendationFilters):
    """The list filters, refusing NUL: PostgreSQL text cannot hold it, so the query would fail, not miss."""

    @field_validator("source", "theme", "addressee", "sdg", "q")
    @classmethod
    def _no_nul(cls, value: str | None) -> str | None:
        if value is not None and "\x00" in value:
            raise ValueError("must not contain NUL characters")
        return value


class PointInTimeParams(_TextFilters):
    """The list filters plus a point in time and a perspective: shared by scorecards and the matrix.

    The `status` filter matches the status from the chosen perspective as of `as_of` and `known_at`.
    """

    as_of: QueryDate | None = Field(default=None, description=AS_OF, examples=["2025-01-20"])
    known_at: KnownAt | None = Field(default=None, description=KNOWN_AT, examples=["2025-01-21T09:00:00Z"])
    perspective: ScorePerspective = Field(default="independent", description=PERSPECTIVE)


class ScorecardParams(PointInTimeParams):
    """What a scorecard aggregates and how it groups."""

    group_by: GroupBy = Field(
        default="section",
        description="Groups by theme, addressee or SDG target overlap; totals count recommendations once.",
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
        description="How many claim gaps to include (the first ones in natural order); "
        "`claim_gaps_next` pages through the rest.",
    )


class ClaimGapParams(PointInTimeParams):
    """One page of claim gaps: the scorecard's point in time and filters, a page size and a cursor."""

    limit: int = Field(default=GAPS_PAGE, ge=1, le=MAX_GAPS_PAGE, description="Page size.")
    cursor: str | None = Field(default=None, max_length=200, description="From `next_cursor`.")


class ChangesParams(_TextFilters):
    """Two effective dates to compare; the `status` filter matches the status at `until`."""

    since: QueryDate = Field(description="The earlier effective date.", examples=["2024-01-01"])
    until: QueryDate | None = Field(
        default=None, description="The later effective date. Default: now.", examples=["2025-01-20"]
    )
    known_at: KnownAt | None = Field(default=None, description=KNOWN_AT)
    perspective: ScorePerspective = Field(default="independent", description=PERSPECTIVE)

    @model_validator(mode="after")
    def _ordered(self) -> "ChangesParams":
        if self.until is not None and self.since > self.until:
            raise ValueError("since must not be after until")
        return self


class StatusCounts(BaseModel):
    """How many recommendations have each status (zeros included)."""

    not_assessed: int = 0
    not_implemented: int = 0
    partially_implemented: int = 0
    implemented: int = 0
    regressed: int = 0


class Aggregate(BaseModel):
    """Counts and shares over a set of recommendations."""

    total: int
    by_status: StatusCounts
    assessed: int = Field(description="Recommendations with any status but not_assessed.")
    score: float | None = Field(
        description="Mean weight over assessed recommendations (see formula); null when none is assessed."
    )
    regressions: int = Field(description="Recommendations whose status is regressed.")
    evidence_coverage: float | None = Field(
        description="Share of recommendations with at least one linked progress or regression evidence item."
    )
    stale: int = Field(
        description="Never assessed, or last assessed more than stale_after_days before as_of."
    )


class GroupOut(Aggregate):
    """One group of a scorecard."""

    key: str | None = Field(
        description="Section number, category slug, status or source slug; null for recommendations "
        "without any category of the grouping kind.",
        examples=["2"],
    )
    label: str = Field(examples=["Legislative measures"])
    source: str | None = Field(default=None, description="The section's source, when grouped by section.")


class Formula(BaseModel):
    """How the score is computed, published with every scorecard."""

    name: str
    source: str
    weights: dict[str, float]
    excluded: list[Status] = Field(description="Statuses left out of the score and reported as coverage.")
    rules: list[str]


class EntryOut(BaseModel):
    """An assessment entry of a recommendation's history."""

    id: int
    seq: int
    status: Status
    perspective: Perspective
    effective_on: date
    recorded_at: datetime
    summary: str | None


class ClaimGapOut(BaseModel):
    """A recommendation the state claims as (partially) implemented while the monitors find otherwise."""

    code: str
    source: str
    section: int
    claimed: EntryOut = Field(description="The state's latest claim.")
    independent: EntryOut = Field(description="The latest independent assessment.")


SCORECARD_EXAMPLE = {
    "as_of": "2025-01-20",
    "known_at": None,
    "perspective": "independent",
    "group_by": "section",
    "stale_after_days": 365,
    "formula": {
        "name": "Implementation index",
        "source": "UPR Info's implementation index",
        "weights": {"implemented": 1, "partially_implemented": 0.5, "not_implemented": 0, "regressed": 0},
        "excluded": ["not_assessed"],
        "rules": ["score = mean weight over assessed recommendations"],
    },
    "totals": {
        "total": 43,
        "by_status": {
            "not_assessed": 40,
            "not_implemented": 1,
            "partially_implemented": 1,
            "implemented": 0,
            "regressed": 1,
        },
        "assessed": 3,
        "score": 0.1667,
        "regressions": 1,
        "evidence_coverage": 0.0465,
        "stale": 40,
    },
    "groups": [
        {
            "key": "2",
            "label": "Legislative measures",
            "source": "odf-kz-2015",
            "total": 5,
            "by_status": {
                "not_assessed": 2,
                "not_implemented": 1,
                "partially_implemented": 1,
                "implemented": 0,
                "regressed": 1,
            },
            "assessed": 3,
            "score": 0.1667,
            "regressions": 1,
            "evidence_coverage": 0.4,
            "stale": 2,
        }
    ],
    "claim_gaps": [],
    "claim_gaps_total": 0,
    "claim_gaps_next": None,
}


class ScorecardOut(BaseModel):
    """Implementation scorecard: totals, groups and the gaps between the state's claims and the monitors."""

    model_config = ConfigDict(json_schema_extra={"examples": [SCORECARD_EXAMPLE]})

    as_of: date = Field(description="The effective date; today (UTC) or known_at's date when not given.")
    known_at: datetime | None
    perspective: ScorePerspective
    group_by: GroupBy
    stale_after_days: int
    formula: Formula
    totals: Aggregate = Field(description="Over distinct recommendations, even when groups overlap.")
    groups: list[GroupOut]
    claim_gaps: list[ClaimGapOut] = Field(
        description="The first `gaps_limit` claim gaps in natural order (source, section, number)."
    )
    claim_gaps_total: int = Field(description="How many claim gaps there are in all.")
    claim_gaps_next: str | None = Field(
        description="Path and query of the next page on /api/v1/scorecard/claim-gaps; null when "
        "`claim_gaps` holds them all.",
        examples=["/api/v1/scorecard/claim-gaps?as_of=2025-01-20&limit=100&cursor=MS4yLjU"],
    )


class ClaimGapPage(BaseModel):
    """A page of claim gaps in natural order."""

    items: list[ClaimGapOut]
    total: int | None = Field(
        description="How many claim gaps there are in all; on the first page (no cursor) only, since "
        "counting looks up every recommendation's latest claim and assessment. Null on later pages."
    )
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class StatusChangeOut(BaseModel):
    """A recommendation whose status differs between two dates."""

    code: str
    source: str
    section: int
    before: Status
    after: Status
    entries: list[EntryOut] = Field(description="The assessments effective after `since` up to `until`.")


class ChangesOut(BaseModel):
    """Recommendations whose status changed between two effective dates."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "since": "2024-01-01",
                    "until": "2025-01-20",
                    "known_at": None,
                    "perspective": "independent",
                    "total": 1,
                    "changes": [
                        {
                            "code": "odf-kz-2015-2.1",
                            "source": "odf-kz-2015",
                            "section": 2,
                            "before": "not_implemented",
                            "after": "partially_implemented",
                            "entries": [
                                {
                                    "id": 57,
                                    "seq": 3,
                                    "status": "partially_implemented",
                                    "perspective": "independent",
                                    "effective_on": "2024-06-01",
                                    "recorded_at": "2024-06-03T10:15:00Z",
                                    "summary": "The amended law dropped criminal liability.",
                                }
                            ],
                        }
                    ],
                }
            ]
        }
    )

    since: date
    until: date
    known_at: datetime | None
    perspective: ScorePerspective
    total: int
    changes: list[StatusChangeOut]
