"""Request and response models of links between recommendations of different sources."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from app.inputs import InputModel, VisibleText
from app.recommendations.schemas import RecommendationVersion
from app.vocabulary import LinkStrength

MAX_VERSION = 2**31 - 1
OTHER_CODE = Field(
    min_length=1,
    max_length=96,
    description="The other recommendation's code (of another source).",
    examples=["upr-kz-s20-1.12"],
)
OTHER_VERSION = Field(
    ge=1,
    le=MAX_VERSION,
    description="The other recommendation's version from your last read of it (its ETag without quotes).",
    examples=[1],
)


class LinkIn(InputModel):
    """A link from the recommendation in the path to one of another source."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    other: str = OTHER_CODE
    other_version: int = OTHER_VERSION
    strength: LinkStrength = Field(
        description="same_measure: both ask for the same concrete change (the same law, offence, procedure "
        "or right); related: overlapping measures."
    )
    note: VisibleText | None = Field(default=None, max_length=2000)


class UnlinkIn(InputModel):
    """Why a link is ended, and the other recommendation's version; kept in both histories."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: VisibleText = Field(min_length=1, max_length=2000)
    other_version: int = OTHER_VERSION


class LinkOut(BaseModel):
    """The link just made."""

    id: int
    recommendation: str = Field(description="The recommendation in the path.")
    other: str
    strength: LinkStrength
    note: str | None
    linked_at: datetime


class RecommendationsLinked(BaseModel):
    """The link, and where both recommendations stand after it (the ETag header is the path one's)."""

    link: LinkOut
    recommendation: RecommendationVersion
    other: RecommendationVersion


class RecommendationsUnlinked(BaseModel):
    """Where both recommendations stand after the unlinking (the ETag header is the path one's)."""

    recommendation: RecommendationVersion
    other: RecommendationVersion


class LinkFilters(InputModel):
    """Which links to list: by the sources of their two ends (in either order) and strength."""

    source: str | None = Field(default=None, max_length=64, description="One end's source (slug).")
    other_source: str | None = Field(
        default=None, max_length=64, description="The other end's source (slug)."
    )
    strength: LinkStrength | None = None


class LinkListItem(BaseModel):
    """An active link between two recommendations; `source`'s end first when the list is filtered by it."""

    recommendation: str
    source: str
    other: str
    other_source: str
    strength: LinkStrength
    note: str | None
    linked_at: datetime


class LinkPage(BaseModel):
    """Active links in the order they were made."""

    items: list[LinkListItem]
    total: int = Field(description="How many active links match the filters, over all pages.")
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")
