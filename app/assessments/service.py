"""Recording an assessment: one history entry, and the denormalised status it may change."""

from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session

from app.assessments.schemas import AssessmentIn
from app.auth import Principal
from app.errors import Unprocessable
from app.evidence.service import unlinked_evidence_ids
from app.history.service import NewEntry, new_entry
from app.recommendations.maintained import EFFECTIVE_ON_COLUMNS, with_gap_class
from app.recommendations.write_protocol import STATUS_COLUMNS, WriteTarget, append, claim, snapshot
from app.vocabulary import HistoryKind, Perspective, Status


def record_assessment(
    session: Session, target: WriteTarget, by: Principal, data: AssessmentIn, *, commit: bool = False
) -> NewEntry:
    """Append an assessment and refresh the denormalised status it may change.

    `commit`: nothing else goes into this transaction, so commit with the entry (see `append`).
    """
    perspective = Perspective(data.perspective)
    effective_on = data.effective_on or datetime.now(UTC).date()
    changes: dict[str, Any] = {}
    if data.evidence_ids:
        with snapshot(session) as read:
            missing = unlinked_evidence_ids(read, target.id, data.evidence_ids)
        if missing:
            raise Unprocessable(
                f"Evidence {missing} is not linked to {target.code}: link it first, then cite it.",
                unknown_evidence_ids=missing,
            )
    column = STATUS_COLUMNS.get(perspective)
    # Backfilled assessments land in the past: the status is the latest by effective date, then seq,
    # and the new entry has the highest seq, so it wins unless an earlier entry is effective later.
    newest = target.newest_effective_on.get(perspective)
    if column is not None and (newest is None or newest <= effective_on):
        changes[column] = data.status
        changes[EFFECTIVE_ON_COLUMNS[perspective]] = effective_on
    entry = new_entry(
        target.id,
        target.code,
        target.head,
        kind=HistoryKind.assessment,
        effective_on=effective_on,
        recorded_by=by.monitor_id,
        status=Status(data.status),
        perspective=perspective,
        payload={
            "status": data.status,
            "perspective": perspective.value,
            "summary": data.summary,
            "evidence_ids": data.evidence_ids,
        },
    )
    claim(session, target, with_gap_class(target, changes) | {"last_assessed_at": entry.recorded_at})
    append(session, entry, commit=commit)
    return entry
