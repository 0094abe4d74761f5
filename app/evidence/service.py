"""Evidence items: found by URL, reused across recommendations, linked and unlinked under If-Match."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from app.auth import Principal
from app.db import is_postgres, utcnow
from app.errors import Conflict, Forbidden, NotFound, Unprocessable
from app.evidence.schemas import EvidenceIn
from app.evidence.urls import normalise_url
from app.history.chain import format_recorded_at
from app.history.service import build_entry
from app.models import Evidence, HistoryEntry, Recommendation, RecommendationEvidence, saved_id
from app.recommendations.maintained import coverage_changes
from app.recommendations.write_protocol import WriteTarget, append, claim, snapshot
from app.vocabulary import HistoryKind, Role, Visibility


def link_evidence(
    session: Session, target: WriteTarget, by: Principal, data: EvidenceIn
) -> tuple[Evidence, RecommendationEvidence, HistoryEntry, bool]:
    """Link an evidence item (reusing one with the same normalised URL) and record it."""
    evidence, reused = _find_or_create_evidence(session, by, data)
    if active_link(session, target.id, saved_id(evidence)) is not None:
        raise Conflict(
            f"Evidence {evidence.id} is already linked to {target.code}; unlink it first to change it."
        )
    # Never downgraded: a restricted request stays restricted on a public item, and a restricted item is
    # never shown through a public link.
    restricted = Visibility.restricted in (data.visibility, evidence.visibility)
    visibility = Visibility.restricted if restricted else Visibility.public
    entry = build_entry(
        target.id,
        target.code,
        target.head,
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
            "visibility": visibility.value,
            # The item's own visibility and creation time, so that `verify` can check what the public sees.
            "evidence_visibility": evidence.visibility,
            "evidence_created_at": format_recorded_at(evidence.created_at),
        },
    )
    link = RecommendationEvidence(
        recommendation_id=target.id,
        evidence_id=saved_id(evidence),
        relation=data.relation,
        visibility=visibility,
        note=data.note,
        linked_by=by.monitor_id,
        linked_at=entry.recorded_at,
        evidence_published_on=evidence.published_on,
    )
    claim(
        session,
        target,
        coverage_changes(made=[(data.relation.value, visibility.value, evidence.published_on)]),
    )
    append(session, entry, link)
    return evidence, link, entry, reused


def unlink_evidence(
    session: Session, target: WriteTarget, by: Principal, evidence_id: int, reason: str
) -> HistoryEntry:
    """Unlink an evidence item: the link is kept with who, when and why; nothing is deleted."""
    with snapshot(session) as read:
        link = active_link(read, target.id, evidence_id)
        if link is None:
            raise NotFound(f"Evidence {evidence_id} is not linked to {target.code}.")
        link_id, relation, linked_by, visibility = (
            saved_id(link),
            link.relation,
            link.linked_by,
            link.visibility,
        )
        restricted = visibility == Visibility.restricted.value
    _may_unlink(by, linked_by=linked_by, restricted=restricted)
    entry = build_entry(
        target.id,
        target.code,
        target.head,
        kind=HistoryKind.evidence_unlinked,
        effective_on=datetime.now(UTC).date(),
        recorded_by=by.monitor_id,
        payload={"evidence_id": evidence_id, "relation": relation, "reason": reason},
    )
    claim(session, target, coverage_changes(ended=[(link_id, relation, visibility)]))
    session.execute(
        update(RecommendationEvidence)
        .where(col(RecommendationEvidence.id) == link_id)
        .values(unlinked_at=entry.recorded_at, unlinked_by=by.monitor_id, unlink_reason=reason)
    )
    append(session, entry)
    return entry


def _may_unlink(by: Principal, *, linked_by: int | None, restricted: bool) -> None:
    """Restricted evidence is unlinked by who linked it or an admin; the source report's links by an admin."""
    if by.has_role(Role.admin):
        return
    if linked_by is None:
        raise Forbidden("Only an admin may unlink evidence that came with the source report.")
    if restricted and linked_by != by.monitor_id:
        raise Forbidden("Only the monitor who linked restricted evidence, or an admin, may unlink it.")


def find_evidence(session: Session, url: str, *, include_restricted: bool) -> dict[str, Any]:
    """An evidence item by URL (any spelling of it) with its current links; 404 if none is visible.

    The public sees a public item with its public links only."""
    try:
        normalised = normalise_url(url)
    except ValueError as error:
        raise Unprocessable(f"Not an http(s) URL: {error}.") from None
    evidence = session.scalar(select(Evidence).where(col(Evidence.url_normalised) == normalised))
    if evidence is None or (evidence.visibility == "restricted" and not include_restricted):
        raise NotFound("No evidence item has this URL.")
    public_links = [] if include_restricted else [col(RecommendationEvidence.visibility) == Visibility.public]
    links = session.execute(
        select(
            col(Recommendation.code),
            col(RecommendationEvidence.relation),
            col(RecommendationEvidence.linked_at),
        )
        .join(Recommendation, col(Recommendation.id) == col(RecommendationEvidence.recommendation_id))
        .where(
            col(RecommendationEvidence.evidence_id) == evidence.id,
            col(RecommendationEvidence.unlinked_at).is_(None),
            *public_links,
        )
        .order_by(
            col(Recommendation.source_id), col(Recommendation.section_number), col(Recommendation.number)
        )
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


def active_link(session: Session, recommendation_id: int, evidence_id: int) -> RecommendationEvidence | None:
    """The link between a recommendation and an evidence item, unless it was unlinked."""
    return session.scalar(
        select(RecommendationEvidence).where(
            col(RecommendationEvidence.recommendation_id) == recommendation_id,
            col(RecommendationEvidence.evidence_id) == evidence_id,
            col(RecommendationEvidence.unlinked_at).is_(None),
        )
    )


def unlinked_evidence_ids(session: Session, recommendation_id: int, evidence_ids: list[int]) -> list[int]:
    """Those of `evidence_ids` that are not linked to the recommendation now."""
    linked = set(
        session.scalars(
            select(col(RecommendationEvidence.evidence_id)).where(
                col(RecommendationEvidence.recommendation_id) == recommendation_id,
                col(RecommendationEvidence.evidence_id).in_(evidence_ids),
                col(RecommendationEvidence.unlinked_at).is_(None),
            )
        )
    )
    return sorted(set(evidence_ids) - linked)


def _find_or_create_evidence(session: Session, by: Principal, data: EvidenceIn) -> tuple[Evidence, bool]:
    normalised = normalise_url(data.url)
    insert = pg_insert if is_postgres(session) else sqlite_insert
    # ON CONFLICT DO NOTHING: two monitors citing the same new article at once both end up with one item.
    created = session.execute(
        insert(Evidence)
        .values(
            url=normalised,
            url_normalised=normalised,
            title=data.title,
            kind=data.kind.value,
            published_on=data.published_on,
            visibility=data.visibility.value,
            created_at=utcnow(),
            created_by=by.monitor_id,
        )
        .on_conflict_do_nothing(index_elements=["url_normalised"])
        .returning(col(Evidence.id))
    ).scalar()
    evidence = session.execute(
        select(Evidence).where(col(Evidence.url_normalised) == normalised)
    ).scalar_one()
    return evidence, created is None
