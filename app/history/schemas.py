"""Response models of the history: entries, pages, the feed and verification."""

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from app.vocabulary import HistoryKind, Perspective, Status


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
    recorded_by: str = Field(
        description="A public alias ('Monitor 3'), 'system', or 'withheld' on an entry redacted for you."
    )
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
