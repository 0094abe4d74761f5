"""Withdrawal: an admin erases content published by mistake; the entry's commitment and hash stay."""

from datetime import UTC, datetime

from sqlalchemy import select, text, update
from sqlmodel import Session, col

from app.auth import Principal
from app.db import is_postgres
from app.errors import Conflict, NotFound
from app.history.chain import WITHDRAWN_PAYLOAD
from app.history.service import build_entry
from app.models import HistoryEntry, Recommendation
from app.recommendations.write_protocol import WriteTarget, append, claim, snapshot
from app.scorecards.past import forget_all
from app.vocabulary import HistoryKind


def code_of_entry(session: Session, entry_id: int) -> str:
    """The code of the recommendation whose chain holds this entry; 404 if there is no such entry."""
    with snapshot(session) as read:
        code = read.scalar(
            select(col(Recommendation.code))
            .join(HistoryEntry, col(HistoryEntry.recommendation_id) == col(Recommendation.id))
            .where(col(HistoryEntry.id) == entry_id)
        )
    if code is None:
        raise NotFound(f"No history entry has the id {entry_id}.")
    return code


def withdraw_entry(
    session: Session, target: WriteTarget, by: Principal, entry_id: int, reason: str
) -> HistoryEntry:
    """Append a withdrawal entry naming `entry_id`, then erase that entry's content and salt."""
    withdrawn = session.get(HistoryEntry, entry_id)
    if withdrawn is None or withdrawn.recommendation_id != target.id:
        raise NotFound(f"No history entry {entry_id} in the history of {target.code}.")
    if withdrawn.kind == HistoryKind.withdrawal:
        raise Conflict("A withdrawal entry holds only its reason and cannot itself be withdrawn.")
    if withdrawn.payload == WITHDRAWN_PAYLOAD:
        raise Conflict(f"The content of history entry {entry_id} was withdrawn already.")
    entry = build_entry(
        target.id,
        target.code,
        target.head,
        kind=HistoryKind.withdrawal,
        effective_on=datetime.now(UTC).date(),
        recorded_by=by.monitor_id,
        payload={
            "withdraws": {"id": withdrawn.id, "seq": withdrawn.seq, "hash": withdrawn.hash},
            "reason": reason,
        },
        withdraws_entry_id=entry_id,
    )
    claim(session, target, {})
    append(session, entry)
    _erase(session, entry_id)
    # Kept past scorecards may show the erased words (a claim gap's summary).
    forget_all(session)
    return entry


def _erase(session: Session, entry_id: int) -> None:
    # The append-only triggers let exactly this through, and only once a withdrawal entry names the row.
    # PostgreSQL's runtime role has no UPDATE on history: the owner's function does it for it.
    if is_postgres(session):
        session.execute(text("SELECT rectrack_withdraw(:id)"), {"id": entry_id})
    else:
        session.execute(
            update(HistoryEntry)
            .where(col(HistoryEntry.id) == entry_id)
            .values(payload=WITHDRAWN_PAYLOAD, salt=None)
        )
    session.expire_all()
