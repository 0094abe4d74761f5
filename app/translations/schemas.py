"""Request and response models of translations."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.history.schemas import HistoryEntryOut
from app.inputs import InputModel, OneLineText, VisibleText
from app.recommendations.schemas import RecommendationVersion
from app.vocabulary import Provenance

Language = Literal["en", "ru", "kk"]


class TranslationIn(InputModel):
    """A recommendation's text in another language, and whose translation it is."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    language: Language = Field(description="BCP 47 tag of the translation's language.")
    text: VisibleText = Field(min_length=1, max_length=20_000)
    provenance: Provenance = Field(description="`official` (by the body itself) or `unofficial`.")
    translator: OneLineText | None = Field(
        default=None,
        max_length=500,
        description="Who translated it, e.g. 'Open Dialog Foundation volunteers'.",
    )


class TranslationCreated(BaseModel):
    """The new history entry and the recommendation's new version."""

    entry: HistoryEntryOut
    recommendation: RecommendationVersion
