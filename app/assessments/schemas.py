"""Request and response models of assessments."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.history.schemas import HistoryEntryOut
from app.inputs import InputModel, PastDate, VisibleText
from app.recommendations.schemas import RecommendationVersion
from app.vocabulary import AssessedStatus, Perspective


class AssessmentIn(InputModel):
    """A dated judgement of a recommendation's status."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    status: AssessedStatus
    perspective: Perspective = Perspective.independent
    summary: VisibleText = Field(min_length=1, max_length=10_000)
    effective_on: PastDate | None = Field(default=None, description="When it became true; default today.")
    evidence_ids: list[Annotated[int, Field(ge=1, le=2**31 - 1, strict=True)]] = Field(
        default_factory=list, max_length=100, description="Evidence already linked to this recommendation."
    )

    @field_validator("evidence_ids")
    @classmethod
    def _unique(cls, value: list[int]) -> list[int]:
        return sorted(set(value))


class AssessmentCreated(BaseModel):
    """The new history entry and the recommendation's new version."""

    entry: HistoryEntryOut
    recommendation: RecommendationVersion
