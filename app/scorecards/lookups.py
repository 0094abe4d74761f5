"""Each perspective's latest assessment per recommendation, looked up once: the shape differs per database.

PostgreSQL joins one `LATERAL (... ORDER BY effective_on DESC, seq DESC LIMIT 1)` per perspective, which
returns every wanted column from one index seek. SQLite has no LATERAL and a scalar subquery returns one
value, so the date and the status come packed as `effective_on || status` (one covering seek gives both) and
are unpacked by the caller from a materialised row. An aggregate at a past point joins the status periods
instead (issue 16, `PeriodLookups`): the one period holding at the point, with no search for the newest entry;
as of a past date as known now, the one status pair holding then (`PairLookups`), both perspectives at once.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import (
    ColumnElement,
    Date,
    FromClause,
    Select,
    and_,
    bindparam,
    func,
    or_,
    select,
    true,
    type_coerce,
)
from sqlmodel import Session, col

from app.db import is_postgres
from app.history.status_pairs import PAIRED
from app.history.supersession import not_superseded
from app.models import HistoryEntry, Recommendation, StatusPair, StatusPeriod
from app.scorecards.point import PointInTime
from app.vocabulary import Perspective

# SQLite stores a Date as 'YYYY-MM-DD'; the status follows it in a packed value.
DATE_LENGTH = 10


def latest_query(perspective: str, point: PointInTime, *columns) -> Select:
    """Columns of a recommendation's latest assessment from a perspective, correlated to `recommendations`."""
    # Only assessments carry a perspective, so no kind filter: the (recommendation, perspective,
    # effective_on, seq, status, recorded_at) index then covers the whole lookup.
    return _latest(_perspective_is(perspective), point, *columns)


def _perspective_is(perspective: str) -> ColumnElement[bool]:
    # Rendered as a literal, so that the planners can use the perspective's partial index (migration 0012).
    value = Perspective(perspective).value
    return col(HistoryEntry.perspective) == bindparam(f"perspective_{value}", value, literal_execute=True)


def latest_response_query(point: PointInTime, *columns) -> Select:
    """Columns of a recommendation's latest entry that records a response, correlated to `recommendations`."""
    # Only genesis and response_recorded entries carry a response, so no kind filter: the partial
    # (recommendation, effective_on, seq, response, recorded_at) index covers the whole lookup.
    return _latest(col(HistoryEntry.response).is_not(None), point, *columns)


def _latest(condition: ColumnElement[bool], point: PointInTime, *columns) -> Select:
    statement = _at_point(
        select(*columns).where(col(HistoryEntry.recommendation_id) == col(Recommendation.id), condition),
        point,
    )
    return statement.order_by(col(HistoryEntry.effective_on).desc(), col(HistoryEntry.seq).desc()).limit(1)


def _at_point(statement: Select, point: PointInTime) -> Select:
    if point.as_of is not None:
        statement = statement.where(col(HistoryEntry.effective_on) <= point.as_of)
    if point.known_at is not None:
        statement = statement.where(col(HistoryEntry.recorded_at) <= point.known_at)
    if point.corrections:
        # A superseded entry counts only for what was known before its correction.
        statement = statement.where(not_superseded(point.known_at))
    return statement


def latest_value(column, perspective: str, point: PointInTime):
    """One column of the latest assessment as a correlated scalar subquery."""
    return latest_query(perspective, point, column).scalar_subquery()


# A lookup's join: a lateral (joined ON true), or a set and the condition that joins it to its recommendation.
Joined = FromClause | tuple[FromClause, ColumnElement[bool]]


@dataclass
class Looked:
    """What a lookup adds to a per-recommendation select: columns for its list and joins for its FROM."""

    columns: list[ColumnElement]
    joins: list[Joined]


class Lookups(Protocol):
    """The latest status (and date, and entry id) from a perspective, in the database's best shape."""

    # Whether the aggregate's other per-recommendation facts (coverage as known at a time) should be joined
    # as sets too: PostgreSQL hashes a set once where a correlated test runs once per recommendation.
    joins_sets: bool

    def inline(self, perspective: str, point: PointInTime, *columns) -> tuple[list[ColumnElement], Looked]:
        """Columns of the latest assessment usable directly in a select, and the joins they need."""
        ...

    def dated(self, perspective: str, point: PointInTime) -> Looked:
        """Status and effective date, to be read back through `status` and `effective_on`."""
        ...

    def status_only(self, perspective: str, point: PointInTime) -> Looked:
        """Status alone, to be read back through `status`."""
        ...

    def status(self, rows: FromClause, perspective: str) -> ColumnElement:
        """The looked-up status (NULL when none) as a column of the materialised rows."""
        ...

    def effective_on(self, rows: FromClause, perspective: str) -> ColumnElement:
        """The looked-up effective date (NULL when none) as a column of the materialised rows."""
        ...


