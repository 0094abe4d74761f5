"""Correction: one new entry supersedes an assessment or an evidence link, which stays as it was.

docs/design.md, "Corrections". A correction with corrected assessment values is itself the assessment that
counts (its columns carry the status, perspective and date); the superseded entry stops counting for what
is known from the correction's `recorded_at` on. A correction of an evidence link ends the link row and,
with corrected values, makes a new one.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session, col

from app.auth import Principal
from app.corrections.schemas import CorrectionIn
from app.errors import Conflict, Forbidden, NotFound, Unprocessable
from app.evidence.service import unlinked_evidence_ids
from app.history.chain import format_recorded_at, stored_payload
from app.history.service import build_entry
from app.history.supersession import not_superseded
from app.models import Evidence, HistoryEntry, RecommendationEvidence, saved_id
from app.recommendations.maintained import EFFECTIVE_ON_COLUMNS, coverage_changes, with_gap_class
from app.recommendations.write_protocol import STATUS_COLUMNS, WriteTarget, append, claim, snapshot
from app.vocabulary import HistoryKind, Perspective, Role, Status

CORRECTABLE = (HistoryKind.assessment.value, HistoryKind.evidence_linked.value)
_entry = HistoryEntry.__table__.c


@dataclass
class Superseded:
    """The entry a correction replaces, as read before the write."""

    id: int
    seq: int
    kind: str
    hash: str
    status: str | None
    perspective: str | None
    effective_on: date
    recorded_at: datetime
    recorded_by: int | None
    payload: dict[str, Any]

    def named(self) -> dict[str, Any]:
        """How the correction's payload names it."""
        return {"id": self.id, "seq": self.seq, "hash": self.hash, "kind": self.kind}


def correct_entry(
    session: Session, target: WriteTarget, by: Principal, seq: int, data: CorrectionIn
) -> HistoryEntry:
    """Append a correction of the entry at `seq`: 404 unknown, 422 not correctable, 409 corrected already,
    403 for anyone but its recorder or an admin."""
    superseded = _superseded(session, target, seq)
    if superseded.recorded_by != by.monitor_id and not by.has_role(Role.admin):
        raise Forbidden("Only the monitor who recorded an entry, or an admin, may correct it.")
    if superseded.kind == HistoryKind.assessment.value:
        return _correct_assessment(session, target, by, superseded, data)
    return _correct_link(session, target, by, superseded, data)


def _superseded(session: Session, target: WriteTarget, seq: int) -> Superseded:
    with snapshot(session) as read:
        row = read.execute(
            select(
                _entry.id,
                _entry.seq,
                _entry.kind,
                _entry.hash,
                _entry.status,
                _entry.perspective,
                _entry.effective_on,
                _entry.recorded_at,
                _entry.recorded_by,
                _entry.payload,
            ).where(_entry.recommendation_id == target.id, _entry.seq == seq)
        ).first()
        corrected_by = (
            read.scalar(select(_entry.seq).where(_entry.supersedes_entry_id == row.id)) if row else None
        )
    if row is None:
        raise NotFound(f"{target.code} has no history entry {seq}.")
    if row.kind == HistoryKind.genesis.value:
        raise Unprocessable(
            "The first entry records the recommendation as its source gives it and cannot be corrected."
        )
    if row.kind not in CORRECTABLE:
        raise Unprocessable(
            f"Entry {seq} is of kind {row.kind!r}: only assessments and evidence links can be corrected."
        )
    if corrected_by is not None:
        raise Conflict(
            f"Entry {seq} of {target.code} was corrected already by entry {corrected_by}: "
            "correct that one instead if it is wrong.",
            corrected_by=corrected_by,
        )
    return Superseded(**{**row._asdict(), "payload": stored_payload(row.payload)})


def _correct_assessment(
    session: Session, target: WriteTarget, by: Principal, superseded: Superseded, data: CorrectionIn
) -> HistoryEntry:
    if data.link_values():
        raise Unprocessable("An assessment is corrected with status, effective_on, summary or evidence_ids.")
    payload: dict[str, Any] = {"supersedes": superseded.named(), "reason": data.reason}
    columns: dict[str, Any] = {"effective_on": datetime.now(UTC).date()}
    if data.assessment_values():
        summary = data.summary or superseded.payload.get("summary")
        if summary is None:  # the superseded entry's content was withdrawn
            raise Unprocessable("The corrected entry's content was withdrawn: give the summary.")
        if data.evidence_ids:
            with snapshot(session) as read:
                missing = unlinked_evidence_ids(read, target.id, data.evidence_ids)
            if missing:
                raise Unprocessable(
                    f"Evidence {missing} is not linked to {target.code}: link it first, then cite it.",
                    unknown_evidence_ids=missing,
                )
        status = data.status or superseded.status or ""
        payload |= {
            "status": status,
            "perspective": superseded.perspective,
            "summary": summary,
            "evidence_ids": data.evidence_ids
            if data.evidence_ids is not None
            else superseded.payload.get("evidence_ids", []),
        }
        columns = {
            "status": Status(status),
            "perspective": Perspective(superseded.perspective or ""),
            "effective_on": data.effective_on or superseded.effective_on,
        }
    entry = build_entry(
        target.id,
        target.code,
        target.head,
        kind=HistoryKind.correction,
        recorded_by=by.monitor_id,
        payload=payload,
        supersedes_entry_id=superseded.id,
        **columns,
    )
    claim(session, target, with_gap_class(target, _statuses_after(session, target, superseded.id, entry)))
    append(session, entry)
    return entry


