"""Writes to a recommendation: assessments and evidence links, each one history entry and one version.

A write reads what it needs first, outside any lock, then claims the version it read with one conditional
UPDATE and appends. Every write bumps the version, so a successful claim proves that nothing it read has
changed since: the chain head, the statuses and the links. The write transaction is left with the claim,
the inserts and the commit, which keeps SQLite's single-writer lock and PostgreSQL's feed lock short.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ScalarSelect, func, insert, literal, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from app.auth import Principal
from app.db import WRITE_OPTION, utcnow
from app.errors import Conflict, NotFound, PreconditionFailed, PreconditionRequired, Unprocessable
from app.evidence.urls import normalise_url
from app.history.schemas import AssessmentIn, EvidenceIn
from app.history.service import ChainHead, build_entry
from app.models import Evidence, HistoryEntry, Recommendation, RecommendationEvidence
from app.recommendations.etag import etag_for, versions_in_if_match
from app.vocabulary import HistoryKind, Perspective, Status

# Any constant works: it only has to be the same in every process.
HISTORY_APPEND_LOCK = 0x7265637472616B  # "rectrak"
STATUS_COLUMNS = {Perspective.independent: "status", Perspective.state: "claimed_status"}


@dataclass
class WriteTarget:
    """A recommendation as read before a write; after the write, its new version and statuses."""

    id: int
    code: str
    version: int
    status: str
    claimed_status: str
    head: ChainHead | None
    # The newest effective date per perspective that has a denormalised status column.
    newest_effective_on: dict[Perspective, date | None]


def read_for_write(session: Session, code: str, if_match: str | None) -> WriteTarget:
    """The recommendation a write will change, if the client read its current version; else 404, 428, 412."""
    by_seq = [HistoryEntry.seq.desc()]
    by_effective_on = [HistoryEntry.effective_on.desc(), HistoryEntry.seq.desc()]
    with _snapshot(session) as read:
        # One statement, one round trip: the row, the chain head and what a backfill is compared with.
        rec = read.execute(
            select(
                Recommendation.id,
                Recommendation.version,
                Recommendation.status,
                Recommendation.claimed_status,
                _newest(HistoryEntry.seq, by_seq).label("head_seq"),
                _newest(HistoryEntry.hash, by_seq).label("head_hash"),
                *(
                    _newest(
                        HistoryEntry.effective_on,
                        by_effective_on,
                        HistoryEntry.perspective == perspective.value,
                    ).label(perspective.value)
                    for perspective in STATUS_COLUMNS
                ),
            ).where(Recommendation.code == code)
        ).first()
    if rec is None:
        raise NotFound(f"No recommendation has the code {code!r}.")
    if if_match is None or if_match.strip() == "*":
        raise PreconditionRequired(
            "Send If-Match with the ETag from your last read of this recommendation, so that no one's "
            "work is overwritten."
        )
    if rec.version not in versions_in_if_match(if_match):
        raise _stale(rec.version)
    return WriteTarget(
        id=rec.id,
        code=code,
        version=rec.version,
        status=rec.status,
        claimed_status=rec.claimed_status,
        head=ChainHead(rec.head_seq, rec.head_hash) if rec.head_seq is not None else None,
        newest_effective_on={perspective: rec._mapping[perspective.value] for perspective in STATUS_COLUMNS},
    )


def _newest(column, order: list, *conditions) -> ScalarSelect:
    """A column of the recommendation's newest entry by `order`, as a correlated subquery."""
    return (
        select(column)
        .where(HistoryEntry.recommendation_id == Recommendation.id, *conditions)
        .order_by(*order)
        .limit(1)
        .scalar_subquery()
    )


def record_assessment(
    session: Session, target: WriteTarget, by: Principal, data: AssessmentIn
) -> HistoryEntry:
    """Append an assessment and refresh the denormalised status it may change."""
    perspective = Perspective(data.perspective)
    effective_on = data.effective_on or datetime.now(UTC).date()
    changes: dict[str, Any] = {}
    if data.evidence_ids:
        with _snapshot(session) as read:
            _require_linked(read, target, data.evidence_ids)
    column = STATUS_COLUMNS.get(perspective)
    # Backfilled assessments land in the past: the status is the latest by effective date, then seq,
    # and the new entry has the highest seq, so it wins unless an earlier entry is effective later.
    newest = target.newest_effective_on.get(perspective)
    if column is not None and (newest is None or newest <= effective_on):
        changes[column] = data.status
    entry = build_entry(
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
    _claim(session, target, changes | {"last_assessed_at": entry.recorded_at})
    _append(session, entry)
    return entry


def link_evidence(
    session: Session, target: WriteTarget, by: Principal, data: EvidenceIn
) -> tuple[Evidence, RecommendationEvidence, HistoryEntry, bool]:
    """Link an evidence item (reusing one with the same normalised URL) and record it."""
    evidence, reused = _find_or_create_evidence(session, by, data)
    if _active_link(session, target.id, evidence.id) is not None:
        raise Conflict(
            f"Evidence {evidence.id} is already linked to {target.code}; unlink it first to change it."
        )
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
        },
    )
    link = RecommendationEvidence(
        recommendation_id=target.id,
        evidence_id=evidence.id,
        relation=data.relation,
        note=data.note,
        linked_by=by.monitor_id,
        linked_at=entry.recorded_at,
    )
    _claim(session, target, {})
    _append(session, entry, link)
    return evidence, link, entry, reused