class LateralLookups:
    """PostgreSQL: a LEFT JOIN LATERAL per perspective; every column comes from the one seek."""

    joins_sets = False

    def inline(self, perspective: str, point: PointInTime, *columns) -> tuple[list[ColumnElement], Looked]:
        """Columns of the latest assessment for a select's WHERE and column list, from one seek."""
        lookup = latest_query(perspective, point, *columns).lateral(f"latest_{perspective}")
        return [lookup.c[column.key] for column in columns], Looked([], [lookup])

    def dated(self, perspective: str, point: PointInTime) -> Looked:
        """Status and effective date from one lateral seek."""
        lookup = latest_query(
            perspective, point, col(HistoryEntry.status), col(HistoryEntry.effective_on)
        ).lateral(f"latest_{perspective}")
        return Looked(
            [
                lookup.c.status.label(f"{perspective}_status"),
                lookup.c.effective_on.label(f"{perspective}_on"),
            ],
            [lookup],
        )

    def status_only(self, perspective: str, point: PointInTime) -> Looked:
        """The status from one lateral seek."""
        lookup = latest_query(perspective, point, col(HistoryEntry.status)).lateral(f"latest_{perspective}")
        return Looked([lookup.c.status.label(f"{perspective}_status")], [lookup])

    def status(self, rows: FromClause, perspective: str) -> ColumnElement:
        """The status column."""
        return rows.c[f"{perspective}_status"]

    def effective_on(self, rows: FromClause, perspective: str) -> ColumnElement:
        """The effective-date column."""
        return rows.c[f"{perspective}_on"]


class PackedLookups:
    """SQLite: a correlated scalar subquery per perspective, date and status packed into one value."""

    joins_sets = False

    def inline(self, perspective: str, point: PointInTime, *columns) -> tuple[list[ColumnElement], Looked]:
        """Columns of the latest assessment, a seek each; a condition evaluates only when reached."""
        return [latest_value(column, perspective, point) for column in columns], Looked([], [])

    def dated(self, perspective: str, point: PointInTime) -> Looked:
        """`effective_on || status` from one covering seek."""
        packed = col(HistoryEntry.effective_on).concat(col(HistoryEntry.status))
        return Looked([latest_value(packed, perspective, point).label(f"{perspective}_packed")], [])

    def status_only(self, perspective: str, point: PointInTime) -> Looked:
        """The status from one covering seek."""
        return Looked(
            [latest_value(col(HistoryEntry.status), perspective, point).label(f"{perspective}_status")], []
        )

    def status(self, rows: FromClause, perspective: str) -> ColumnElement:
        """The status, unpacked when the lookup was dated."""
        if f"{perspective}_packed" in rows.c:
            return func.substr(rows.c[f"{perspective}_packed"], DATE_LENGTH + 1)
        return rows.c[f"{perspective}_status"]

    def effective_on(self, rows: FromClause, perspective: str) -> ColumnElement:
        """The date part, typed as a Date so comparisons bind dates as SQLite stores them."""
        return type_coerce(func.substr(rows.c[f"{perspective}_packed"], 1, DATE_LENGTH), Date)


class PeriodLookups:
    """An aggregate at a past point, both databases: the one status period holding at the point, joined.

    docs/design.md, "Status periods": at most one row per recommendation and perspective holds at a date as
    known at a time, so the lookup is a join on a range condition rather than a search for the newest entry.
    """

    def __init__(self, *, joins_sets: bool) -> None:
        self.joins_sets = joins_sets

    def inline(self, perspective: str, point: PointInTime, *columns) -> tuple[list[ColumnElement], Looked]:
        """Columns of the period's entry (id, status, effective_on), from the joined period."""
        period, on = _period(perspective, point)
        return [period.c[_PERIOD_COLUMNS[column.key]] for column in columns], Looked([], [(period, on)])

    def dated(self, perspective: str, point: PointInTime) -> Looked:
        """Status and the date it holds from."""
        period, on = _period(perspective, point)
        return Looked(
            [period.c.status.label(f"{perspective}_status"), period.c.from_on.label(f"{perspective}_on")],
            [(period, on)],
        )

    def status_only(self, perspective: str, point: PointInTime) -> Looked:
        """The status."""
        period, on = _period(perspective, point)
        return Looked([period.c.status.label(f"{perspective}_status")], [(period, on)])

    def status(self, rows: FromClause, perspective: str) -> ColumnElement:
        """The status column."""
        return rows.c[f"{perspective}_status"]

    def effective_on(self, rows: FromClause, perspective: str) -> ColumnElement:
        """The date the status holds from: its entry's effective date."""
        return rows.c[f"{perspective}_on"]


