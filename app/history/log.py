"""The sequencer and the log's leaves: every history entry gets a permanent leaf index in commit order."""

import json
from collections.abc import Iterator

from sqlalchemy import func, insert, select, text
from sqlmodel import Session, col

from app.db import is_postgres, utcnow
from app.history.feed_order import after_entry, feed_order, settled
from app.history.merkle import Frontier, entry_leaf_hash
from app.models import Checkpoint, HistoryEntry, LogLeaf

SEQUENCER_LOCK = 0x726563747261_6C67  # "rectralg": any constant, the same in every process
BATCH = 5_000
READ_BATCH = 20_000


def sequence(session: Session, *, limit: int | None = None) -> int:
    """Give committed entries without a leaf the next leaf indices, in feed order; how many were given.

    The feed order is final up to its horizon (app/history/feed_order.py), so the settled entries after the
    newest sequenced one are exactly the unsequenced ones, and none can turn up before them later. The lock
    keeps two sequencers (workers, instances, `rectrack checkpoint`) from giving out one index twice.
    """
    postgres = is_postgres(session)
    if postgres:
        session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": SEQUENCER_LOCK})
    newest = newest_leaf(session)
    next_index = 0 if newest is None else newest[0] + 1
    after_id = 0 if newest is None else newest[1]
    given = 0
    while limit is None or given < limit:
        batch = BATCH if limit is None else min(BATCH, limit - given)
        rows = session.execute(
            select(col(HistoryEntry.id), col(HistoryEntry.hash))
            .where(after_entry(after_id, postgres), settled(postgres))
            .order_by(*feed_order(postgres))
            .limit(batch)
        ).all()
        if not rows:
            break
        now = utcnow()
        session.execute(
            insert(LogLeaf),
            [
                {
                    "leaf_index": next_index + offset,
                    "entry_id": entry_id,
                    "leaf_hash": entry_leaf_hash(entry_hash),
                    "sequenced_at": now,
                }
                for offset, (entry_id, entry_hash) in enumerate(rows)
            ],
        )
        next_index += len(rows)
        given += len(rows)
        after_id = rows[-1][0]
    return given


def newest_leaf(session: Session) -> tuple[int, int] | None:
    """The newest leaf's index and entry id (None for an empty log)."""
    row = session.execute(
        select(col(LogLeaf.leaf_index), col(LogLeaf.entry_id))
        .order_by(col(LogLeaf.leaf_index).desc())
        .limit(1)
    ).first()
    return None if row is None else (row[0], row[1])


def has_pending(session: Session) -> bool:
    """True when an entry waits for its leaf (two index lookups)."""
    newest = newest_leaf(session)
    after = after_entry(0 if newest is None else newest[1], is_postgres(session))
    return session.scalar(select(col(HistoryEntry.id)).where(after).limit(1)) is not None


def tree_size(session: Session) -> int:
    """How many leaves the log has."""
    newest = session.scalar(select(func.max(col(LogLeaf.leaf_index))))
    return 0 if newest is None else newest + 1


def leaf_hashes(session: Session, start: int = 0, end: int | None = None) -> Iterator[bytes]:
    """Leaf hashes from index `start` up to (not including) `end`, in order, streamed."""
    statement = select(col(LogLeaf.leaf_hash)).where(col(LogLeaf.leaf_index) >= start)
    if end is not None:
        statement = statement.where(col(LogLeaf.leaf_index) < end)
    statement = statement.order_by(col(LogLeaf.leaf_index)).execution_options(yield_per=READ_BATCH)
    for leaf in session.scalars(statement):
        yield bytes.fromhex(leaf)


def frontier_at(session: Session, checkpoint: Checkpoint | None, size: int | None = None) -> Frontier:
    """The frontier of the first `size` leaves (default: all), grown from a checkpoint's frontier."""
    if checkpoint is not None and (size is None or checkpoint.tree_size <= size):
        frontier = Frontier.from_json(checkpoint.tree_size, json.loads(checkpoint.frontier))
    else:
        frontier = Frontier()
    frontier.extend(leaf_hashes(session, frontier.size, size))
    return frontier
