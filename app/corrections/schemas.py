"""Bodies and responses of corrections."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.history.schemas import HistoryEntryOut
from app.inputs import InputModel, PastDate, VisibleText
from app.recommendations.schemas import RecommendationVersion
from app.vocabulary import AssessedStatus, Relation


class CorrectionIn(InputModel):
    """Why an entry was wrong and, optionally, what it should have said.

    For an assessment: any of status, effective_on, summary and evidence_ids (the others are kept from the
    corrected entry; the perspective never changes), or none, and the assessment simply stops counting. For
    an evidence link: relation and/or note (a new link replaces the old one), or none, and the link ends.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: VisibleText = Field(
        min_length=1, max_length=2000, description="Public, with the correction: say what was wrong."
    )
    status: AssessedStatus | None = None
    effective_on: PastDate | None = None
    summary: VisibleText | None = Field(default=None, min_length=1, max_length=10_000)
    evidence_ids: list[Annotated[int, Field(ge=1, le=2**31 - 1, strict=True)]] | None = Field(
        default=None, max_length=100, description="Evidence linked to this recommendation now."
    )
    relation: Relation | None = None
    note: VisibleText | None = Field(default=None, min_length=1, max_length=2000)

    @field_validator("evidence_ids")
    @classmethod
    def _unique(cls, value: list[int] | None) -> list[int] | None:
        return sorted(set(value)) if value is not None else None

    def assessment_values(self) -> bool:
        """True when corrected assessment values are given."""
        return any(
            value is not None for value in (self.status, self.effective_on, self.summary, self.evidence_ids)
        )

    def link_values(self) -> bool:
        """True when corrected link values are given."""
        return self.relation is not None or self.note is not None


class CorrectionCreated(BaseModel):
    """The correction entry and the recommendation's new version."""

    entry: HistoryEntryOut
    recommendation: RecommendationVersion
