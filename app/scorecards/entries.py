"""Assessment entries as scorecards, claim gaps and status changes show them."""

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.history.chain import stored_payload
from app.models import HistoryEntry

ID_CHUNK = 500


def entries_by_id(session: Session, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Assessment entries by id, with the summary from their payload."""
    wanted = sorted(set(ids))
    found: dict[int, dict[str, Any]] = {}
    for start in range(0, len(wanted), ID_CHUNK):
        rows = session.execute(
            select(
                col(HistoryEntry.id),
                col(HistoryEntry.seq),
                col(HistoryEntry.status),
                col(HistoryEntry.perspective),
                col(HistoryEntry.effective_on),
                col(HistoryEntry.recorded_at),
                col(HistoryEntry.payload),
            ).where(col(HistoryEntry.id).in_(wanted[start : start + ID_CHUNK]))
        ).all()
        # Unpacked, not read by name: a matrix export reads two entries per recommendation.
        for entry_id, seq, status, perspective, effective_on, recorded_at, payload in rows:
            found[entry_id] = {
                "id": entry_id,
                "seq": seq,
                "status": status,
                "perspective": perspective,
                "effective_on": effective_on,
                "recorded_at": recorded_at,
                "summary": stored_payload(payload).get("summary"),
            }
    return found


def entry_view(entry) -> dict[str, Any]:
    """An assessment entry as scorecards show it: no evidence ids, no recorder."""
    return {
        "id": entry.id,
        "seq": entry.seq,
        "status": entry.status,
        "perspective": entry.perspective,
        "effective_on": entry.effective_on,
        "recorded_at": entry.recorded_at,
        "summary": stored_payload(entry.payload).get("summary"),
    }
