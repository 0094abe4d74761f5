"""What the soak runs and their tests check after the load: each denormalised status equals its history."""

from sqlalchemy import select
from sqlmodel import Session

from app.models import HistoryEntry
from app.vocabulary import HistoryKind, Perspective, Status


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
