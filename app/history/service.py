"""Appending to and reading the per-recommendation history."""

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from app.db import utcnow
from app.history.chain import canonical_json, entry_document, entry_hash
from app.models import HistoryEntry, Recommendation
from app.vocabulary import HistoryKind, Perspective, Status


def append_entry(
    session: Session,
    recommendation: Recommendation,
    *,
    kind: HistoryKind,
    effective_on: date,
    recorded_by: int | None,
    payload: dict[str, Any],
    status: Status | None = None,
    perspective: Perspective | None = None,
) -> HistoryEntry:
    """Append one hash-chained entry; the caller holds the recommendation's write lock."""
    last = session.execute(
        select(HistoryEntry.seq, HistoryEntry.hash)
        .where(HistoryEntry.recommendation_id == recommendation.id)
        .order_by(HistoryEntry.seq.desc())
        .limit(1)
    ).first()
    seq, prev_hash = (last.seq + 1, last.hash) if last else (1, None)
    recorded_at = utcnow()
    document = entry_document(
        code=recommendation.code,
        seq=seq,
        kind=kind.value,
        status=status.value if status else None,
        perspective=perspective.value if perspective else None,
        effective_on=effective_on,
        recorded_at=recorded_at,
        recorded_by=recorded_by,
        payload=payload,
    )
    entry = HistoryEntry(
        recommendation_id=recommendation.id,
        seq=seq,
        kind=kind,
        status=status,
        perspective=perspective,
        effective_on=effective_on,
        recorded_at=recorded_at,
        recorded_by=recorded_by,
        payload=canonical_json(payload),
        prev_hash=prev_hash,
        hash=entry_hash(prev_hash, document),
    )
    session.add(entry)
    session.flush()
    return entry
