"""Response models of scorecards, claim gaps and status changes."""

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from app.recommendations.schemas import CategoryOut, StatusCounts
from app.scorecards.examples import COMMITMENT_GAP_EXAMPLE, SCORECARD_EXAMPLE
from app.scorecards.params import Interval
from app.vocabulary import (
    ClaimGapClass,
    GroupBy,
    LinkStrength,
    Perspective,
    Response,
    ScorePerspective,
    Status,
)


class CommitmentCounts(BaseModel):
    """How many recommendations the state committed to at its UPR, and how those commitments stand."""

    committed: int = Field(
        description="Linked same_measure to a UPR recommendation the state supported or partially supported "
        "(as of as_of, known at known_at). Recommendations of UPR reviews themselves are not counted."
    )
    partially: int = Field(description="Of those, committed through partially supported ones only.")
    not_implemented_or_regressed: int = Field(
        description="Committed, and not implemented or regressed from the scorecard's perspective: broken "
        "commitments."
    )
    not_assessed: int = Field(description="Committed, and not assessed yet.")
    noted: int = Field(
        description="Linked same_measure only to UPR recommendations the state noted (did not accept): "
        "not commitments, counted apart."
    )


CLAIM_GAP_DEFINITION = (
    "Only where the state has made a claim (its status is not not_assessed), at the scorecard's point. "
    "Statuses rank implemented > partially_implemented > not_implemented > regressed. "
)


class ClaimGapCounts(BaseModel):
    """How many recommendations have a claim gap of each class (the one definition, app.vocabulary)."""

    overclaim: int = Field(
        description=CLAIM_GAP_DEFINITION + "Overclaim: the claim ranks above the independent status."
    )
    underclaim: int = Field(
        description=CLAIM_GAP_DEFINITION + "Underclaim: the claim ranks below the independent status."
    )
    unassessed: int = Field(
        description=CLAIM_GAP_DEFINITION + "Unassessed: the monitors have not assessed the recommendation."
    )


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
        description="Share of recommendations with at least one linked progress or regression evidence item "
        "published by as_of; baseline and context links do not count."
    )
    stale: int = Field(
        description="Never assessed, or last assessed more than stale_after_days before as_of."
    )
    commitments: CommitmentCounts
    claim_gap_counts: ClaimGapCounts = Field(
        description="Claim gaps by class: where the state's claim differs from the independent status at "
        "the point (overclaim, underclaim, or claimed but unassessed; the same status is no gap). Unlike "
        "`claim_gaps_total`, which keeps its v1 meaning (a claim of implemented or partially implemented "
        "against not implemented or regressed), this counts every difference."
    )


