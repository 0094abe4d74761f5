"""Bodies and responses of withdrawals."""

from pydantic import BaseModel, ConfigDict, Field

from app.history.schemas import HistoryEntryOut
from app.inputs import InputModel, VisibleText
from app.recommendations.schemas import RecommendationVersion


class WithdrawalIn(InputModel):
    """Why an entry's content is withdrawn: published in the history with who and when."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: VisibleText = Field(
        min_length=1, max_length=2000, description="Public: say why, never repeat what is withdrawn."
    )


class WithdrawalCreated(BaseModel):
    """The withdrawal entry and the recommendation's new version."""

    entry: HistoryEntryOut
    recommendation: RecommendationVersion
