"""Check the log: every entry a leaf, leaves in order and matching their entries, checkpoints their roots."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from app.db import is_postgres
from app.history.checkpoints import checkpoint_view, signature_valid
from app.history.feed_order import after_entry, feed_order
from app.history.log import tree_size
from app.history.merkle import EMPTY_ROOT, Frontier, entry_leaf_hash
from app.models import Checkpoint, HistoryEntry, LogLeaf

BATCH = 20_000


@dataclass
class VerifiedPoint:
    """A tree size up to which the log was verified, with its frontier: where `--since-checkpoint` resumes."""

    tree_size: int
    root_hash: str
    frontier: list[str]

    def to_frontier(self) -> Frontier:
        """The frontier as an object that grows."""
        return Frontier.from_json(self.tree_size, self.frontier)


def verify_log(
    session: Session,
    *,
    instance_key: str | None = None,
    outside: dict[str, Any] | None = None,
    since: VerifiedPoint | None = None,
) -> dict[str, Any]:
    """Recompute the tree from the leaves (from `since` on) and compare it with every stored checkpoint, and
    with `outside`, a checkpoint obtained elsewhere; report the first discrepancy."""
    frontier = since.to_frontier() if since else Frontier()
    start = frontier.size
    problems: list[dict[str, Any]] = []

    def report(reason: str, **where: Any) -> None:
        if not problems:
            problems.append({"reason": reason, **where})

    if since is not None and frontier.root().hex() != since.root_hash:
        report("the saved verification point does not match its own frontier", tree_size=since.tree_size)
    if since is not None and (size := tree_size(session)) < since.tree_size:
        # The leaves before the point are not read again, but the log must still reach it: a cut tail shows.
        report(
            f"the log has {size} leaves, fewer than the {since.tree_size} verified before: "
            "leaves were removed",
            tree_size=since.tree_size,
        )
    checkpoints = list(
        session.scalars(
            select(Checkpoint).where(col(Checkpoint.tree_size) >= start).order_by(col(Checkpoint.tree_size))
        )
    )
    targets = [(checkpoint.tree_size, checkpoint_view(checkpoint)) for checkpoint in checkpoints]
    if outside is not None:
        targets.append((int(outside["tree_size"]), outside))
        targets.sort(key=lambda target: target[0])
    for _, published in targets:
        if not signature_valid(published):
            report("a checkpoint's signature does not verify", tree_size=published["tree_size"])
        elif instance_key is not None and published["public_key"] != instance_key:
            report(
                "a checkpoint was signed by another key than this instance's",
                tree_size=published["tree_size"],
            )
    position = 0  # the next target to compare
    verified: dict[str, Any] | None = None  # the largest stored checkpoint that matched, with its frontier

    def compare_roots() -> None:
        nonlocal position, verified
        while position < len(targets) and targets[position][0] == frontier.size:
            published = targets[position][1]
            root = (frontier.root() if frontier.size else EMPTY_ROOT).hex()
            if root != published["root_hash"]:
                report(
                    "the log's root differs from a signed checkpoint's: the history was rewritten",
                    tree_size=frontier.size,
                )
            elif published is not outside and not problems:
                verified = {"tree_size": frontier.size, "root_hash": root, "frontier": frontier.to_json()}
            position += 1

    compare_roots()
    expected = start
    for leaf_index, leaf_hash, entry_id, entry_hash in _leaves(session, start):
        if leaf_index != expected:
            report(f"leaf {expected} is missing: leaves were removed or renumbered", leaf_index=expected)
            break
        if entry_hash is None:
            report("a leaf's entry is gone", leaf_index=leaf_index, id=entry_id)
        elif leaf_hash != entry_leaf_hash(entry_hash):
            report("a leaf does not match its entry's hash", leaf_index=leaf_index, id=entry_id)
        frontier.append(bytes.fromhex(leaf_hash))
        expected += 1
        compare_roots()
    for size, _ in targets[position:]:
        report(f"a checkpoint covers {size} leaves but the log has {frontier.size}", tree_size=size)
    pending, skipped = _unsequenced(session, look_for_skipped=since is None)
    if skipped is not None:
        report("an entry older than sequenced ones has no leaf", id=skipped)
    return {
        "ok": not problems,
        "tree_size": frontier.size,
        "root_hash": frontier.root().hex(),
        "from_leaf": start,
        "checkpoints_checked": len(targets),
        "pending": pending,
        "first_broken": problems[0] if problems else None,
        "verified_checkpoint": verified if not problems else None,
        "outside_checkpoint": None
        if outside is None
        else {"tree_size": outside["tree_size"], "matches": not problems},
    }


def _leaves(session: Session, start: int) -> Any:
    statement = (
        select(col(LogLeaf.leaf_index), col(LogLeaf.leaf_hash), col(LogLeaf.entry_id), col(HistoryEntry.hash))
        .outerjoin(HistoryEntry, col(HistoryEntry.id) == col(LogLeaf.entry_id))
        .where(col(LogLeaf.leaf_index) >= start)
        .order_by(col(LogLeaf.leaf_index))
        .execution_options(yield_per=BATCH)
    )
    return session.execute(statement).tuples()


def _unsequenced(session: Session, *, look_for_skipped: bool) -> tuple[int, int | None]:
    """How many entries wait for a leaf, and the first one the sequencer skipped (before a sequenced one in
    feed order; a scan of every entry, so only when verifying everything)."""
    postgres = is_postgres(session)
    newest = session.scalar(select(col(LogLeaf.entry_id)).order_by(col(LogLeaf.leaf_index).desc()).limit(1))
    after = after_entry(newest or 0, postgres)
    waiting = (
        select(col(HistoryEntry.id))
        .outerjoin(LogLeaf, col(LogLeaf.entry_id) == col(HistoryEntry.id))
        .where(col(LogLeaf.entry_id).is_(None))
    )
    pending = session.scalar(select(func.count()).select_from(waiting.where(after).subquery()))
    skipped = (
        session.scalar(waiting.where(~after).order_by(*feed_order(postgres)).limit(1))
        if look_for_skipped
        else None
    )
    return pending or 0, skipped
