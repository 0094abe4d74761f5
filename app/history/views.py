"""History as readers see it: aliases for the public, restricted evidence left out."""

import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Row, bindparam, select
from sqlmodel import Session

from app.errors import NotFound
from app.history.feed_order import after_entry, feed_order, ordered_by_transaction, settled
from app.history.service import NewEntry
from app.models import Evidence, HistoryEntry, LogLeaf, Monitor, Recommendation, RecommendationEvidence
from app.vocabulary import Visibility

SYSTEM_ALIAS = "system"
WITHHELD_ALIAS = "withheld"

# Plain columns, statements built once: the ORM's per-row work was most of a history read's CPU.
_entry = HistoryEntry.__table__.c
_rec = Recommendation.__table__.c
_evidence = Evidence.__table__.c
_monitor = Monitor.__table__.c
_ENTRY_COLUMNS = (
    _entry.id,
    _entry.seq,
    _entry.kind,
    _entry.status,
    _entry.perspective,
    _entry.effective_on,
    _entry.recorded_at,
    _entry.recorded_by,
    _entry.payload,
    _entry.prev_hash,
    _entry.hash,
    _entry.format,
    _entry.salt,
    _entry.commitment,
    _entry.supersedes_entry_id,
)
_leaf = LogLeaf.__table__.c
_withdrawal = HistoryEntry.__table__.alias("withdrawal")
_correction = HistoryEntry.__table__.alias("correction")
_WITH_CODE = (
    HistoryEntry.__table__.join(Recommendation.__table__, _rec.id == _entry.recommendation_id)
    .outerjoin(LogLeaf.__table__, _leaf.entry_id == _entry.id)
    .outerjoin(_withdrawal, _withdrawal.c.withdraws_entry_id == _entry.id)
    .outerjoin(_correction, _correction.c.supersedes_entry_id == _entry.id)
)
_EXTRA_COLUMNS = (
    _leaf.leaf_index,
    _withdrawal.c.id.label("withdrawn_by_entry"),
    _correction.c.id.label("corrected_by_entry"),
)
_BY_RECOMMENDATION = (
    select(*_ENTRY_COLUMNS, *_EXTRA_COLUMNS, _rec.code)
    .select_from(_WITH_CODE)
    .where(_entry.recommendation_id == bindparam("recommendation_id"))
    .order_by(_entry.seq)
)
_BY_CODE = (
    select(*_ENTRY_COLUMNS, *_EXTRA_COLUMNS, _rec.code)
    .select_from(_WITH_CODE)
    .where(_rec.code == bindparam("code"))
    .order_by(_entry.seq)
)
# One statement per order (app/history/feed_order.py): id on SQLite, (transaction, id) up to the horizon.
_FEED = {
    postgres: select(*_ENTRY_COLUMNS, *_EXTRA_COLUMNS, _rec.code)
    .select_from(_WITH_CODE)
    .where(after_entry(bindparam("after"), postgres), settled(postgres))
    .order_by(*feed_order(postgres))
    .limit(bindparam("limit"))
    for postgres in (False, True)
}
_RESTRICTED = select(_evidence.id).where(
    _evidence.id.in_(bindparam("ids", expanding=True)), _evidence.visibility == Visibility.restricted.value
)
_link = RecommendationEvidence.__table__.c
_RESTRICTED_LINKS = (
    select(_rec.code, _link.evidence_id)
    .select_from(
        RecommendationEvidence.__table__.join(Recommendation.__table__, _rec.id == _link.recommendation_id)
    )
    .where(
        _link.evidence_id.in_(bindparam("ids", expanding=True)),
        _rec.code.in_(bindparam("codes", expanding=True)),
        _link.visibility == Visibility.restricted.value,
    )
)
_MONITORS = select(_monitor.id, _monitor.alias, _monitor.name).where(
    _monitor.id.in_(bindparam("ids", expanding=True))
)
_ENTRY_KEYS = [column.key for column in _ENTRY_COLUMNS]
_RECORDED_BY, _PAYLOAD = _ENTRY_KEYS.index("recorded_by"), _ENTRY_KEYS.index("payload")


def recommendation_history(
    session: Session, recommendation: Recommendation, *, privileged: bool
) -> list[dict[str, Any]]:
    """A recommendation's history in seq order."""
    rows = session.execute(_BY_RECOMMENDATION, {"recommendation_id": recommendation.id}).all()
    return _render(session, rows, privileged=privileged)


def history_of(session: Session, code: str, *, privileged: bool) -> list[dict[str, Any]]:
    """The history of the recommendation with this code, in seq order; 404 if the code is unknown."""
    rows = session.execute(_BY_CODE, {"code": code}).all()
    if not rows and session.scalar(select(_rec.id).where(_rec.code == code)) is None:
        raise NotFound(f"No recommendation has the code {code!r}.")
    return _render(session, rows, privileged=privileged)


def history_feed(session: Session, *, after: int, limit: int, privileged: bool) -> list[dict[str, Any]]:
    """Entries of every recommendation in feed order (recording order), after the entry with the given id."""
    statement = _FEED[ordered_by_transaction(session)]
    rows = session.execute(statement, {"after": after, "limit": limit}).all()
    return _render(session, rows, privileged=privileged)


