"""Appending to and reading the per-recommendation history."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, and_, func, select
from sqlmodel import Session, col

from app.db import utcnow
from app.history.chain import COMMITTED_FORMAT, canonical_json, content_commitment, entry_digest, new_salt
from app.models import HistoryEntry, Recommendation, derived_alias, saved_id
from app.vocabulary import HistoryKind, Perspective, Response, Status


class ChainHead(NamedTuple):
    """The newest entry of a recommendation's chain: what the next entry links to."""

    seq: int
    hash: str


def chain_head(session: Session, recommendation_id: int) -> ChainHead | None:
    """The newest entry's seq and hash, or None for an empty chain."""
    row = session.execute(
        select(col(HistoryEntry.seq), col(HistoryEntry.hash))
        .where(col(HistoryEntry.recommendation_id) == recommendation_id)
        .order_by(col(HistoryEntry.seq).desc())
        .limit(1)
    ).first()
    return ChainHead(row.seq, row.hash) if row else None


def chain_heads(session: Session, recommendations: ColumnElement[bool]) -> dict[int, ChainHead]:
    """The newest entry of each chain the condition selects (an empty chain has none)."""
    newest = (
        select(col(HistoryEntry.recommendation_id), func.max(col(HistoryEntry.seq)).label("seq"))
        .join(Recommendation, col(Recommendation.id) == col(HistoryEntry.recommendation_id))
        .where(recommendations)
        .group_by(col(HistoryEntry.recommendation_id))
        .subquery()
    )
    rows = session.execute(
        select(col(HistoryEntry.recommendation_id), col(HistoryEntry.seq), col(HistoryEntry.hash)).join(
            newest,
            and_(
                col(HistoryEntry.recommendation_id) == newest.c.recommendation_id,
                col(HistoryEntry.seq) == newest.c.seq,
            ),
        )
    )
    return {rec_id: ChainHead(seq, digest) for rec_id, seq, digest in rows}


@dataclass
class EntryFields:
    """An entry's columns before insertion: what bulk writers insert without building ORM objects."""

    recommendation_id: int
    seq: int
    kind: str
    status: str | None
    perspective: str | None
    effective_on: date
    recorded_at: datetime
    recorded_by: int | None
    payload: str
    prev_hash: str | None
    hash: str
    format: int
    salt: str
    commitment: str
    withdraws_entry_id: int | None = None
    response: str | None = None
    supersedes_entry_id: int | None = None


def entry_fields(
    recommendation_id: int,
    code: str,
    head: ChainHead | None,
    *,
    kind: HistoryKind,
    effective_on: date,
    recorded_by: int | None,
    payload: dict[str, Any],
    status: Status | None = None,
    perspective: Perspective | None = None,
    withdraws_entry_id: int | None = None,
    response: Response | None = None,
    recorded_at: datetime | None = None,
    supersedes_entry_id: int | None = None,
) -> EntryFields:
    """The next entry after `head`, committed to a fresh salt, hashed and timestamped now (or `recorded_at`:
    one write to two chains stamps both entries alike)."""
    seq, prev_hash = (head.seq + 1, head.hash) if head else (1, None)
    salt = new_salt()
    fields = EntryFields(
        recommendation_id=recommendation_id,
        seq=seq,
        kind=kind.value,
        status=status.value if status else None,
        perspective=perspective.value if perspective else None,
        effective_on=effective_on,
        recorded_at=recorded_at or utcnow(),
        recorded_by=recorded_by,
        payload=canonical_json(payload),
        prev_hash=prev_hash,
        hash="",  # set below: the digest covers the fields above
        format=COMMITTED_FORMAT,
        salt=salt,
        commitment=content_commitment(salt, payload, derived_alias(recorded_by)),
        withdraws_entry_id=withdraws_entry_id,
        response=response.value if response else None,
        supersedes_entry_id=supersedes_entry_id,
    )
    fields.hash = entry_digest(code, fields, payload)
    return fields


@dataclass
class NewEntry(EntryFields):
    """An entry a write appends without an ORM object (`append` sets the id); read like a HistoryEntry."""

    id: int | None = None
    transaction_id: int = 0  # PostgreSQL's trigger sets the writing transaction's, whatever is sent


def new_entry(recommendation_id: int, code: str, head: ChainHead | None, **fields: Any) -> NewEntry:
    """The next entry after `head` (see entry_fields), for `append`: building no model object saves CPU."""
    return NewEntry(**vars(entry_fields(recommendation_id, code, head, **fields)))


def build_entry(recommendation_id: int, code: str, head: ChainHead | None, **fields: Any) -> HistoryEntry:
    """The next entry after `head` (see entry_fields) as a model object; not yet added."""
    return HistoryEntry(**vars(entry_fields(recommendation_id, code, head, **fields)))


def append_entry(session: Session, recommendation: Recommendation, **fields: Any) -> HistoryEntry:
    """Append one hash-chained entry; the caller holds the recommendation's write lock."""
    head = chain_head(session, saved_id(recommendation))
    entry = build_entry(saved_id(recommendation), recommendation.code, head, **fields)
    session.add(entry)
    session.flush()
    return entry
