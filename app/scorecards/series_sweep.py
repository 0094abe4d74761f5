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
from collections.abc import Iterator
from datetime import date
from itertools import repeat
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    case,
    cast,
    extract,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from app.history.supersession import not_superseded
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


def swept(session: Session, params: SeriesParams, dates: list[date], *, corrections: bool) -> list[Folded]:
    """For each step, the totals' and groups' counts as the scorecard folds them (`counted`).

    With `corrections`, entries superseded by a correction recorded by known_at are left out, as lookups do.
    """
    first = period_index(dates[0], params.interval)
    grouping = Grouping(params.group_by)
    key = grouping.key
    total_size = _sizes(session, params, None).get(None, 0)
    total_steps = _accumulate(session, params, dates, None, first, corrections)
    group_steps: Iterator[dict[Any, dict[str, int]]] = repeat({}, len(dates))
    names: dict[Any, tuple[Any, Any, Any]] = {}
    sizes: dict[Any, int] = {}
    if key is not None:
        sizes = _sizes(session, params, grouping)
        group_steps = _accumulate(session, params, dates, grouping, first, corrections)
        names = _names(session, params.group_by, list(sizes))
    result: list[Folded] = []
    for total_held, group_held in zip(total_steps, group_steps, strict=True):
        totals = _folded(total_held.get(None, {}), total_size, params)
        if key is None:  # by status: a group per status held at the step
            groups = [
                _folded({status: count}, count, params) | {"key": status, "label": None, "source": None}
                for status, count in totals["by_status"].items()
                if count
            ]
        else:
            groups = []
            for group, size in sizes.items():
                folded = _folded(group_held.get(group, {}), size, params)
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


class Grouping:
    """How a recommendation finds its group: a column of `recommendations`, a category, or none (status)."""

    def __init__(self, group_by: GroupBy) -> None:
        self.group_by = group_by
        self.links = aliased(RecommendationCategory, name="grouping")
        # Any: the aliased link's column is typed as the mapped attribute it stands for.
        self.key: Any
        if group_by == GroupBy.section:
            self.key = Recommendation.__table__.c.section_id
        elif group_by == GroupBy.source:
            self.key = Recommendation.__table__.c.source_id
        elif group_by == GroupBy.status:
            self.key = None
        else:
            self.key = col(self.links.category_id)

    @property
    def by_category(self) -> bool:
        """Whether groups are categories of a kind (overlapping, with a group of those with none)."""
        return self.group_by not in (GroupBy.section, GroupBy.source, GroupBy.status)

    def joined(self, statement: Select, recommendation_id: ColumnElement[Any]) -> Select:
        """The statement joined to what names the group of the row's recommendation."""
        if self.key is None:
            return statement
        if not self.by_category:
            return statement.join(Recommendation, col(Recommendation.id) == recommendation_id)
        # Joined on the link's key with the kind as a condition: SQLite then seeks the primary key rather
        # than scanning a materialised list of links for every row.
        kind = select(col(Category.id)).where(col(Category.kind) == CategoryKind(self.group_by.value).value)
        return statement.outerjoin(
            self.links,
            and_(
                col(self.links.recommendation_id) == recommendation_id, col(self.links.category_id).in_(kind)
            ),
        )


def _sizes(session: Session, params: SeriesParams, grouping: Grouping | None) -> dict[Any, int]:
    """How many recommendations each group holds; one group, None, without a grouping."""
    group = grouping.key if grouping is not None and grouping.key is not None else literal(None)
    statement = select(group.label("group_key"), func.count()).select_from(Recommendation)
    if grouping is not None and grouping.by_category:
        statement = grouping.joined(statement, Recommendation.__table__.c.id)
    rows = session.execute(statement.where(*_scope(params)).group_by(group)).all()
    return {row[0]: row[1] for row in rows}


def _period(day: ColumnElement[Any], interval: Interval) -> ColumnElement[int]:
    months = cast(extract("year", day), Integer) * 12 + cast(extract("month", day), Integer) - 1
    return months if interval == Interval.month else months // MONTHS[interval]


def _accumulate(
    session: Session,
    params: SeriesParams,
    dates: list[date],
    grouping: Grouping | None,
    first: int,
    corrections: bool,
) -> Iterator[dict[Any, dict[str, int]]]:
    """For each step in turn, per group, how many recommendations hold each assessed status.

    The same dict, updated in place: read each step before asking for the next.
    """
    held: dict[Any, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    statement = _changes(params, dates[-1], grouping, first, corrections)
    changes = sorted(session.execute(statement), key=lambda row: row.step)
    position = 0
    for index in range(len(dates)):
        while position < len(changes) and changes[position].step <= first + index:
            change = changes[position]
            held[change.group_key][change.status] += change.change
            position += 1
        yield held


def _changes(
    params: SeriesParams, end: date, grouping: Grouping | None, first: int, corrections: bool
) -> Select:
    """(step, group, status, change): +1 from where an assessment starts to count, -1 from where it stops."""
    conditions = [
        col(HistoryEntry.perspective) == params.perspective.value,
        col(HistoryEntry.effective_on) <= end,
        col(HistoryEntry.recommendation_id).in_(select(col(Recommendation.id)).where(*_scope(params))),
    ]
    if params.known_at is not None:
        conditions.append(col(HistoryEntry.recorded_at) <= params.known_at)
    if corrections:
        # A superseded entry holds no status once its correction is known: the next one takes over.
        conditions.append(not_superseded(params.known_at))
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
        .cte("spans")
        .prefix_with("MATERIALIZED")  # read by both edges: looked up and ordered once
    )
    key = grouping.key if grouping is not None else None
    group = (key if key is not None else literal(None)).label("group_key")
    starts = _period(spans.c.on, params.interval)
    stops = _period(spans.c.next_on, params.interval)

    def edge(step: ColumnElement[int], change: int, *where: ColumnElement[bool]) -> Select:
        statement = select(step.label("step"), group, spans.c.status, literal(change).label("change"))
        if grouping is not None:
            statement = grouping.joined(statement.select_from(spans), spans.c.id)
        return statement.where(spans.c.status.in_(ASSESSED), *where)

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