def entry_views(
    session: Session,
    rows: list[tuple[HistoryEntry | NewEntry, str]],
    *,
    privileged: bool,
    known: dict[int, tuple[str, str]] | None = None,
) -> list[dict[str, Any]]:
    """Render entries with aliases (names only for viewers up); hide restricted evidence from the public.

    `known` maps monitor ids the caller has read already to their alias and name (no query for them).
    """
    flat = [(*(getattr(entry, key) for key in _ENTRY_KEYS), None, None, None, code) for entry, code in rows]
    return _render(session, flat, privileged=privileged, known=known)


def _render(
    session: Session,
    rows: Sequence[Row | tuple],
    *,
    privileged: bool,
    known: dict[int, tuple[str, str]] | None = None,
) -> list[dict[str, Any]]:
    """Rows of `_ENTRY_COLUMNS` and the code as views, read by position.

    A Row's attribute lookup costs ten times its index, which showed on a feed page of 100 entries.
    """
    payloads = [json.loads(row[_PAYLOAD]) for row in rows]  # None once withdrawn
    known = known or {}
    recorders = {row[_RECORDED_BY] for row in rows if row[_RECORDED_BY] is not None}
    monitors = known | _monitors(session, recorders - known.keys())
    codes = {row[-1] for row in rows}
    hidden = {} if privileged else hidden_evidence(session, codes, _referenced_evidence(payloads))
    views = []
    for row, payload in zip(rows, payloads, strict=True):
        (
            entry_id,
            seq,
            kind,
            status,
            perspective,
            effective_on,
            recorded_at,
            recorded_by,
            _,
            prev,
            digest,
            entry_format,
            salt,
            commitment,
            supersedes_entry,
            leaf_index,
            withdrawn_by_entry,
            corrected_by_entry,
            code,
        ) = row
        redacted = _redact(payload, hidden.get(code, set())) if payload is not None else None
        # Who holds restricted sources is itself a signal: the public learns no alias for such an entry.
        alias, name = (
            (WITHHELD_ALIAS, None)
            if redacted is not payload or (payload is None and not privileged)
            else monitors.get(recorded_by, (SYSTEM_ALIAS, None))
        )
        views.append(
            {
                "id": entry_id,
                "recommendation": code,
                "seq": seq,
                "kind": kind,
                "status": status,
                "perspective": perspective,
                "effective_on": effective_on,
                "recorded_at": recorded_at,
                "recorded_by": alias,
                "recorded_by_name": name if privileged else None,
                "payload": redacted,
                "redacted": redacted is not payload,
                "prev_hash": prev,
                "hash": digest,
                "format": entry_format,
                "commitment": commitment,
                # The salt opens the commitment: only for readers who see the whole entry.
                "salt": salt if redacted is payload else None,
                "leaf_index": leaf_index,
                "withdrawn": payload is None,
                "withdrawn_by_entry": withdrawn_by_entry,
                "supersedes_entry": supersedes_entry,
                "corrected_by_entry": corrected_by_entry,
            }
        )
    return views


def hidden_evidence(session: Session, codes: set[str], ids: set[int]) -> dict[str, set[int]]:
    """Per recommendation code, which of these evidence items the public may not see in its history:
    restricted items, and items linked to that recommendation through a restricted link (ever)."""
    if not ids:
        return {}
    items = set(session.scalars(_RESTRICTED, {"ids": list(ids)}))
    hidden = {code: set(items) for code in codes}
    for code, evidence_id in session.execute(_RESTRICTED_LINKS, {"ids": list(ids), "codes": list(codes)}):
        hidden[code].add(evidence_id)
    return hidden


def _monitors(session: Session, ids: set[int]) -> dict[int, tuple[str, str]]:
    if not ids:
        return {}
    rows = session.execute(_MONITORS, {"ids": list(ids)})
    return {monitor_id: (alias, name) for monitor_id, alias, name in rows}


def _referenced_evidence(payloads: Iterable[dict[str, Any] | None]) -> set[int]:
    ids: set[int] = set()
    for payload in payloads:
        if payload is None:
            continue
        if "evidence_id" in payload:
            ids.add(payload["evidence_id"])
        ids.update(payload.get("evidence_ids", []))
        ids.update(item["evidence_id"] for item in payload.get("evidence", []))
    return ids


def _redact(payload: dict[str, Any], hidden: set[int]) -> dict[str, Any]:
    """The payload without restricted evidence; the same object when nothing is hidden."""
    if not hidden or not (_referenced_evidence([payload]) & hidden):
        return payload
    if payload.get("evidence_id") in hidden:
        return {"evidence_id": payload["evidence_id"], "restricted": True}
    redacted = dict(payload)
    if "evidence_ids" in redacted:
        redacted["evidence_ids"] = [i for i in redacted["evidence_ids"] if i not in hidden]
    if "evidence" in redacted:
        redacted["evidence"] = [item for item in redacted["evidence"] if item["evidence_id"] not in hidden]
    return redacted
