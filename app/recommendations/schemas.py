"""Response and query models of the recommendations API."""

from datetime import date, datetime
from enum import StrEnum

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field

from app.inputs import InputModel
from app.vocabulary import (
    EvidenceKind,
    LinkStrength,
    Provenance,
    Relation,
    Response,
    SourceKind,
    Status,
    Visibility,
)

CODE_PATH = Path(
    description="Recommendation code, e.g. odf-kz-2015-2.1.", max_length=96, examples=["odf-kz-2015-2.1"]
)


class StatusCounts(BaseModel):
    """How many recommendations have each status (zeros included)."""

    not_assessed: int = 0
    not_implemented: int = 0
    partially_implemented: int = 0
    implemented: int = 0
    regressed: int = 0


class SourceOut(BaseModel):
    """A report or review that makes recommendations."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "slug": "upr-kz-s20",
                    "title": "Universal Periodic Review of Kazakhstan, session 20 (2014)",
                    "publisher": "UN Human Rights Council",
                    "published_on": None,
                    "date_note": None,
                    "kind": "upr_review",
                    "state_under_review": "Kazakhstan",
                    "cycle": 2,
                    "session": 20,
                    "reviewed_on": "2014-10-30",
                    "document_symbol": "A/HRC/28/10",
                    "sections": [{"number": 1, "title": "Recommendations"}],
                    "recommendations": 198,
                    "by_status": {
                        "not_assessed": 190,
                        "not_implemented": 3,
                        "partially_implemented": 4,
                        "implemented": 1,
                        "regressed": 0,
                    },
                }
            ]
        }
    )

    slug: str = Field(examples=["odf-kz-2015"])
    title: str
    publisher: str
    published_on: date | None
    date_note: str | None = None
    kind: SourceKind = Field(description="What sort of body or review the recommendations come from.")
    state_under_review: str | None = Field(
        default=None, description="The state the recommendations are made to.", examples=["Kazakhstan"]
    )
    cycle: int | None = Field(default=None, description="UPR reviews: the cycle.", examples=[2])
    session: int | None = Field(default=None, description="UPR reviews: the Working Group session.")
    reviewed_on: date | None = Field(default=None, description="UPR reviews: the day of the review.")
    language: str = Field(default="en", description="The language (BCP 47) its texts are written in.")
    document_symbol: str | None = Field(
        default=None, description="UPR reviews: the Working Group report's symbol.", examples=["A/HRC/28/10"]
    )
    sections: list["SectionOut"]
    recommendations: int = Field(description="How many recommendations the source makes.")
    by_status: StatusCounts = Field(description="Its recommendations by current independent status.")


class SectionOut(BaseModel):
    """A source's own grouping."""

    number: int = Field(examples=[2])
    title: str = Field(examples=["Legislative measures"])
    translated_title: str | None = Field(
        default=None, description="The title in the language asked for, when a translation is recorded."
    )


class TranslationOut(BaseModel):
    """Whose a translation is, and when it was recorded."""

    language: str = Field(examples=["ru"])
    provenance: Provenance = Field(description="official (by the body itself) or unofficial.")
    translator: str | None = Field(examples=["rectrack contributors (unofficial)"])
    recorded_at: datetime


class CategoryOut(BaseModel):
    """An addressee, theme, SDG target or recommending state."""

    slug: str = Field(examples=["kazakhstan"])
    label: str = Field(examples=["State of Kazakhstan"])


class LinkedEvidenceOut(BaseModel):
    """An evidence item as linked to one recommendation."""

    id: int
    url: str
    title: str
    kind: EvidenceKind
    published_on: date | None
    relation: Relation
    visibility: Visibility
    note: str | None = None
    linked_at: datetime


