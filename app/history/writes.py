"""Writes to a recommendation: assessments and evidence links, each one history entry and one version."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from app.auth import Principal
from app.db import utcnow
from app.errors import Conflict, NotFound, PreconditionFailed, PreconditionRequired, Unprocessable
from app.evidence.urls import normalise_url
from app.history.schemas import AssessmentIn, EvidenceIn
from app.history.service import append_entry
from app.models import Evidence, HistoryEntry, Recommendation, RecommendationEvidence
from app.recommendations.etag import etag_for, versions_in_if_match
from app.vocabulary import HistoryKind, Perspective, Status

# Any constant works: it only has to be the same in every process.
HISTORY_APPEND_LOCK = 0x7265637472616B  # "rectrak"


def lock_for_write(session: Session, code: str, if_match: str | None) -> Recommendation:
    """Claim the next version of a recommendation if the client read the current one; else 428 or 412."""
    rec = session.scalar(select(Recommendation).where(Recommendation.code == code))
    if rec is None:
        raise NotFound(f"No recommendation has the code {code!r}.")
    if if_match is None or if_match.strip() == "*":
        raise PreconditionRequired(
            "Send If-Match with the ETag from your last read of this recommendation, so that no one's "
            "work is overwritten."
        )
    expected = versions_in_if_match(if_match)
    claimed = 0
    if expected:
        # The version check and the bump are one statement: on PostgreSQL a concurrent writer waits for
        # our row lock and then finds the version changed; on SQLite writers are serialised already.
        claimed = session.execute(
            update(Recommendation)
            .where(Recommendation.id == rec.id, Recommendation.version.in_(expected))
            .values(version=Recommendation.version + 1, updated_at=utcnow())
        ).rowcount
    if claimed != 1:
        current = session.scalar(select(Recommendation.version).where(Recommendation.id == rec.id))
        raise PreconditionFailed(
            "Someone changed this recommendation since you read it. Read it again (GET it for the new ETag), "
            "check what changed, and resend your change with the new If-Match.",
            headers={"ETag": etag_for(current)},
        )
    session.refresh(rec)
    _serialise_history_appends(session)
    return rec


def _serialise_history_appends(session: Session) -> None:
    # The global feed pages by entry id. PostgreSQL hands out ids before commit, so without this a
    # reader could see id 11 committed before id 10 and skip 10 for ever. Held until commit, after
    # the row lock (never before it), so it cannot deadlock; SQLite serialises writers anyway.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": HISTORY_APPEND_LOCK})


def record_assessment(
    session: Session, rec: Recommendation, by: Principal, data: AssessmentIn
) -> HistoryEntry:
    """Append an assessment and refresh the denormalised status it may change."""
    _require_linked(session, rec, data.evidence_ids)
    perspective = Perspective(data.perspective)
    entry = append_entry(
        session,
        rec,
        kind=HistoryKind.assessment,
        effective_on=data.effective_on or datetime.now(UTC).date(),
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
    # Backfilled assessments land in the past: the current status is the latest by effective date.
    if perspective is Perspective.independent:
        rec.status = latest_status(session, rec.id, Perspective.independent)
    elif perspective is Perspective.state:
        rec.claimed_status = latest_status(session, rec.id, Perspective.state)
    rec.last_assessed_at = entry.recorded_at
    session.flush()
    return entry


def latest_status(session: Session, recommendation_id: int, perspective: Perspective) -> Status:
    """The status of the latest assessment from a perspective (by effective date, then seq)."""
    status = session.scalar(
        select(HistoryEntry.status)
        .where(
            HistoryEntry.recommendation_id == recommendation_id,
            HistoryEntry.kind == HistoryKind.assessment.value,
            HistoryEntry.perspective == perspective.value,
        )
        .order_by(HistoryEntry.effective_on.desc(), HistoryEntry.seq.desc())
        .limit(1)
    )
    return Status(status) if status else Status.not_assessed


def link_evidence(
    session: Session, rec: Recommendation, by: Principal, data: EvidenceIn
) -> tuple[Evidence, RecommendationEvidence, HistoryEntry, bool]:
    """Link an evidence item (reusing one with the same normalised URL) and record it."""
    evidence, reused = _find_or_create_evidence(session, by, data)
    if _active_link(session, rec.id, evidence.id) is not None:
        raise Conflict(
            f"Evidence {evidence.id} is already linked to {rec.code}; unlink it first to change it."
        )
    link = RecommendationEvidence(
        recommendation_id=rec.id,
        evidence_id=evidence.id,
        relation=data.relation,
        note=data.note,
        linked_by=by.monitor_id,
    )
    session.add(link)
    entry = append_entry(
        session,
        rec,
        kind=HistoryKind.evidence_linked,
        effective_on=datetime.now(UTC).date(),
        recorded_by=by.monitor_id,
        payload={
            "evidence_id": evidence.id,
            "url": evidence.url,
            "title": evidence.title,
            "kind": evidence.kind,
            "published_on": evidence.published_on.isoformat() if evidence.published_on else None,
            "relation": data.relation.value,
            "note": data.note,
        },
    )
    link.linked_at = entry.recorded_at
    session.flush()
    return evidence, link, entry, reused


def unlink_evidence(
    session: Session, rec: Recommendation, by: Principal, evidence_id: int, reason: str
) -> HistoryEntry:
    """Unlink an evidence item: the link is kept with who, when and why; nothing is deleted."""
    link = _active_link(session, rec.id, evidence_id)
    if link is None:
        raise NotFound(f"Evidence {evidence_id} is not linked to {rec.code}.")
    entry = append_entry(
        session,
        rec,
        kind=HistoryKind.evidence_unlinked,
        effective_on=datetime.now(UTC).date(),
        recorded_by=by.monitor_id,
        payload={"evidence_id": evidence_id, "relation": link.relation, "reason": reason},
    )
    link.unlinked_at = entry.recorded_at
    link.unlinked_by = by.monitor_id
    link.unlink_reason = reason
    session.flush()
    return entry


def find_evidence(session: Session, url: str, *, include_restricted: bool) -> dict[str, Any]:
    """An evidence item by URL (any spelling of it) with its current links; 404 if none is visible."""
    try:
        normalised = normalise_url(url)
    except ValueError as error:
        raise Unprocessable(f"Not an http(s) URL: {error}.") from None
    evidence = session.scalar(select(Evidence).where(Evidence.url_normalised == normalised))
    if evidence is None or (evidence.visibility == "restricted" and not include_restricted):
        raise NotFound("No evidence item has this URL.")
    links = session.execute(
        select(Recommendation.code, RecommendationEvidence.relation, RecommendationEvidence.linked_at)
        .join(Recommendation, Recommendation.id == RecommendationEvidence.recommendation_id)
        .where(
            RecommendationEvidence.evidence_id == evidence.id, RecommendationEvidence.unlinked_at.is_(None)
        )
        .order_by(Recommendation.source_id, Recommendation.section_number, Recommendation.number)
    ).all()
    return {
        **evidence_view(evidence),
        "links": [{"recommendation": code, "relation": rel, "linked_at": at} for code, rel, at in links],
    }


def evidence_view(evidence: Evidence) -> dict[str, Any]:
    """An evidence item's public fields."""
    return {
        "id": evidence.id,
        "url": evidence.url,
        "title": evidence.title,
        "kind": evidence.kind,
        "published_on": evidence.published_on,
        "visibility": evidence.visibility,
        "created_at": evidence.created_at,
    }


