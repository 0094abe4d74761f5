"""The few reads only the pages need: the list's filter choices and the overview's latest assessments."""

import json
from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from app.models import Category, HistoryEntry, Recommendation, Section
from app.vocabulary import HistoryKind, Perspective


def filter_choices(session: Session) -> dict[str, list[dict[str, str]]]:
    """Sections, themes and addressees to offer in the list's filters, in two queries."""
    choices: dict[str, list[dict[str, str]]] = defaultdict(list)
    for kind, slug, label in session.execute(
        select(Category.kind, Category.slug, Category.label).order_by(Category.kind, Category.label)
    ):
        choices[kind].append({"value": slug, "label": label})
    seen: set[int] = set()
    for number, title in session.execute(select(Section.number, Section.title).order_by(Section.number)):
        if number not in seen:  # several sources may share a section number: offer it once
            seen.add(number)
            choices["section"].append({"value": str(number), "label": f"{number}. {title}"})
    return dict(choices)


def latest_assessments(session: Session, *, as_of: date | None, limit: int = 10) -> list[dict[str, Any]]:
    """The most recently recorded independent assessments effective by `as_of`; never who recorded them."""
    statement = (
        select(
            Recommendation.code,
            HistoryEntry.seq,
            HistoryEntry.status,
            HistoryEntry.effective_on,
            HistoryEntry.recorded_at,
            HistoryEntry.payload,
        )
        .join(Recommendation, Recommendation.id == HistoryEntry.recommendation_id)
        .where(
            HistoryEntry.kind == HistoryKind.assessment.value,
            HistoryEntry.perspective == Perspective.independent.value,
        )
        .order_by(HistoryEntry.recorded_at.desc(), HistoryEntry.id.desc())
        .limit(limit)
    )
    if as_of is not None:
        statement = statement.where(HistoryEntry.effective_on <= as_of)
    return [
        {
            "code": row.code,
            "seq": row.seq,
            "status": row.status,
            "effective_on": row.effective_on,
            "recorded_at": row.recorded_at,
            "summary": json.loads(row.payload).get("summary", ""),
        }
        for row in session.execute(statement)
    ]
