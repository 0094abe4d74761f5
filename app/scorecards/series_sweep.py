"""A series in one pass over the history: each assessment holds its status from its date to the next one's.

Each assessment from the perspective (recorded by known_at, effective by the last step) is its
recommendation's status from its effective date until the next assessment's (`LEAD` over effective_on,
seq): it adds one to its status from the step of the period holding its date, and takes it away from the
step holding the next one's. Summed in SQL by (step, group, status) and accumulated over the few steps in
Python, that gives every step's counts from one scan of the entries, where a scorecard per step seeks every
recommendation's latest assessment once per step. Filters that change between steps with something other
than the status (the response, the claim gap) and grouping by response take the scorecard's statement per
step instead (`sweeps`).
"""

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Integer,
    Select,
    case,
    cast,
    extract,
    func,
    literal,
    select,
    union_all,
)
from sqlmodel import Session, col

from app.models import Category, HistoryEntry, Recommendation, RecommendationCategory, Section, Source
from app.recommendations.service import filter_conditions
from app.scorecards.aggregation import empty_commitments, empty_gap_classes
from app.scorecards.conditions import AT_POINT
from app.scorecards.params import MONTHS, Interval, SeriesParams
from app.vocabulary import CategoryKind, GroupBy, Status

ASSESSED = tuple(status.value for status in Status if status != Status.not_assessed)
Folded = tuple[dict[str, Any], list[dict[str, Any]]]


def sweeps(params: SeriesParams) -> bool:
    """Whether the sweep can give this series: nothing but the status changes between its steps."""
    return params.response is None and params.claim_gap is None and params.group_by != GroupBy.response


def period_index(day: date, interval: Interval) -> int:
    """The index of the period holding a date: months since year 0 over the period's length."""
    return (day.year * 12 + day.month - 1) // MONTHS[interval]


def swept(session: Session, params: SeriesParams, dates: list[date]) -> list[Folded]:
    """For each step, the totals' and groups' counts as the scorecard folds them (`counted`)."""
    first = period_index(dates[0], params.interval)
    key, joins = _group_key(params.group_by)
    total_size = _sizes(session, params, None, []).get(None, 0)
    total_steps = _accumulate(session, params, dates, None, [], first)
    group_steps: list[dict[Any, dict[str, int]]] = []
    names: dict[Any, tuple[Any, Any, Any]] = {}
    sizes: dict[Any, int] = {}
    if key is not None:
        sizes = _sizes(session, params, key, joins)
        group_steps = _accumulate(session, params, dates, key, joins, first)
        names = _names(session, params.group_by, list(sizes))
    result: list[Folded] = []
    for index in range(len(dates)):
        totals = _folded(total_steps[index].get(None, {}), total_size, params)
        if key is None:  # by status: a group per status held at the step
            groups = [
                _folded({status: count}, count, params) | {"key": status, "label": None, "source": None}
                for status, count in totals["by_status"].items()
                if count
            ]
        else:
            groups = []
            for group, size in sizes.items():
                folded = _folded(group_steps[index].get(group, {}), size, params)
                if folded["total"]:
                    name, label, source = names.get(group, (None, None, None))
                    groups.append(folded | {"key": name, "label": label, "source": source})
        result.append((totals, groups))
    return result


def _folded(held: dict[str, int], size: int, params: SeriesParams) -> dict[str, Any]:
    """A group's counts as `fold` leaves them, from the assessed statuses held and the group's size."""
    by_status = {status: held.get(status, 0) for status in ASSESSED}
    by_status[Status.not_assessed.value] = size - sum(by_status.values())
    if params.status is not None:
        by_status = {
            status: count if status == params.status.value else 0 for status, count in by_status.items()
        }
    return {
        "total": sum(by_status.values()),
        "by_status": by_status,
        "stale": 0,
        "covered": 0,
        "gaps": 0,
        "gap_classes": empty_gap_classes(),
        "commitments": empty_commitments(),
    }


def _scope(params: SeriesParams) -> list[ColumnElement[bool]]:
    """The recommendations in the series: the filters that do not depend on the step."""
    conditions = filter_conditions(params.model_copy(update=AT_POINT))
    if params.known_at is not None:
        conditions.append(col(Recommendation.created_at) <= params.known_at)
    return conditions


def _group_key(group_by: GroupBy) -> tuple[ColumnElement[Any] | None, list[FromClause]]:
    """The column naming a recommendation's group and the outer join it needs (None: by status)."""
    if group_by == GroupBy.section:
        return Recommendation.__table__.c.section_id, []
    if group_by == GroupBy.source:
        return Recommendation.__table__.c.source_id, []
    if group_by == GroupBy.status:
        return None, []
    links = (
        select(col(RecommendationCategory.recommendation_id), col(RecommendationCategory.category_id))
        .join(Category, col(Category.id) == col(RecommendationCategory.category_id))
        .where(col(Category.kind) == CategoryKind(group_by.value).value)
        .subquery("grouping")
    )
    return links.c.category_id, [links]