def _active_link(session: Session, recommendation_id: int, evidence_id: int) -> RecommendationEvidence | None:
    return session.scalar(
        select(RecommendationEvidence).where(
            RecommendationEvidence.recommendation_id == recommendation_id,
            RecommendationEvidence.evidence_id == evidence_id,
            RecommendationEvidence.unlinked_at.is_(None),
        )
    )


def _require_linked(session: Session, rec: Recommendation, evidence_ids: list[int]) -> None:
    if not evidence_ids:
        return
    linked = set(
        session.scalars(
            select(RecommendationEvidence.evidence_id).where(
                RecommendationEvidence.recommendation_id == rec.id,
                RecommendationEvidence.evidence_id.in_(evidence_ids),
                RecommendationEvidence.unlinked_at.is_(None),
            )
        )
    )
    missing = sorted(set(evidence_ids) - linked)
    if missing:
        raise Unprocessable(
            f"Evidence {missing} is not linked to {rec.code}: link it first, then cite it.",
            unknown_evidence_ids=missing,
        )


def _find_or_create_evidence(session: Session, by: Principal, data: EvidenceIn) -> tuple[Evidence, bool]:
    normalised = normalise_url(data.url)
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    # ON CONFLICT DO NOTHING: two monitors citing the same new article at once both end up with one item.
    created = session.execute(
        insert(Evidence)
        .values(
            url=data.url,
            url_normalised=normalised,
            title=data.title,
            kind=data.kind.value,
            published_on=data.published_on,
            visibility=data.visibility.value,
            created_at=utcnow(),
            created_by=by.monitor_id,
        )
        .on_conflict_do_nothing(index_elements=["url_normalised"])
        .returning(Evidence.id)
    ).scalar()
    evidence = session.scalar(select(Evidence).where(Evidence.url_normalised == normalised))
    return evidence, created is None
