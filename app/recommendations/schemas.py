"""Response and query models of the recommendations API."""

from datetime import date, datetime

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field

from app.inputs import InputModel
from app.vocabulary import EvidenceKind, Relation, Status, Visibility

CODE_PATH = Path(
    description="Recommendation code, e.g. odf-kz-2015-2.1.", max_length=96, examples=["odf-kz-2015-2.1"]
)


class SourceOut(BaseModel):
    """A report that makes recommendations."""

    slug: str = Field(examples=["odf-kz-2015"])
    title: str
    publisher: str
    published_on: date | None
    date_note: str | None = None
    sections: list["SectionOut"]
    recommendations: int = Field(description="How many recommendations the source makes.")


class SectionOut(BaseModel):
    """A source's own grouping."""

    number: int = Field(examples=[2])
    title: str = Field(examples=["Legislative measures"])


class CategoryOut(BaseModel):
    """An addressee, theme or SDG target."""

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
                }
            ]
        }
    )

    code: str
    source: str
    section: SectionOut
    number: int
    text: str
    status: Status
    claimed_status: Status = Field(description="The state's latest claim (perspective 'state').")
    version: int = Field(description="Bumped by every write; the ETag carries it.")
    last_assessed_at: datetime | None
    addressees: list[CategoryOut]
    themes: list[CategoryOut]
    sdg_targets: list[CategoryOut]


class RecommendationDetailOut(RecommendationOut):
    """One recommendation with its linked evidence."""

    evidence: list[LinkedEvidenceOut]


class RecommendationPage(BaseModel):
    """A page of recommendations in natural code order."""

    items: list[RecommendationOut]
    total: int = Field(description="How many recommendations match the filters, over all pages.")
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class RecommendationFilters(InputModel):
    """The filters shared by the list, scorecards and reports."""

    source: str | None = Field(default=None, max_length=64, description="Source slug.")
    section: int | None = Field(default=None, ge=1, le=10_000, description="Section number, e.g. 2.")
    status: Status | None = None
    theme: str | None = Field(default=None, max_length=64, description="Theme slug.")
    addressee: str | None = Field(default=None, max_length=64, description="Addressee slug.")
    sdg: str | None = Field(default=None, max_length=64, description="SDG target, e.g. 16.10.")
    q: str | None = Field(default=None, max_length=200, description="Case-insensitive text search.")


SourceOut.model_rebuild()


class RecommendationVersion(BaseModel):
    """Where a recommendation stands after a write."""

    code: str
    version: int
    etag: str
    status: Status
    claimed_status: Status
