"""The few reads only the pages need: the list's filter choices and the overview's latest assessments."""

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import ScalarSelect, String, exists, func, literal, select, union_all
from sqlmodel import Session, col

from app.history.chain import stored_payload
from app.history.supersession import not_superseded
from app.models import Category, HistoryEntry, Recommendation, Section, Source
from app.vocabulary import HistoryKind, Perspective, Response, SourceKind

RESPONSE_ORDER = {response.value: index for index, response in enumerate(Response)}
KIND_ORDER = {kind.value: index for index, kind in enumerate(SourceKind)}


def filter_choices(session: Session) -> dict[str, list[dict[str, str]]]:
    """What the list's filters offer, in two queries: sections, sources, kinds and states under review;
    categories and responses.

    The page's queries must not grow with its filters; a response is offered only when some recommendation
    has it.
    """
    choices: dict[str, list[dict[str, str]]] = defaultdict(list)
    present = [
        select(literal("response", String), literal(response.value, String), literal("", String)).where(
            exists(select(col(Recommendation.id)).where(col(Recommendation.response) == response.value))
        )
        for response in Response
    ]
    categories = select(col(Category.kind), col(Category.slug), col(Category.label))
    for kind, slug, label in session.execute(union_all(categories, *present)):
        choices[kind].append({"value": slug, "label": label})
    for kind, found in choices.items():
        if kind == "response":
            found.sort(key=lambda choice: RESPONSE_ORDER[choice["value"]])
        elif kind == "sdg":  # by target number, shown with it: 16.3 before 16.10
            for choice in found:
                choice["label"] = f"{choice['value']} {choice['label']}"
            found.sort(key=lambda choice: _target_order(choice["value"]))
        else:
            found.sort(key=lambda choice: (choice["label"], choice["value"]))
    sections: set[int] = set()
    sources: set[str] = set()
    kinds: set[str] = set()
    states: set[str] = set()
    for number, title, slug, source_title, kind, state in session.execute(
        select(
            col(Section.number),
            col(Section.title),
            col(Source.slug),
            col(Source.title),
            col(Source.kind),
            col(Source.state_under_review),
        )
        .join(Source, col(Source.id) == col(Section.source_id))
        .order_by(col(Section.number), col(Source.slug))
    ):
        if state and state not in states:
            states.add(state)
            choices["state"].append({"value": state, "label": state})
        if number not in sections:  # several sources may share a section number: offer it once
            sections.add(number)
            choices["section"].append({"value": str(number), "label": f"{number}. {title}"})
        if slug not in sources:
            sources.add(slug)
            choices["source"].append({"value": slug, "label": source_title})
        if kind not in kinds:
            kinds.add(kind)
            choices["kind"].append({"value": kind, "label": kind})
    choices["source"].sort(key=lambda choice: choice["label"])
    choices["kind"].sort(key=lambda choice: KIND_ORDER[choice["value"]])
    return dict(choices)


def _target_order(target: str) -> tuple[tuple[int, int | str], ...]:
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in target.split("."))


def has_responses(session: Session, source: str | None) -> bool:
    """Whether any recommendation (of the source, if given) records the state's response: an index seek."""
    statement = select(col(Recommendation.id)).where(col(Recommendation.response).is_not(None))
    if source is not None:
        statement = statement.where(col(Recommendation.source_id) == _source_id(source))
    return bool(session.scalar(select(exists(statement))))


def _source_id(slug: str) -> ScalarSelect[int]:
    return select(col(Source.id)).where(col(Source.slug) == slug).scalar_subquery()


def latest_assessments(
    session: Session, *, as_of: date | None, source: str | None = None, limit: int = 10
) -> list[dict[str, Any]]:
    """Independent assessments effective by `as_of`, latest effective first (of one source, if given)."""
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
            # A correction with corrected values is the assessment that counts; the one it superseded not.
            col(HistoryEntry.kind).in_((HistoryKind.assessment.value, HistoryKind.correction.value)),
            col(HistoryEntry.perspective) == Perspective.independent.value,
            not_superseded(),
        )
        .order_by(col(HistoryEntry.effective_on).desc(), col(HistoryEntry.id).desc())
        .limit(limit)
    )
    if as_of is not None:
        statement = statement.where(col(HistoryEntry.effective_on) <= as_of)
    if source is not None:
        statement = statement.where(
            col(Recommendation.source_id)
            == select(col(Source.id)).where(col(Source.slug) == source).scalar_subquery()
        )
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


def status_dates(session: Session, codes: list[str]) -> dict[str, date]:
    """The effective date of the assessment each recommendation's current status rests on, in one query."""
    if not codes:
        return {}
    statement = (
        select(col(Recommendation.code), func.max(col(HistoryEntry.effective_on)))
        .join(Recommendation, col(Recommendation.id) == col(HistoryEntry.recommendation_id))
        .where(
            col(Recommendation.code).in_(codes),
            col(HistoryEntry.kind) == HistoryKind.assessment.value,
            col(HistoryEntry.perspective) == Perspective.independent.value,
        )
        .group_by(col(Recommendation.code))
    )
    return {code: effective_on for code, effective_on in session.execute(statement)}


def review_states(session: Session) -> list[str]:
    """The states under review of all sources, once each, for page titles ("Kazakhstan: ...")."""
    statement = (
        select(col(Source.state_under_review))
        .where(col(Source.state_under_review).is_not(None))
        .group_by(col(Source.state_under_review))
        .order_by(col(Source.state_under_review))
    )
    return [state for state in session.scalars(statement) if state]


def about_sources(session: Session) -> list[dict[str, Any]]:
    """Every source as the About page describes it, with how many recommendations it makes: one query."""
    counted = (
        select(col(Recommendation.source_id), func.count().label("recommendations"))
        .group_by(col(Recommendation.source_id))
        .subquery()
    )
    statement = (
        select(
            col(Source.slug),
            col(Source.title),
            col(Source.publisher),
            col(Source.published_on),
            col(Source.date_note),
            col(Source.url),
            col(Source.kind),
            col(Source.state_under_review),
            col(Source.session),
            col(Source.reviewed_on),
            col(Source.document_symbol),
            func.coalesce(counted.c.recommendations, 0).label("recommendations"),
        )
        .outerjoin(counted, counted.c.source_id == col(Source.id))
        .order_by(col(Source.id))
    )
    return [row._asdict() for row in session.execute(statement)]