def _statuses_after(
    session: Session, target: WriteTarget, superseded_id: int, entry: HistoryEntry
) -> dict[str, Any]:
    """The statuses, their dates and the last assessment time from the entries that still count."""
    with snapshot(session) as read:
        rows = read.execute(
            select(_entry.id, _entry.kind, _entry.status, _entry.perspective, _entry.effective_on, _entry.seq)
            .add_columns(_entry.recorded_at)
            .where(
                _entry.recommendation_id == target.id,
                _entry.perspective.is_not(None),
                _entry.id != superseded_id,
                not_superseded(),
            )
        ).all()
    counted = [(row.perspective, row.effective_on, row.seq, row.status, row.recorded_at) for row in rows]
    if entry.perspective is not None:
        counted.append((entry.perspective, entry.effective_on, entry.seq, entry.status, entry.recorded_at))
    changes: dict[str, Any] = {
        "last_assessed_at": max((recorded_at for *_, recorded_at in counted), default=None)
    }
    for perspective, column in STATUS_COLUMNS.items():
        mine = [item for item in counted if item[0] == perspective.value]
        latest = max(mine, key=lambda item: (item[1], item[2]), default=None)
        changes[column] = latest[3] if latest is not None else Status.not_assessed.value
        changes[EFFECTIVE_ON_COLUMNS[perspective]] = latest[1] if latest is not None else None
    return changes


def _correct_link(
    session: Session, target: WriteTarget, by: Principal, superseded: Superseded, data: CorrectionIn
) -> HistoryEntry:
    if data.assessment_values():
        raise Unprocessable("An evidence link is corrected with relation or note.")
    with snapshot(session) as read:
        # The link row its entry made carries the entry's time (evidence.service.link_evidence).
        link = read.execute(
            select(RecommendationEvidence).where(
                col(RecommendationEvidence.recommendation_id) == target.id,
                col(RecommendationEvidence.linked_at) == superseded.recorded_at,
            )
        ).scalar_one_or_none()
        evidence = read.get(Evidence, link.evidence_id) if link is not None else None
        if link is not None:
            read.expunge(link)
        if evidence is not None:
            read.expunge(evidence)
    if link is None or evidence is None:
        raise Conflict(f"No link row was made by entry {superseded.seq}; it cannot be corrected.")
    if link.unlinked_at is not None:
        raise Conflict(
            f"The link that entry {superseded.seq} made was ended already (at "
            f"{format_recorded_at(link.unlinked_at)}): link the item again instead."
        )
    payload: dict[str, Any] = {
        "supersedes": superseded.named(),
        "reason": data.reason,
        "evidence_id": link.evidence_id,
    }
    replacement: RecommendationEvidence | None = None
    if data.link_values():
        relation = data.relation.value if data.relation is not None else link.relation
        note = data.note if data.note is not None else link.note
        payload |= {
            "url": evidence.url,
            "title": evidence.title,
            "kind": evidence.kind,
            "published_on": evidence.published_on.isoformat() if evidence.published_on else None,
            "relation": relation,
            "note": note,
            "visibility": link.visibility,
            "evidence_visibility": evidence.visibility,
            "evidence_created_at": format_recorded_at(evidence.created_at),
        }
    entry = build_entry(
        target.id,
        target.code,
        target.head,
        kind=HistoryKind.correction,
        effective_on=datetime.now(UTC).date(),
        recorded_by=by.monitor_id,
        payload=payload,
        supersedes_entry_id=superseded.id,
    )
    if data.link_values():
        replacement = RecommendationEvidence(
            recommendation_id=target.id,
            evidence_id=link.evidence_id,
            relation=payload["relation"],
            visibility=link.visibility,
            note=payload["note"],
            linked_by=by.monitor_id,
            linked_at=entry.recorded_at,
            evidence_published_on=evidence.published_on,
        )
    made = (
        [(replacement.relation, replacement.visibility, evidence.published_on)]
        if replacement is not None
        else []
    )
    ended = [(saved_id(link), link.relation, link.visibility)]
    claim(session, target, coverage_changes(made=made, ended=ended))
    # Ended before the new row is inserted: one active link per pair (a partial unique index).
    session.execute(
        update(RecommendationEvidence)
        .where(col(RecommendationEvidence.id) == link.id)
        .values(unlinked_at=entry.recorded_at, unlinked_by=by.monitor_id, unlink_reason=data.reason)
    )
    append(session, entry, *([replacement] if replacement is not None else []))
    return entry
