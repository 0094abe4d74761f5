"""Request and response models of history, assessments and evidence."""

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from app.evidence.urls import normalise_url
from app.inputs import InputModel
from app.vocabulary import EvidenceKind, HistoryKind, Perspective, Relation, Status, Visibility


def latest_date_on_earth() -> date:
    """Today somewhere: UTC+14 is the first zone to reach a date, so nothing later is 'not in the future'."""
    return (datetime.now(UTC) + timedelta(hours=14)).date()


def _not_in_future(value: date | None) -> date | None:
    if value is not None and value > latest_date_on_earth():
        raise ValueError("must not be in the future")
    if value is not None and value.year < 1945:
        raise ValueError("must be in 1945 or later")
    return value


def _iso_text_only(value: Any) -> Any:
    # Pydantic would read a number as a Unix timestamp; the schema promises an ISO date string.
    if not isinstance(value, str | date):
        raise ValueError("must be an ISO date such as 2024-05-01")
    return value


PastDate = Annotated[date, BeforeValidator(_iso_text_only), AfterValidator(_not_in_future)]


class HistoryEntryOut(BaseModel):
    """One entry of a recommendation's hash-chained history."""

    id: int = Field(description="Global, increasing in recording order.")
    recommendation: str
    seq: int
    kind: HistoryKind
    status: Status | None
    perspective: Perspective | None
    effective_on: date
    recorded_at: datetime
    recorded_by: str = Field(description="A public alias such as 'Monitor 3', or 'system'.")
    recorded_by_name: str | None = Field(description="The monitor's name: only for viewers and above.")
    payload: dict[str, Any]
    redacted: bool = Field(description="True when restricted evidence was left out of the payload for you.")
    prev_hash: str | None
    hash: str


class HistoryPage(BaseModel):
    """History entries in order."""

    items: list[HistoryEntryOut]


class FeedPage(BaseModel):
    """Entries of every recommendation in recording order."""

    items: list[HistoryEntryOut]
    next_after: int = Field(description="Pass as `after` to get the entries recorded since.")


class VerifyReport(BaseModel):
    """The result of recomputing every hash chain."""

    ok: bool
    entries: int = Field(description="How many entries were checked.")
    chains: int = Field(description="How many recommendations' chains were checked.")
    root: str = Field(
        description="SHA-256 over every chain's head: publish it to prove later that nothing changed."
    )
    first_broken: dict[str, Any] | None = Field(description="The first entry that does not verify, and why.")


class RecommendationVersion(BaseModel):
    """Where a recommendation stands after a write."""

    code: str
    version: int
    etag: str
    status: Status
    claimed_status: Status


class AssessmentIn(InputModel):
    """A dated judgement of a recommendation's status."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    status: Literal["not_implemented", "partially_implemented", "implemented", "regressed"]
    perspective: Perspective = Perspective.independent
    summary: str = Field(min_length=1, max_length=10_000)
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


HTTP_URL_PATTERN = r"^[Hh][Tt][Tt][Pp][Ss]?://"


def _http_url(value: str) -> str:
    normalise_url(value)  # raises ValueError for anything but an http(s) URL with a host
    return value


class EvidenceIn(InputModel):
    """A document to link to a recommendation; an existing item with the same URL is reused."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    url: Annotated[
        str, Field(min_length=10, max_length=2048, pattern=HTTP_URL_PATTERN), AfterValidator(_http_url)
    ]
    title: str = Field(min_length=1, max_length=500)
    kind: EvidenceKind = EvidenceKind.other
    published_on: PastDate | None = None
    visibility: Visibility = Visibility.public
    relation: Relation
    note: str | None = Field(default=None, max_length=2000)


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
