"""Recompute every hash chain: a broken link, a gap or a missing tail shows tampering."""

import json
import threading
from collections import namedtuple
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.db import is_postgres
from app.errors import TooManyRequests
from app.history.chain import (
    LEGACY_FORMAT,
    WITHDRAWN_PAYLOAD,
    chains_root,
    content_commitment,
    entry_digest,
)
from app.history.fast_digest import commitment_of_stored, digest_v2
from app.history.feed_order import after_entry, feed_order
from app.history.log import newest_leaf
from app.models import HistoryEntry, LogLeaf, Recommendation, derived_alias

BATCH = 2000
RETRY_AFTER_SECONDS = 60
# Per process: a verification reads every entry (minutes at millions), so one runs at a time and a
# second caller is told to come back rather than tying up another thread and connection.
_running = threading.Lock()


def verify_chains_once(session: Session, verify: Callable[[Session], dict[str, Any]]) -> dict[str, Any]:
    """Run a whole verification, unless this process is already running one: then 429 with Retry-After."""
    if not _running.acquire(blocking=False):
        raise TooManyRequests(
            "A verification of every chain is already running on this server; ask again in a minute.",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    try:
        return verify(session)
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
    chain: dict[int, Any] = {}  # the current chain's entries (rows) by id, for withdrawals

    def close_chain() -> dict[str, Any] | None:
        if current is None:
            return None
        _, code, version = current
        named = {entry.withdraws_entry_id for entry in chain.values() if entry.withdraws_entry_id is not None}
        for entry in chain.values():
            if entry.payload == WITHDRAWN_PAYLOAD and entry.id not in named:
                return {
                    "recommendation": code,
                    "seq": entry.seq,
                    "id": entry.id,
                    "reason": "the entry's content was erased without a withdrawal entry",
                }
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
            current, expected_seq, prev_hash, chain = (rec_id, code, version), 1, None, {}
        if entry.id is None:
            continue
        entries += 1
        if not _verifies_quickly(entry, code, expected_seq, prev_hash):
            problem = _check(entry, code, expected_seq, prev_hash, chain)
        elif entry.withdraws_entry_id is not None or entry.supersedes_entry_id is not None:
            problem = _check_targets(entry, code, chain)
        else:
            problem = None
        chain[entry.id] = entry
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


_ENTRY_COLUMNS = [column for column in HistoryEntry.__table__.columns if column.name != "recommendation_id"]
# A named tuple per entry: its attributes read as fast as a tuple's items (a Row's by name are not).
_Entry = namedtuple("_Entry", [column.name for column in _ENTRY_COLUMNS])  # type: ignore[misc]


def _rows(session: Session) -> Iterator[tuple[int, str, int, Any]]:
    """Each recommendation's entries in chain order as plain rows (ORM objects cost more than the hashing);
    a recommendation without entries comes once, with a row of NULLs."""
    rec = Recommendation.__table__.c
    statement = (
        select(
            rec.id.label("rec_id"),
            rec.code.label("rec_code"),
            rec.version.label("rec_version"),
            *_ENTRY_COLUMNS,
        )
        .select_from(
            Recommendation.__table__.outerjoin(
                HistoryEntry.__table__, HistoryEntry.__table__.c.recommendation_id == rec.id
            )
        )
        .order_by(rec.id, HistoryEntry.__table__.c.seq)
        .execution_options(yield_per=BATCH)
    )
    make = _Entry._make
    for row in session.execute(statement).tuples():
        yield row[0], row[1], row[2], make(row[3:])


def _verifies_quickly(entry: Any, code: str, expected_seq: int, prev_hash: str | None) -> bool:
    """A format-2 entry in order whose hash and commitment check out on the fast path (fast_digest); False
    means "check it properly", not "broken"."""
    if entry.format == LEGACY_FORMAT or entry.seq != expected_seq or entry.prev_hash != prev_hash:
        return False
    digest = digest_v2(
        code,
        entry.prev_hash,
        entry.seq,
        entry.kind,
        entry.status,
        entry.perspective,
        entry.effective_on,
        entry.recorded_at,
        entry.commitment,
    )
    if digest != entry.hash:
        return False
    if entry.payload == WITHDRAWN_PAYLOAD:
        return True
    return entry.salt is not None and commitment_of_stored(entry.salt, entry.payload, entry.recorded_by) == (
        entry.commitment
    )


def _check_targets(entry: Any, code: str, chain: dict[int, Any]) -> dict[str, Any] | None:
    """The withdrawal's or correction's naming of its target, for an entry whose hashes checked out."""

    def broken(reason: str) -> dict[str, Any]:
        return {"recommendation": code, "seq": entry.seq, "id": entry.id, "reason": reason}

    withdrawn = entry.payload == WITHDRAWN_PAYLOAD
    payload = json.loads(entry.payload)
    if entry.withdraws_entry_id is not None:
        return _check_withdrawal(payload, entry.withdraws_entry_id, chain, broken)
    if entry.supersedes_entry_id is not None and not withdrawn:
        return _check_correction(payload, entry.supersedes_entry_id, chain, broken)
    return None


def _check(
    entry: Any, code: str, expected_seq: int, prev_hash: str | None, chain: dict[int, Any]
) -> dict[str, Any] | None:
    """The reference check of one entry (chain.py's functions): the first thing wrong with it, or None."""

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
    withdrawn = entry.payload == WITHDRAWN_PAYLOAD
    if entry.format == LEGACY_FORMAT:
        # A withdrawn format-1 entry's content is gone: its hash stands as the next entry's prev_hash.
        if not withdrawn and entry_digest(code, entry, payload) != entry.hash:
            return broken("the hash does not match the entry's content")
        return None
    if entry_digest(code, entry, payload) != entry.hash:
        return broken("the hash does not match the entry's commitment")
    if not withdrawn:
        if entry.salt is None:
            return broken("the salt that opens the commitment is missing")
        if content_commitment(entry.salt, payload, derived_alias(entry.recorded_by)) != entry.commitment:
            return broken("the payload or the recorder does not match the commitment")
    return _check_targets(entry, code, chain)


def _check_correction(
    payload: Any,
    target_id: int,
    chain: dict[int, Any],
    broken: Callable[[str], dict[str, Any]],
) -> dict[str, Any] | None:
    return _check_target(payload, target_id, chain, broken, key="supersedes", what="correction")


def _check_withdrawal(
    payload: Any,
    target_id: int,
    chain: dict[int, Any],
    broken: Callable[[str], dict[str, Any]],
) -> dict[str, Any] | None:
    return _check_target(payload, target_id, chain, broken, key="withdraws", what="withdrawal")


def _check_target(
    payload: Any,
    target_id: int,
    chain: dict[int, Any],
    broken: Callable[[str], dict[str, Any]],
    *,
    key: str,
    what: str,
) -> dict[str, Any] | None:
    """An entry that targets another (a withdrawal, a correction) names it in its payload as stored."""
    target = chain.get(target_id)
    if target is None:
        return broken(f"the {what} names an entry that is not earlier in this chain")
    named = payload.get(key, {}) if isinstance(payload, dict) else {}
    expected: dict[str, Any] = {"id": target.id, "seq": target.seq, "hash": target.hash}
    if key == "supersedes":
        expected["kind"] = target.kind  # corrections also name what they correct
    if named != expected:
        entry = "entry it supersedes" if key == "supersedes" else "entry it withdrew"
        return broken(f"the {what}'s payload does not name the {entry}")
    return None


def verify_entries_since(session: Session, first_leaf: int) -> dict[str, Any]:
    """Check entries from leaf `first_leaf` on, and those with no leaf yet, each against its predecessor:
    work in proportion to what was added since a verified checkpoint."""
    entry, previous = HistoryEntry.__table__, HistoryEntry.__table__.alias("previous")
    newest = newest_leaf(session)
    base = (
        select(HistoryEntry, col(Recommendation.code), previous.c.hash)
        .join(Recommendation, col(Recommendation.id) == col(HistoryEntry.recommendation_id))
        .outerjoin(
            previous,
            (previous.c.recommendation_id == entry.c.recommendation_id) & (previous.c.seq == entry.c.seq - 1),
        )
        .execution_options(yield_per=BATCH)
    )
    postgres = is_postgres(session)
    # Two index-driven reads, not one OR over every entry: the leaves from `first_leaf` on, in leaf order,
    # then the entries after the newest leaf's in feed order (exactly those still without a leaf: log.py).
    statements = (
        base.join(LogLeaf, col(LogLeaf.entry_id) == col(HistoryEntry.id))
        .where(col(LogLeaf.leaf_index) >= first_leaf)
        .order_by(col(LogLeaf.leaf_index)),
        base.where(after_entry(0 if newest is None else newest[1], postgres)).order_by(*feed_order(postgres)),
    )
    rows = (row for statement in statements for row in session.execute(statement).tuples())
    entries = 0
    first_broken: dict[str, Any] | None = None
    for entry_row, code, previous_hash in rows:
        entries += 1
        if first_broken is not None:
            continue
        chain: dict[int, Any] = {}
        for named in (entry_row.withdraws_entry_id, entry_row.supersedes_entry_id):
            target = session.get(HistoryEntry, named) if named is not None else None
            if target is not None and target.recommendation_id == entry_row.recommendation_id:
                chain[target.id or 0] = target
        expected_prev = previous_hash if entry_row.seq > 1 else None
        first_broken = _check(entry_row, code, entry_row.seq, expected_prev, chain)
        if first_broken is None and entry_row.seq > 1 and previous_hash is None:
            first_broken = {
                "recommendation": code,
                "seq": entry_row.seq,
                "id": entry_row.id,
                "reason": "the previous entry is missing",
            }
    return {"ok": first_broken is None, "entries": entries, "first_broken": first_broken}
