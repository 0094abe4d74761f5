"""Appending to and reading the per-recommendation history."""

import json
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from app.db import utcnow
from app.history.chain import canonical_json, entry_document, entry_hash
from app.models import HistoryEntry, Monitor, Recommendation
from app.vocabulary import HistoryKind, Perspective, Status

SYSTEM_ALIAS = "system"


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


def list_entries(session: Session, recommendation_id: int) -> list[HistoryEntry]:
    """A recommendation's history in seq order."""
    return list(
        session.scalars(
            select(HistoryEntry)
            .where(HistoryEntry.recommendation_id == recommendation_id)
            .order_by(HistoryEntry.seq)
        )
    )


def payload_of(entry: HistoryEntry) -> dict[str, Any]:
    """The entry's payload as stored."""
    return json.loads(entry.payload)


def aliases(session: Session, monitor_ids: set[int]) -> dict[int, str]:
    """Public aliases of the given monitors, in one query."""
    if not monitor_ids:
        return {}
    return dict(session.execute(select(Monitor.id, Monitor.alias).where(Monitor.id.in_(monitor_ids))).all())


def history_view(session: Session, recommendation: Recommendation) -> list[dict[str, Any]]:
    """A recommendation's history as shown to readers: aliases instead of monitor ids."""
    entries = list_entries(session, recommendation.id)
    alias_of = aliases(session, {entry.recorded_by for entry in entries if entry.recorded_by is not None})
    return [
        {
            "id": entry.id,
            "recommendation": recommendation.code,
            "seq": entry.seq,
            "kind": entry.kind,
            "status": entry.status,
            "perspective": entry.perspective,
            "effective_on": entry.effective_on,
            "recorded_at": entry.recorded_at,
            "recorded_by": alias_of.get(entry.recorded_by, SYSTEM_ALIAS)
            if entry.recorded_by
            else SYSTEM_ALIAS,
            "payload": payload_of(entry),
            "prev_hash": entry.prev_hash,
            "hash": entry.hash,
        }
        for entry in entries
    ]
