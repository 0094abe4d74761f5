"""Request and response models of translations."""

from datetime import datetime
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.history.schemas import HistoryEntryOut
from app.inputs import InputModel, OneLineText, VisibleText
from app.recommendations.schemas import RecommendationVersion
from app.vocabulary import Provenance

Language = Literal["en", "ru", "kk"]


class TranslationIn(InputModel):
    """A recommendation's text or a title in another language, and whose translation it is."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    language: Language = Field(description="BCP 47 tag of the translation's language.")
    text: VisibleText = Field(min_length=1, max_length=20_000)
    provenance: Provenance = Field(description="`official` (by the body itself) or `unofficial`.")
    translator: OneLineText | None = Field(
        default=None,
        max_length=500,
        description="Who translated it, e.g. 'Open Dialog Foundation volunteers'; required when unofficial.",
    )

    @model_validator(mode="after")
    def _unofficial_names_its_translator(self) -> Self:
        # An unofficial translation is only as good as whoever made it: readers are told who.
        if self.provenance is Provenance.unofficial and self.translator is None:
            raise ValueError("an unofficial translation names its translator")
        return self


class TranslationCreated(BaseModel):
    """The new history entry and the recommendation's new version."""

    entry: HistoryEntryOut
    recommendation: RecommendationVersion


class TitleTranslationOut(BaseModel):
    """A title's current translation into one language, and whose it is."""

    language: str = Field(examples=["ru"])
    text: str = Field(examples=["Свобода распространения информации"])
    provenance: Provenance
    translator: str | None = Field(examples=["rectrack contributors (unofficial)"])
    recorded_at: datetime


class TitleTranslations(BaseModel):
    """A section's or source's title as written, and its current translations."""

    title: str = Field(examples=["Freedom to disseminate information"])
    language: str = Field(description="The language (BCP 47) the title is written in: the source's.")
    translations: list[TitleTranslationOut]


class TitleTranslationCreated(BaseModel):
    """The title's new translation, its new ETag, and each recommendation whose history records it."""

    translation: TitleTranslationOut
    etag: str = Field(
        description="The title's new ETag (also in the ETag header): If-Match for its next one."
    )
    recommendations: list[RecommendationVersion] = Field(
        description="Each recommendation of the section or source, at the version this entry gave it."
    )
