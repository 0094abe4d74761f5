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
    payload: dict[str, Any] | None = Field(description="What was recorded; null once withdrawn.")
    redacted: bool = Field(description="True when restricted evidence was left out of the payload for you.")
    prev_hash: str | None
    hash: str
    format: int = Field(
        description="1: the hash covers the payload itself (entries before December 2026); "
        "2: it covers `commitment`, a salted hash of the payload and the recorder's alias."
    )
    commitment: str | None = Field(
        description="SHA-256(salt bytes + LF + canonical JSON of {payload, recorded_by}) for format 2."
    )
    salt: str | None = Field(
        description="Opens the commitment (hex); null: redacted for you, withdrawn, or format 1."
    )
    leaf_index: int | None = Field(
        description="The entry's permanent place in the log's Merkle tree; null until sequenced (seconds)."
    )
    withdrawn: bool = Field(description="True when an admin erased this entry's content; its hash stays.")
    withdrawn_by_entry: int | None = Field(description="The id of the withdrawal entry that erased it.")
    supersedes_entry: int | None = Field(
        default=None, description="On a correction: the id of the assessment or evidence link it replaces."
    )
    corrected_by_entry: int | None = Field(
        default=None,
        description="The id of the correction that replaced this entry; it stops counting from that "
        "correction's recorded_at on.",
    )


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
    log: dict[str, Any] = Field(
        description="The Merkle log: its size and root, the checkpoints compared, the first discrepancy."
    )
    state: dict[str, Any] | None = Field(
        default=None,
        description="What the public sees (texts, statuses, versions, evidence, links, categories, aliases) "
        "against the chains: `ok`, the first discrepancy of each check with the recommendation's code, "
        "what was checked, and what no chain anchors. Absent from a verification since a checkpoint.",
    )


class CheckpointOut(BaseModel):
    """A signed statement of the log's size and root: keep it elsewhere to check this log later."""

    tree_size: int = Field(description="How many entries (leaves) the tree holds.")
    root_hash: str = Field(description="RFC 9162 Merkle tree hash of those leaves, hex.")
    signed_at: datetime
    origin: str = Field(description="The log's name, set by RECTRACK_LOG_ORIGIN.")
    key_id: str = Field(description="First 8 bytes of SHA-256 over the raw public key, hex.")
    public_key: str = Field(description="The Ed25519 public key, raw, base64.")
    signature: str = Field(description="Ed25519 signature over `note`, base64.")
    note: str = Field(description="The exact signed text: header, origin, size, root, time, one per line.")


class CheckpointPage(BaseModel):
    """Signed checkpoints by tree size."""

    items: list[CheckpointOut]
    next_after: int = Field(description="Pass as `after` to get later checkpoints.")


class InclusionProof(BaseModel):
    """The audit path from one entry's leaf to a checkpoint's root (RFC 9162, 2.1.3)."""

    entry_id: int
    entry_hash: str = Field(description="The entry's chain hash; the leaf is SHA-256(0x00 + its bytes).")
    leaf_index: int
    leaf_hash: str
    tree_size: int
    audit_path: list[str] = Field(description="Sibling hashes from the leaf upwards, hex.")
    checkpoint: CheckpointOut


class ConsistencyProof(BaseModel):
    """The proof that an earlier checkpoint's tree is a prefix of a later one's (RFC 9162, 2.1.4)."""

    from_size: int
    to_size: int
    proof: list[str] = Field(description="Hex node hashes, in RFC 9162 order.")
    from_checkpoint: CheckpointOut
    to_checkpoint: CheckpointOut