class GroupOut(Aggregate):
    """One group of a scorecard."""

    key: str | None = Field(
        description="Section number, category slug, status, source slug or response; null for "
        "recommendations without any category of the grouping kind, or without a response.",
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


class ClaimGapClassOut(BaseModel):
    """A recommendation whose state claim differs from the independent status, and how."""

    code: str
    source: str
    section: int
    gap_class: ClaimGapClass = Field(
        description="overclaim: the claim ranks above the independent status (implemented > "
        "partially_implemented > not_implemented > regressed); underclaim: below; unassessed: the monitors "
        "have not assessed it."
    )
    claimed: EntryOut = Field(description="The state's latest claim at the point.")
    independent: EntryOut | None = Field(
        description="The latest independent assessment at the point; null when unassessed."
    )


class UprRecommendationOut(BaseModel):
    """A UPR recommendation linked to another recommendation, with the review and the state's response."""

    code: str = Field(examples=["upr-kz-s20-1.12"])
    text: str
    paragraph: str | None = Field(description="The review's own reference, e.g. 106.12.")
    source: str = Field(description="The review's source slug.", examples=["upr-kz-s20"])
    cycle: int | None = Field(description="The UPR cycle of the review.", examples=[2])
    session: int | None = Field(description="The Working Group session.", examples=[20])
    reviewed_on: date | None = Field(description="The day of the review.")
    document_symbol: str | None = Field(
        description="The Working Group report's symbol.", examples=["A/HRC/28/10"]
    )
    recommending_states: list[CategoryOut]
    response: Response | None = Field(
        description="The state's response as of `as_of` and `known_at`; null when it had none."
    )
    response_original: str | None = Field(
        description="The word the source used (e.g. 'Accepted'), when the response shown is the current one."
    )
    strength: LinkStrength


class CommitmentGapOut(BaseModel):
    """A recommendation the state committed to at its UPR that is not implemented or has regressed."""

    code: str
    source: str
    section: int
    text: str
    status: Status = Field(description="Its status from the scorecard's perspective at the point.")
    partially: bool = Field(description="Committed through partially supported UPR recommendations only.")
    commitments: list[UprRecommendationOut] = Field(
        description="The UPR recommendations linked same_measure whose response was supported or partially "
        "supported at the point."
    )


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
    commitment_gaps: list[CommitmentGapOut] = Field(
        description="The first `gaps_limit` broken commitments in natural order (source, section, number)."
    )
    commitment_gaps_total: int = Field(
        description="How many broken commitments there are in all (totals.commitments."
        "not_implemented_or_regressed)."
    )
    commitment_gaps_next: str | None = Field(
        description="Path and query of the next page on /api/v1/scorecard/commitments; null when "
        "`commitment_gaps` holds them all.",
        examples=["/api/v1/scorecard/commitments?as_of=2025-01-20&limit=100&cursor=MS4yLjU"],
    )


class ClaimGapPage(BaseModel):
    """A page of claim gaps in natural order."""

    items: list[ClaimGapOut]
    total: int | None = Field(
        description="How many claim gaps there are in all; on the first page (no cursor) only, since "
        "counting looks up every recommendation's latest claim and assessment. Null on later pages."
    )
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class ClaimGapClassPage(BaseModel):
    """A page of claim gaps by class in natural order."""

    items: list[ClaimGapClassOut]
    total: int | None = Field(
        description="How many claim gaps of the class (or of any) there are in all; on the first page (no "
        "cursor) only. Null on later pages."
    )
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class CommitmentGapPage(BaseModel):
    """A page of broken commitments in natural order."""

    model_config = ConfigDict(json_schema_extra={"examples": [COMMITMENT_GAP_EXAMPLE]})

    items: list[CommitmentGapOut]
    total: int | None = Field(
        description="How many broken commitments there are in all; on the first page (no cursor) only. "
        "Null on later pages."
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
                    "next_cursor": None,
                }
            ]
        }
    )

    since: date
    until: date
    known_at: datetime | None
    perspective: ScorePerspective
    total: int | None = Field(description="How many changed in all; on the first page only.")
    changes: list[StatusChangeOut] = Field(description="At most `limit` of them, in natural order.")
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last.")


class SeriesFigures(BaseModel):
    """A scorecard's score and the counts it is computed from, at one step."""

    total: int
    by_status: StatusCounts
    assessed: int = Field(description="Recommendations with any status but not_assessed.")
    score: float | None = Field(
        description="Mean weight over assessed recommendations (the scorecard's formula); null when none is "
        "assessed."
    )


class SeriesGroupOut(SeriesFigures):
    """One group of a scorecard at one step."""

    key: str | None = Field(description="As the scorecard's group key.", examples=["2"])
    label: str = Field(examples=["Legislative measures"])
    source: str | None = Field(default=None, description="The section's source, when grouped by section.")


class SeriesStepOut(BaseModel):
    """The scorecard as of the end of one period."""

    as_of: date = Field(description="The period's last day; the last step is `to`.")
    totals: SeriesFigures = Field(description="Over distinct recommendations, even when groups overlap.")
    groups: list[SeriesGroupOut]


class SeriesOut(BaseModel):
    """Progress over time: the scorecard's score and counts by status at the end of each period."""

    from_: date = Field(alias="from", description="The first date: `from`, or the earliest effective date.")
    to: date = Field(description="The last step's date: `to`, or today (UTC).")
    interval: Interval
    known_at: datetime | None
    perspective: ScorePerspective
    group_by: GroupBy
    steps: list[SeriesStepOut] = Field(
        description="One per period from the one holding `from` to the one holding `to`, in date order; at "
        "most 120."
    )
