"""The whole verification: chains, the log and its checkpoints (and what the public sees)."""

from typing import Any

from sqlmodel import Session

from app.history.verify import verify_chains, verify_entries_since
from app.history.verify_log import VerifiedPoint, verify_log
from app.history.verify_state import with_state


def audit(
    session: Session,
    *,
    instance_key: str | None = None,
    outside: dict[str, Any] | None = None,
    since: VerifiedPoint | None = None,
) -> dict[str, Any]:
    """Verify everything, or with `since` only what was added after a verified checkpoint."""
    if since is not None and outside is not None and int(outside["tree_size"]) < since.tree_size:
        since = None  # a checkpoint older than the saved point is checked from the first leaf
    chains = verify_entries_since(session, since.tree_size) if since else verify_chains(session)
    log = verify_log(session, instance_key=instance_key, outside=outside, since=since)
    report = {**chains, "ok": chains["ok"] and log["ok"], "log": log}
    # What the public sees is a full pass: a routine `since` verification leaves it to the full one.
    return report if since else with_state(session, report)
