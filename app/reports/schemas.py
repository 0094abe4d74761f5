"""Response models of the implementation matrix."""

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.recommendations.schemas import CategoryOut
from app.scorecards.schemas import UprRecommendationOut
from app.vocabulary import (
    ClaimGapClass,
    EvidenceKind,
    Perspective,
    Relation,
    Response,
    ScorePerspective,
    Status,
    Visibility,
)


class MatrixAssessmentOut(BaseModel):
    """The latest assessment from the requested perspective."""

    perspective: Perspective
    status: Status
    summary: str | None
    effective_on: date
    recorded_at: datetime


class MatrixEvidenceOut(BaseModel):
    """An evidence item linked to the recommendation at the time asked for."""

    title: str
    url: str
    published_on: date | None
    kind: EvidenceKind
    relation: Relation
    visibility: Visibility
    footnote: int | None = Field(
        description="For the source report's own sources (relation baseline): the footnote's number in the "
        "report, when known."
    )


class MatrixRowOut(BaseModel):
    """One recommendation in the implementation matrix."""

    code: str
    source: str
    section: int
    section_title: str
    number: int
    text: str
    paragraph: str | None = Field(description="The source's own reference, e.g. 106.12.")
    addressees: list[CategoryOut]
    themes: list[CategoryOut]
    sdg_targets: list[CategoryOut]
    recommending_states: list[CategoryOut] = Field(description="The states that made the recommendation.")
    response: Response | None = Field(
        description="The state's response as of `as_of` and `known_at`; null when it had none."
    )
    response_original: str | None = Field(
        description="The word the source used for the response (e.g. 'Accepted'), when the response shown "
        "is the current one."
    )
    claimed_status: Status = Field(description="The state's latest claim.")
    independent_status: Status = Field(description="The monitors' latest assessment.")
    assessment: MatrixAssessmentOut | None = Field(
        description="The latest assessment from the requested perspective; null when there is none."
    )
    claim: MatrixAssessmentOut | None = Field(
        description="The state's latest claim (perspective state) as of `as_of` and `known_at`, with what it "
        "rests on in its summary; null when the state has claimed nothing."
    )
    evidence: list[MatrixEvidenceOut]
    upr_commitments: list[UprRecommendationOut] = Field(
        description="The UPR recommendations linked `same_measure` to this one at `known_at`, each with the "
        "state's response as of `as_of` (supported and partially supported ones are commitments; noted ones "
        "were refused)."
    )
    claim_gap: ClaimGapClass | None = Field(
        default=None,
        description="How the state's claim differs from the independent status at the point: overclaim, "
        "underclaim or unassessed; null when the state has not claimed or the two agree.",
    )


MATRIX_EXAMPLE: dict[str, Any] = {
    "as_of": "2025-01-20",
    "known_at": None,
    "perspective": "independent",
    "rows": [
        {
            "code": "odf-kz-2015-2.1",
            "source": "odf-kz-2015",
            "section": 2,
            "section_title": "Legislative measures",
            "number": 1,
            "text": "Bring the legislation on NGOs into line with international standards.",
            "paragraph": None,
            "addressees": [{"slug": "kazakhstan", "label": "State of Kazakhstan"}],
            "themes": [{"slug": "freedom-of-association", "label": "Freedom of association"}],
            "sdg_targets": [{"slug": "16.10", "label": "Protect fundamental freedoms"}],
            "recommending_states": [],
            "response": None,
            "response_original": None,
            "claimed_status": "implemented",
            "independent_status": "partially_implemented",
            "assessment": {
                "perspective": "independent",
                "status": "partially_implemented",
                "summary": "The amended law dropped criminal liability but kept registration.",
                "effective_on": "2024-06-01",
                "recorded_at": "2024-06-03T10:15:00Z",
            },
            "claim": {
                "perspective": "state",
                "status": "implemented",
                "summary": "The national report says the 2024 amendments brought the law into line.",
                "effective_on": "2024-10-01",
                "recorded_at": "2024-10-05T12:00:00Z",
            },
            "evidence": [
                {
                    "title": "Amendments to the Law on Public Associations",
                    "url": "https://example.org/law",
                    "published_on": "2024-05-30",
                    "kind": "law",
                    "relation": "progress",
                    "visibility": "public",
                    "footnote": None,
                }
            ],
            "claim_gap": "overclaim",
            "upr_commitments": [
                {
                    "code": "upr-kz-s20-1.40",
                    "text": "Bring the law on public associations into line with international standards.",
                    "paragraph": "106.40",
                    "source": "upr-kz-s20",
                    "cycle": 2,
                    "session": 20,
                    "reviewed_on": "2014-10-30",
                    "document_symbol": "A/HRC/28/10",
                    "recommending_states": [{"slug": "norway", "label": "Norway"}],
                    "response": "supported",
                    "response_original": "Accepted",
                    "strength": "same_measure",
                }
            ],
        },
        {
            "code": "upr-kz-s20-1.12",
            "source": "upr-kz-s20",
            "section": 1,
            "section_title": "Recommendations",
            "number": 12,
            "text": "Consider decriminalising defamation.",
            "paragraph": "106.12",
            "addressees": [],
            "themes": [{"slug": "freedom-of-expression", "label": "Freedom of expression"}],
            "sdg_targets": [],
            "recommending_states": [{"slug": "estonia", "label": "Estonia"}],
            "response": "supported",
            "response_original": "Accepted",
            "claimed_status": "not_assessed",
            "independent_status": "not_implemented",
            "assessment": {
                "perspective": "independent",
                "status": "not_implemented",
                "summary": "Defamation is still a criminal offence.",
                "effective_on": "2024-09-01",
                "recorded_at": "2024-09-02T08:00:00Z",
            },
            "claim": None,
            "evidence": [],
            "upr_commitments": [],
            "claim_gap": None,
        },
    ],
}


class MatrixOut(BaseModel):
    """The implementation matrix: one row per recommendation, in natural order."""

    model_config = ConfigDict(json_schema_extra={"examples": [MATRIX_EXAMPLE]})

    as_of: date
    known_at: datetime | None
    perspective: ScorePerspective
    rows: list[MatrixRowOut]