# An entry's columns as the period of its status holds them.
_PERIOD_COLUMNS = {"id": "entry_id", "status": "status", "effective_on": "from_on"}


def _period(perspective: str, point: PointInTime) -> tuple[FromClause, ColumnElement[bool]]:
    """The status periods of a perspective and the condition joining the one holding at the point."""
    period = StatusPeriod.__table__.alias(f"period_{perspective}")
    value = Perspective(perspective).value
    conditions = [
        period.c.recommendation_id == col(Recommendation.id),
        # A literal, as for the entries' partial indexes.
        period.c.perspective == bindparam(f"period_perspective_{value}", value, literal_execute=True),
    ]
    if point.as_of is None:
        conditions.append(period.c.until_on.is_(None))
    else:
        as_of = point.as_of
        conditions += [period.c.from_on <= as_of, or_(period.c.until_on.is_(None), period.c.until_on > as_of)]
    if point.known_at is None:
        conditions.append(period.c.superseded_at.is_(None))
    else:
        known_at = point.known_at
        conditions += [
            period.c.recorded_at <= known_at,
            or_(period.c.superseded_at.is_(None), period.c.superseded_at > known_at),
        ]
    return period, and_(*conditions)


class PairLookups(PeriodLookups):
    """An aggregate as of a past date, as known now: both paired perspectives' statuses from one status pair.

    docs/design.md, "Status pairs": one row per recommendation holds at a date, with the independent and the
    state status side by side, so the two perspectives a scorecard and its claim gaps need cost one seek (or
    on PostgreSQL one set hashed). The first paired lookup adds the join, the other reads the same row; any
    other perspective joins its periods.
    """

    def __init__(self, *, joins_sets: bool) -> None:
        super().__init__(joins_sets=joins_sets)
        self._pair: FromClause | None = None

    def inline(self, perspective: str, point: PointInTime, *columns) -> tuple[list[ColumnElement], Looked]:
        """Columns of the perspective's side of the pair (entry id, status, its start)."""
        if perspective not in PAIRED:
            return super().inline(perspective, point, *columns)
        pair, joins = self._joined(point)
        return [pair.c[f"{perspective}_{_PAIR_COLUMNS[column.key]}"] for column in columns], Looked([], joins)

    def dated(self, perspective: str, point: PointInTime) -> Looked:
        """Status and the date it holds from, from the pair."""
        if perspective not in PAIRED:
            return super().dated(perspective, point)
        pair, joins = self._joined(point)
        return Looked(
            [
                pair.c[f"{perspective}_status"].label(f"{perspective}_status"),
                pair.c[f"{perspective}_on"].label(f"{perspective}_on"),
            ],
            joins,
        )

    def status_only(self, perspective: str, point: PointInTime) -> Looked:
        """The status, from the pair."""
        if perspective not in PAIRED:
            return super().status_only(perspective, point)
        pair, joins = self._joined(point)
        return Looked([pair.c[f"{perspective}_status"].label(f"{perspective}_status")], joins)

    def _joined(self, point: PointInTime) -> tuple[FromClause, list[Joined]]:
        """The pair alias, and its join the first time it is asked for."""
        if self._pair is not None:
            return self._pair, []
        as_of = point.as_of
        pair = StatusPair.__table__.alias("pair")
        on = and_(
            pair.c.recommendation_id == col(Recommendation.id),
            pair.c.from_on <= as_of,
            or_(pair.c.until_on.is_(None), pair.c.until_on > as_of),
        )
        self._pair = pair
        return pair, [(pair, on)]


# An entry's columns as a side of a status pair holds them.
_PAIR_COLUMNS = {"id": "entry_id", "status": "status", "effective_on": "on"}


def lookups_for(session: Session) -> Lookups:
    """The lookup shape for the session's database."""
    return LateralLookups() if is_postgres(session) else PackedLookups()


def aggregate_lookups_for(session: Session, point: PointInTime) -> Lookups:
    """The lookup shape for an aggregate: at a past point, the status periods on either database."""
    if not point.current:
        # SQLite has no hash join: a correlated seek per recommendation beats joining a set there.
        joins_sets = is_postgres(session)
        if point.known_at is None:
            return PairLookups(joins_sets=joins_sets)
        return PeriodLookups(joins_sets=joins_sets)
    return lookups_for(session)


def with_joins(statement: Select, joins: Sequence[Joined]) -> Select:
    """The statement with each lookup LEFT JOINed: a lateral ON true, a set on its recommendation."""
    for lookup in joins:
        joined, on = lookup if isinstance(lookup, tuple) else (lookup, true())
        statement = statement.outerjoin_from(Recommendation, joined, on)
    return statement
