"""Recompute every hash chain: a broken link, a gap or a missing tail shows tampering."""

import json
import threading
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.errors import TooManyRequests
from app.history.chain import chains_root, entry_digest
from app.models import HistoryEntry, Recommendation

BATCH = 2000
RETRY_AFTER_SECONDS = 60
# Per process: a verification reads every entry (minutes at millions), so one runs at a time and a
# second caller is told to come back rather than tying up another thread and connection.
_running = threading.Lock()


def verify_chains_once(session: Session) -> dict[str, Any]:
    """verify_chains, unless this process is already running one: then 429 with Retry-After."""
    if not _running.acquire(blocking=False):
        raise TooManyRequests(
            "A verification of every chain is already running on this server; ask again in a minute.",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    try:
        return verify_chains(session)
    finally:
        _running.release()


def verify_chains(session: Session) -> dict[str, Any]:
    """Check every entry of every chain, streaming; report the first broken entry and the heads' root."""
    heads: list[tuple[str, str]] = []
    entries = 0
    first_broken: dict[str, Any] | None = None
    current: tuple[int, str, int] | None = None  # recommendation id, code, version
    expected_seq = 1
    prev_hash: str | None = None

    def close_chain() -> dict[str, Any] | None:
        if current is None:
            return None
        _, code, version = current
        if expected_seq == 1 or prev_hash is None:  # one implies the other: hashes are never NULL
            return {"recommendation": code, "seq": None, "reason": "the recommendation has no history"}
        # Every write adds one entry and one version, so a shorter chain means entries were removed.
        if expected_seq - 1 != version:
            return {
                "recommendation": code,
                "seq": expected_seq,
                "reason": f"chain ends at seq {expected_seq - 1}, recommendation at version {version}",
            }
        heads.append((code, prev_hash))
        return None

    for rec_id, code, version, entry in _rows(session):
        if current is None or current[0] != rec_id:
            problem = close_chain()
            first_broken = first_broken or problem
            current, expected_seq, prev_hash = (rec_id, code, version), 1, None
        if entry is None:
            continue
        entries += 1
        problem = _check(entry, code, expected_seq, prev_hash)
        first_broken = first_broken or problem
        expected_seq, prev_hash = entry.seq + 1, entry.hash
    first_broken = first_broken or close_chain()
    return {
        "ok": first_broken is None,
        "entries": entries,
        "chains": len(heads),
        "root": chains_root(heads),
        "first_broken": first_broken,
    }


def _rows(session: Session) -> Iterator[tuple[int, str, int, HistoryEntry | None]]:
    statement = (
        select(col(Recommendation.id), col(Recommendation.code), col(Recommendation.version), HistoryEntry)
        .outerjoin(HistoryEntry, col(HistoryEntry.recommendation_id) == col(Recommendation.id))
        .order_by(col(Recommendation.id), col(HistoryEntry.seq))
        .execution_options(yield_per=BATCH)
    )
    yield from session.execute(statement).tuples()


def _check(entry: HistoryEntry, code: str, expected_seq: int, prev_hash: str | None) -> dict[str, Any] | None:
    def broken(reason: str) -> dict[str, Any]:
        return {"recommendation": code, "seq": entry.seq, "id": entry.id, "reason": reason}

    if entry.seq != expected_seq:
        return broken(f"expected seq {expected_seq}: entries are missing")
    if entry.prev_hash != prev_hash:
        return broken("prev_hash does not match the previous entry's hash")
    try:
        payload = json.loads(entry.payload)
    except ValueError:
        return broken("the payload is not valid JSON")
    if entry_digest(code, entry, payload) != entry.hash:
        return broken("the hash does not match the entry's content")
    return None