def unlink_evidence(
    session: Session, target: WriteTarget, by: Principal, evidence_id: int, reason: str
) -> HistoryEntry:
    """Unlink an evidence item: the link is kept with who, when and why; nothing is deleted."""
    with _snapshot(session) as read:
        link = _active_link(read, target.id, evidence_id)
        if link is None:
            raise NotFound(f"Evidence {evidence_id} is not linked to {target.code}.")
        link_id, relation = link.id, link.relation
    entry = build_entry(
        target.id,
        target.code,
        target.head,
        kind=HistoryKind.evidence_unlinked,
        effective_on=datetime.now(UTC).date(),
        recorded_by=by.monitor_id,
        payload={"evidence_id": evidence_id, "relation": relation, "reason": reason},
    )
    _claim(session, target, {})
    session.execute(
        update(RecommendationEvidence)
        .where(RecommendationEvidence.id == link_id)
        .values(unlinked_at=entry.recorded_at, unlinked_by=by.monitor_id, unlink_reason=reason)
    )
    _append(session, entry)
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


def _claim(session: Session, target: WriteTarget, changes: dict[str, Any]) -> None:
    """Bump the version if it is still the one read (412 if not), applying the denormalised changes."""
    # One statement: on PostgreSQL a concurrent writer waits for our row lock and then finds the
    # version changed; on SQLite this is where the write lock is taken (BEGIN IMMEDIATE).
    claimed = session.execute(
        update(Recommendation)
        .where(Recommendation.id == target.id, Recommendation.version == target.version)
        .values(version=Recommendation.version + 1, updated_at=utcnow(), **changes)
        # Nothing in the session holds this row: skip the ORM's search for objects to refresh.
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        current = session.scalar(select(Recommendation.version).where(Recommendation.id == target.id))
        raise _stale(current)
    target.version += 1
    target.status = changes.get("status", target.status)
    target.claimed_status = changes.get("claimed_status", target.claimed_status)


def _append(session: Session, entry: HistoryEntry, *rows: Any) -> None:
    """Insert the entry (and rows that go with it) after the claim, serialised for the global feed."""
    session.add_all(rows)
    session.flush()
    if not _needs_feed_lock(session):
        session.add(entry)
        session.flush()
        return
    # The global feed pages by entry id. PostgreSQL hands out ids before commit, so without a lock a
    # reader could see id 11 committed before id 10 and skip 10 for ever. The lock is taken after the
    # row lock (never before it), so it cannot deadlock, and in the INSERT itself: it is held until
    # commit, and every round trip while holding it waits for this thread to get the GIL back.
    table = HistoryEntry.__table__
    values = {column.name: getattr(entry, column.key) for column in table.columns if column.name != "id"}
    lock = select(func.pg_advisory_xact_lock(HISTORY_APPEND_LOCK).label("taken")).cte("feed_lock")
    row = select(*(literal(value, table.c[name].type).label(name) for name, value in values.items()))
    entry.id = session.execute(
        insert(table).from_select(list(values), row.select_from(lock)).returning(table.c.id)
    ).scalar_one()


def _needs_feed_lock(session: Session) -> bool:
    """PostgreSQL appends take the feed lock; SQLite serialises writers already."""
    return session.get_bind().dialect.name == "postgresql"


def _stale(current: int | None) -> PreconditionFailed:
    return PreconditionFailed(
        "Someone changed this recommendation since you read it. Read it again (GET it for the new ETag), "
        "check what changed, and resend your change with the new If-Match.",
        headers={"ETag": etag_for(current)},
    )


@contextmanager
def _snapshot(session: Session) -> Iterator[Session]:
    """A short read-only session beside the write session, so reads hold no write lock."""
    if session.in_transaction():
        # Already writing (an idempotency check went first): read here rather than take a second
        # connection while holding the first, which could exhaust the pool under load.
        yield session
        return
    with Session(session.get_bind().execution_options(**{WRITE_OPTION: False})) as read:
        yield read


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


def _require_linked(session: Session, target: WriteTarget, evidence_ids: list[int]) -> None:
    linked = set(
        session.scalars(
            select(RecommendationEvidence.evidence_id).where(
                RecommendationEvidence.recommendation_id == target.id,
                RecommendationEvidence.evidence_id.in_(evidence_ids),
                RecommendationEvidence.unlinked_at.is_(None),
            )
        )
    )
    missing = sorted(set(evidence_ids) - linked)
    if missing:
        raise Unprocessable(
            f"Evidence {missing} is not linked to {target.code}: link it first, then cite it.",
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