class RecommendationOut(BaseModel):
    """One recommendation as it stands now."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "code": "odf-kz-2015-2.2",
                    "source": "odf-kz-2015",
                    "source_kind": "ngo_report",
                    "section": {"number": 2, "title": "Legislative measures"},
                    "number": 2,
                    "text": (
                        "Eliminate from the Law ‘On Public Associations’, "
                        "the ban on informal civic associations."
                    ),
                    "status": "not_assessed",
                    "claimed_status": "not_assessed",
                    "version": 1,
                    "last_assessed_at": None,
                    "addressees": [{"slug": "kazakhstan", "label": "State of Kazakhstan"}],
                    "themes": [{"slug": "freedom-of-association", "label": "Freedom of association"}],
                    "sdg_targets": [{"slug": "16.10", "label": "Protect fundamental freedoms"}],
                    "recommending_states": [],
                    "paragraph": None,
                    "response": None,
                    "response_original": None,
                    "action_category": None,
                },
                {
                    "code": "upr-kz-s20-1.12",
                    "source": "upr-kz-s20",
                    "source_kind": "upr_review",
                    "section": {"number": 1, "title": "Recommendations"},
                    "number": 12,
                    "text": "Consider decriminalising defamation.",
                    "status": "not_assessed",
                    "claimed_status": "not_assessed",
                    "version": 1,
                    "last_assessed_at": None,
                    "addressees": [],
                    "themes": [{"slug": "freedom-of-expression", "label": "Freedom of expression"}],
                    "sdg_targets": [],
                    "recommending_states": [
                        {"slug": "estonia", "label": "Estonia"},
                        {"slug": "latvia", "label": "Latvia"},
                    ],
                    "paragraph": "106.12",
                    "response": "noted",
                    "response_original": "Noted",
                    "action_category": 3,
                },
            ]
        }
    )

    code: str
    source: str
    source_kind: SourceKind = Field(description="The kind of the source the recommendation comes from.")
    section: SectionOut
    number: int
    text: str = Field(description="The text as the source wrote it, in `text_language`.")
    text_language: str = Field(description="The language (BCP 47) of `text`: the source's.", examples=["en"])
    translated_text: str | None = Field(
        default=None,
        description="The text in the language asked for (`lang`, else Accept-Language), when a translation "
        "into it is recorded; null otherwise, and when that is the original's language.",
    )
    translation: TranslationOut | None = Field(
        default=None, description="Whose `translated_text` is: null when there is none."
    )
    status: Status
    claimed_status: Status = Field(description="The state's latest claim (perspective 'state').")
    version: int = Field(description="Bumped by every write; the ETag carries it.")
    last_assessed_at: datetime | None
    addressees: list[CategoryOut]
    themes: list[CategoryOut]
    sdg_targets: list[CategoryOut]
    recommending_states: list[CategoryOut] = Field(
        description="The states that made the recommendation (UPR recommendations are often joint)."
    )
    paragraph: str | None = Field(description="The source's own reference, e.g. 106.12.", examples=["106.12"])
    response: Response | None = Field(description="The state's current position on the recommendation.")
    response_original: str | None = Field(
        description="The word the source used for the response, as written (e.g. 'Accepted').",
        examples=["Accepted"],
    )
    action_category: int | None = Field(
        description="UPR Info's scale of the action asked for: 1 minimal ... 5 specific action.",
        ge=1,
        le=5,
    )


class LinkedRecommendationOut(BaseModel):
    """A recommendation of another source that a monitor linked to this one, as the link stands now."""

    code: str = Field(examples=["upr-kz-s20-1.12"])
    text: str
    source: str = Field(description="The other recommendation's source (slug).", examples=["upr-kz-s20"])
    source_kind: SourceKind
    paragraph: str | None = Field(description="The source's own reference, e.g. 106.12.")
    recommending_states: list[CategoryOut] = Field(description="Who made it, for UPR recommendations.")
    response: Response | None = Field(description="The state's current position on the other recommendation.")
    strength: LinkStrength = Field(
        description="same_measure: both ask for the same concrete change; related: overlapping measures."
    )
    note: str | None
    linked_at: datetime


class RecommendationDetailOut(RecommendationOut):
    """One recommendation with its linked evidence and its links to recommendations of other sources."""

    evidence: list[LinkedEvidenceOut]
    links: list[LinkedRecommendationOut] = Field(
        description="Its active links to recommendations of other sources, oldest first."
    )


class RecommendationPage(BaseModel):
    """A page of recommendations in natural code order."""

    items: list[RecommendationOut]
    total: int = Field(description="How many recommendations match the filters, over all pages.")
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class ClaimGapFilter(StrEnum):
    """The `claim_gap` filter: one class of claim gap (app.vocabulary.ClaimGapClass), or any."""

    overclaim = "overclaim"
    underclaim = "underclaim"
    unassessed = "unassessed"
    any = "any"


class RecommendationFilters(InputModel):
    """The filters shared by the list, scorecards and reports."""

    source: str | None = Field(default=None, max_length=64, description="Source slug.")
    section: int | None = Field(default=None, ge=1, le=10_000, description="Section number, e.g. 2.")
    status: Status | None = None
    theme: str | None = Field(default=None, max_length=64, description="Theme slug.")
    addressee: str | None = Field(default=None, max_length=64, description="Addressee slug.")
    sdg: str | None = Field(default=None, max_length=64, description="SDG target, e.g. 16.10.")
    q: str | None = Field(default=None, max_length=200, description="Case-insensitive text search.")
    recommending_state: str | None = Field(
        default=None, max_length=64, description="Recommending state's slug, e.g. estonia."
    )
    response: Response | None = Field(
        default=None,
        description="The state's response. Scorecards, claim gaps and reports match the response as of "
        "`as_of` and `known_at`; the list matches the current one.",
    )
    kind: SourceKind | None = Field(default=None, description="The kind of source.")
    claim_gap: ClaimGapFilter | None = Field(
        default=None,
        description="Only recommendations whose state claim differs from the independent status in this "
        "way (any: in any way): overclaim (the claim ranks above the monitors' status; statuses rank "
        "implemented > partially_implemented > not_implemented > regressed), underclaim (below), "
        "unassessed (claimed, not assessed by monitors). Scorecards, claim gaps and reports compare the "
        "statuses as of `as_of` and `known_at`; the list compares the current ones.",
    )


SourceOut.model_rebuild()


class RecommendationVersion(BaseModel):
    """Where a recommendation stands after a write."""

    code: str
    version: int
    etag: str
    status: Status
    claimed_status: Status
