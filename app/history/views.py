"""History as readers see it: aliases for the public, restricted evidence left out."""

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from app.models import Evidence, HistoryEntry, Monitor, Recommendation
from app.vocabulary import Visibility

SYSTEM_ALIAS = "system"


def recommendation_history(
    session: Session, recommendation: Recommendation, *, privileged: bool
) -> list[dict[str, Any]]:
    """A recommendation's history in seq order."""
    entries = session.scalars(
        select(HistoryEntry)
        .where(HistoryEntry.recommendation_id == recommendation.id)
        .order_by(HistoryEntry.seq)
    )
    return entry_views(session, [(entry, recommendation.code) for entry in entries], privileged=privileged)


def history_feed(session: Session, *, after: int, limit: int, privileged: bool) -> list[dict[str, Any]]:
    """Entries of every recommendation in recording order, after the given id."""
    rows = session.execute(
        select(HistoryEntry, Recommendation.code)
        .join(Recommendation, Recommendation.id == HistoryEntry.recommendation_id)
        .where(HistoryEntry.id > after)
        .order_by(HistoryEntry.id)
        .limit(limit)
    ).all()
    return entry_views(session, [(entry, code) for entry, code in rows], privileged=privileged)


def entry_views(
    session: Session, rows: list[tuple[HistoryEntry, str]], *, privileged: bool
) -> list[dict[str, Any]]:
    """Render entries with aliases (names only for viewers up); hide restricted evidence from the public."""
    payloads = [json.loads(entry.payload) for entry, _ in rows]
    monitors = _monitors(session, {entry.recorded_by for entry, _ in rows if entry.recorded_by is not None})
    hidden = set() if privileged else restricted_evidence_ids(session, _referenced_evidence(payloads))
    views = []
    for (entry, code), payload in zip(rows, payloads, strict=True):
        alias, name = monitors.get(entry.recorded_by, (SYSTEM_ALIAS, None))
        redacted = _redact(payload, hidden)
        views.append(
            {
                "id": entry.id,
                "recommendation": code,
                "seq": entry.seq,
                "kind": entry.kind,
                "status": entry.status,
                "perspective": entry.perspective,
                "effective_on": entry.effective_on,
                "recorded_at": entry.recorded_at,
                "recorded_by": alias,
                "recorded_by_name": name if privileged else None,
                "payload": redacted,
                "redacted": redacted is not payload,
                "prev_hash": entry.prev_hash,
                "hash": entry.hash,
            }
        )
    return views


def restricted_evidence_ids(session: Session, ids: set[int]) -> set[int]:
    """Which of these evidence items are restricted."""
    if not ids:
        return set()
    return set(
        session.scalars(
            select(Evidence.id).where(
                Evidence.id.in_(ids), Evidence.visibility == Visibility.restricted.value
            )
        )
    )


def _monitors(session: Session, ids: set[int]) -> dict[int, tuple[str, str]]:
    if not ids:
        return {}
    rows = session.execute(select(Monitor.id, Monitor.alias, Monitor.name).where(Monitor.id.in_(ids)))
    return {monitor_id: (alias, name) for monitor_id, alias, name in rows}


def _referenced_evidence(payloads: Iterable[dict[str, Any]]) -> set[int]:
    ids: set[int] = set()
    for payload in payloads:
        if "evidence_id" in payload:
            ids.add(payload["evidence_id"])
        ids.update(payload.get("evidence_ids", []))
        ids.update(item["evidence_id"] for item in payload.get("evidence", []))
    return ids


def _redact(payload: dict[str, Any], hidden: set[int]) -> dict[str, Any]:
    """The payload without restricted evidence; the same object when nothing is hidden."""
    if not hidden or not (_referenced_evidence([payload]) & hidden):
        return payload
    if payload.get("evidence_id") in hidden:
        return {"evidence_id": payload["evidence_id"], "restricted": True}
    redacted = dict(payload)
    if "evidence_ids" in redacted:
        redacted["evidence_ids"] = [i for i in redacted["evidence_ids"] if i not in hidden]
    if "evidence" in redacted:
        redacted["evidence"] = [item for item in redacted["evidence"] if item["evidence_id"] not in hidden]
    return redacted
