"""The few reads only the pages need: the list's filter choices and the overview's latest assessments."""

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.history.chain import stored_payload
from app.models import Category, HistoryEntry, Recommendation, Section
from app.vocabulary import HistoryKind, Perspective


def filter_choices(session: Session) -> dict[str, list[dict[str, str]]]:
    """Sections, themes and addressees to offer in the list's filters, in two queries."""
    choices: dict[str, list[dict[str, str]]] = defaultdict(list)
    for kind, slug, label in session.execute(
        select(col(Category.kind), col(Category.slug), col(Category.label)).order_by(
            col(Category.kind), col(Category.label)
        )
    ):
        choices[kind].append({"value": slug, "label": label})
    seen: set[int] = set()
    for number, title in session.execute(
        select(col(Section.number), col(Section.title)).order_by(col(Section.number))
    ):
        if number not in seen:  # several sources may share a section number: offer it once
            seen.add(number)
            choices["section"].append({"value": str(number), "label": f"{number}. {title}"})
    return dict(choices)


def latest_assessments(session: Session, *, as_of: date | None, limit: int = 10) -> list[dict[str, Any]]:
    """The most recently recorded independent assessments effective by `as_of`; never who recorded them."""
    statement = (
        select(
            col(Recommendation.code),
            col(HistoryEntry.seq),
            col(HistoryEntry.status),
            col(HistoryEntry.effective_on),
            col(HistoryEntry.recorded_at),
            col(HistoryEntry.payload),
        )
        .join(Recommendation, col(Recommendation.id) == col(HistoryEntry.recommendation_id))
        .where(
            col(HistoryEntry.kind) == HistoryKind.assessment.value,
            col(HistoryEntry.perspective) == Perspective.independent.value,
        )
        .order_by(col(HistoryEntry.recorded_at).desc(), col(HistoryEntry.id).desc())
        .limit(limit)
    )
    if as_of is not None:
        statement = statement.where(col(HistoryEntry.effective_on) <= as_of)
    return [
        {
            "code": row.code,
            "seq": row.seq,
            "status": row.status,
            "effective_on": row.effective_on,
            "recorded_at": row.recorded_at,
            "summary": stored_payload(row.payload).get("summary", ""),
        }
        for row in session.execute(statement)
    ]
