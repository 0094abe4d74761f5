"""Inclusion and consistency proofs against published checkpoints."""

from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.errors import BadRequest, NotFound
from app.history.checkpoints import checkpoint_view
from app.history.log import leaf_hashes
from app.history.merkle import consistency_proof, inclusion_proof
from app.models import Checkpoint, HistoryEntry, LogLeaf


def published_checkpoint(session: Session, size: int) -> Checkpoint:
    """The checkpoint of a tree of `size` leaves; 404 if none was signed at that size."""
    checkpoint = session.scalars(select(Checkpoint).where(col(Checkpoint.tree_size) == size)).first()
    if checkpoint is None:
        raise NotFound(f"No checkpoint was signed at tree size {size}: see /api/v1/checkpoints.")
    return checkpoint


def entry_inclusion(session: Session, entry_id: int, size: int) -> dict[str, Any]:
    """The audit path from an entry's leaf to the root of the checkpoint of `size` leaves."""
    checkpoint = published_checkpoint(session, size)
    row = session.execute(
        select(col(LogLeaf.leaf_index), col(LogLeaf.leaf_hash), col(HistoryEntry.hash))
        .join(HistoryEntry, col(HistoryEntry.id) == col(LogLeaf.entry_id))
        .where(col(LogLeaf.entry_id) == entry_id)
    ).first()
    if row is None:
        raise NotFound(
            f"History entry {entry_id} does not exist or has no leaf yet (sequenced within seconds)."
        )
    leaf_index, leaf, entry_hash = row
    if leaf_index >= size:
        raise NotFound(
            f"History entry {entry_id} is leaf {leaf_index}, after the checkpoint of {size} leaves: "
            "ask for a later checkpoint."
        )
    path = inclusion_proof(leaf_index, list(leaf_hashes(session, 0, size)))
    return {
        "entry_id": entry_id,
        "entry_hash": entry_hash,
        "leaf_index": leaf_index,
        "leaf_hash": leaf,
        "tree_size": size,
        "audit_path": [node.hex() for node in path],
        "checkpoint": checkpoint_view(checkpoint),
    }


def checkpoint_consistency(session: Session, old_size: int, new_size: int) -> dict[str, Any]:
    """The proof that the checkpoint of `old_size` leaves is a prefix of the one of `new_size`."""
    if old_size > new_size:
        raise BadRequest(f"`from` ({old_size}) must not be larger than `to` ({new_size}).")
    old, new = published_checkpoint(session, old_size), published_checkpoint(session, new_size)
    proof = consistency_proof(old_size, list(leaf_hashes(session, 0, new_size)))
    return {
        "from_size": old_size,
        "to_size": new_size,
        "proof": [node.hex() for node in proof],
        "from_checkpoint": checkpoint_view(old),
        "to_checkpoint": checkpoint_view(new),
    }