def _with_group(statement: Select, joins: list[FromClause]) -> Select:
    for links in joins:
        statement = statement.outerjoin(links, links.c.recommendation_id == col(Recommendation.id))
    return statement


def _sizes(
    session: Session, params: SeriesParams, key: ColumnElement[Any] | None, joins: list[FromClause]
) -> dict[Any, int]:
    """How many recommendations each group holds; one group, None, without a key."""
    group = key if key is not None else literal(None)
    statement = _with_group(select(group.label("group_key"), func.count()).select_from(Recommendation), joins)
    rows = session.execute(statement.where(*_scope(params)).group_by(group)).all()
    return {row[0]: row[1] for row in rows}


def _period(day: ColumnElement[Any], interval: Interval) -> ColumnElement[int]:
    months = cast(extract("year", day), Integer) * 12 + cast(extract("month", day), Integer) - 1
    return months if interval == Interval.month else months // MONTHS[interval]


def _accumulate(
    session: Session,
    params: SeriesParams,
    dates: list[date],
    key: ColumnElement[Any] | None,
    joins: list[FromClause],
    first: int,
) -> list[dict[Any, dict[str, int]]]:
    """For each step, per group, how many recommendations hold each assessed status."""
    held: dict[Any, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    changes = sorted(
        session.execute(_changes(params, dates[-1], key, joins, first)), key=lambda row: row.step
    )
    steps: list[dict[Any, dict[str, int]]] = []
    position = 0
    for index in range(len(dates)):
        while position < len(changes) and changes[position].step <= first + index:
            change = changes[position]
            held[change.group_key][change.status] += change.change
            position += 1
        steps.append({group: dict(counts) for group, counts in held.items()})
    return steps


def _changes(
    params: SeriesParams, end: date, key: ColumnElement[Any] | None, joins: list[FromClause], first: int
) -> Select:
    """(step, group, status, change): +1 from where an assessment starts to count, -1 from where it stops."""
    conditions = [
        col(HistoryEntry.perspective) == params.perspective.value,
        col(HistoryEntry.effective_on) <= end,
        col(HistoryEntry.recommendation_id).in_(select(col(Recommendation.id)).where(*_scope(params))),
    ]
    if params.known_at is not None:
        conditions.append(col(HistoryEntry.recorded_at) <= params.known_at)
    spans = (
        select(
            col(HistoryEntry.recommendation_id).label("id"),
            col(HistoryEntry.status).label("status"),
            col(HistoryEntry.effective_on).label("on"),
            func.lead(col(HistoryEntry.effective_on))
            .over(
                partition_by=col(HistoryEntry.recommendation_id),
                order_by=(col(HistoryEntry.effective_on), col(HistoryEntry.seq)),
            )
            .label("next_on"),
        )
        .where(*conditions)
        .subquery("spans")
    )
    group = (key if key is not None else literal(None)).label("group_key")
    starts = _period(spans.c.on, params.interval)
    stops = _period(spans.c.next_on, params.interval)

    def edge(step: ColumnElement[int], change: int, *where: ColumnElement[bool]) -> Select:
        statement = select(step.label("step"), group, spans.c.status, literal(change).label("change"))
        statement = statement.select_from(spans).join(Recommendation, col(Recommendation.id) == spans.c.id)
        return _with_group(statement, joins).where(spans.c.status.in_(ASSESSED), *where)

    # Before the first step, every change lands on it: the first step holds what was held by then.
    edges = union_all(
        edge(case((starts < first, first), else_=starts), 1),
        edge(case((stops < first, first), else_=stops), -1, spans.c.next_on.is_not(None)),
    ).subquery("edges")
    return select(
        edges.c.step, edges.c.group_key, edges.c.status, func.sum(edges.c.change).label("change")
    ).group_by(edges.c.step, edges.c.group_key, edges.c.status)


def _names(session: Session, group_by: GroupBy, ids: list[Any]) -> dict[Any, tuple[Any, Any, Any]]:
    """Each group id's key, label and source, as the scorecard names them."""
    wanted = [group for group in ids if group is not None]
    if not wanted:
        return {}
    if group_by == GroupBy.section:
        rows = session.execute(
            select(col(Section.id), col(Section.number), col(Section.title), col(Source.slug))
            .join(Source, col(Source.id) == col(Section.source_id))
            .where(col(Section.id).in_(wanted))
        )
        return {row[0]: (str(row[1]), row[2], row[3]) for row in rows}
    if group_by == GroupBy.source:
        rows = session.execute(
            select(col(Source.id), col(Source.slug), col(Source.title)).where(col(Source.id).in_(wanted))
        )
        return {row[0]: (row[1], row[2], row[1]) for row in rows}
    rows = session.execute(
        select(col(Category.id), col(Category.slug), col(Category.label)).where(col(Category.id).in_(wanted))
    )
    return {row[0]: (row[1], row[2], None) for row in rows}
