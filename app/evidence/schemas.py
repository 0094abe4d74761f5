"""Request and response models of evidence items and their links to recommendations."""

from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from app.evidence.urls import normalise_url
from app.history.schemas import HistoryEntryOut
from app.inputs import CleanText, InputModel, OneLineText, PastDate, VisibleText
from app.recommendations.schemas import RecommendationVersion
from app.vocabulary import EvidenceKind, Relation, Visibility

HTTP_URL_PATTERN = r"^[Hh][Tt][Tt][Pp][Ss]?://"


def _http_url(value: str) -> str:
    # Stored and shown as normalised: what people see is what the reuse check compared.
    return normalise_url(value)  # ValueError for anything but a plain http(s) URL with a host


class EvidenceIn(InputModel):
    """A document to link to a recommendation; an existing item with the same URL is reused."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    url: Annotated[
        str, Field(min_length=10, max_length=2048, pattern=HTTP_URL_PATTERN), AfterValidator(_http_url)
    ]
    title: OneLineText = Field(min_length=1, max_length=500)
    kind: EvidenceKind = EvidenceKind.other
    published_on: PastDate | None = None
    visibility: Visibility = Visibility.public
    relation: Relation
    note: VisibleText | None = Field(default=None, max_length=2000)


class EvidenceOut(BaseModel):
    """An evidence item."""

    id: int
    url: str
    title: str
    kind: EvidenceKind
    published_on: date | None
    visibility: Visibility
    created_at: datetime


class EvidenceLinked(BaseModel):
    """The link just made, the history entry that records it, and the new version."""

    evidence: EvidenceOut
    reused: bool = Field(description="True when an item with the same normalised URL already existed.")
    relation: Relation
    visibility: Visibility = Field(
        description="The link's own visibility: restricted when asked for or when the item is restricted, "
        "whatever the item's (`evidence.visibility`) is."
    )
    note: str | None
    entry: HistoryEntryOut
    recommendation: RecommendationVersion


class EvidenceUnlinked(BaseModel):
    """The history entry that records the unlinking, and the new version."""

    entry: HistoryEntryOut
    recommendation: RecommendationVersion


class EvidenceLinkOut(BaseModel):
    """Where an evidence item is linked."""

    recommendation: str
    relation: Relation
    linked_at: datetime


class EvidenceFound(EvidenceOut):
    """An evidence item and its current links."""

    links: list[EvidenceLinkOut]


class EvidenceUnlinkIn(InputModel):
    """Why a link is removed; kept in the history with who and when."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: VisibleText = Field(min_length=1, max_length=2000)


class EvidenceLookupIn(InputModel):
    """An evidence URL to look up, in the body so that it stays out of logs."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    url: CleanText = Field(min_length=1, max_length=2048, description="Any spelling of the item's URL.")
