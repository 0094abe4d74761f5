"""The scorecard's one aggregate statement: per recommendation its looked-up statuses, counted by group."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from itertools import chain
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    CompoundSelect,
    Connection,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlmodel import col

from app.claim_classes import claim_class_condition, claim_class_sql
from app.models import Category, Recommendation, RecommendationCategory, Section, Source
from app.scorecards.commitments import NOTED, PARTIALLY, commitment_ranks
from app.scorecards.conditions import (
    CLAIMED,
    DISPUTED,
    GAP_PERSPECTIVES,
    covered_set,
    denormalised_status,
    has_progress_evidence,
    recommendation_conditions,
    response_at,
)
from app.scorecards.lookups import Looked, Lookups, with_joins
from app.scorecards.params import ScorecardParams
from app.scorecards.point import PointInTime
from app.vocabulary import CategoryKind, ClaimGapClass, GroupBy, Perspective, Status

STATUSES = tuple(status.value for status in Status)
NOT_ASSESSED = Status.not_assessed.value  # read once per row by `fold`: an enum member's .value is a call
COMMITMENT_COUNTS = ("committed", "partially", "not_implemented_or_regressed", "not_assessed", "noted")
GAP_CLASSES = tuple(gap_class.value for gap_class in ClaimGapClass)
# Groupings in which each recommendation is in exactly one group.
PARTITIONS = (GroupBy.section, GroupBy.source, GroupBy.status, GroupBy.response)


def per_recommendation(
    lookups: Lookups,
    params: ScorecardParams,
    point: PointInTime,
    *,
    include_restricted: bool,
    commitments: bool = True,
) -> CTE:
    """Per recommendation: group keys, status, date of that assessment, evidence coverage, claim gaps.

    With `commitments` False (no same_measure link exists: `commitments.any_commitment_links`) no
    recommendation is committed, and the ranks are not looked up."""
    perspective = params.perspective
    denormalised = denormalised_status(perspective, point)
    looked = [lookups.dated(perspective, point)]
    if not point.current:
        looked += [lookups.status_only(other, point) for other in GAP_PERSPECTIVES if other != perspective]
    covered: ColumnElement[Any]
    if point.known_at is not None and lookups.joins_sets:
        covering = covered_set(point, include_restricted=include_restricted)
        looked.append(Looked([], [(covering, covering.c.recommendation_id == col(Recommendation.id))]))
        covered = covering.c.recommendation_id.is_not(None)
    else:
        covered = has_progress_evidence(point, include_restricted=include_restricted)
    # Grouped by response: the response at the point, a covering seek (the column itself when current).
    responses = [response_at(point).label("response")] if params.group_by == GroupBy.response else []
    statement = select(
        col(Recommendation.id).label("id"),
        col(Recommendation.source_id).label("source_id"),
        col(Recommendation.section_id).label("section_id"),
        col(Recommendation.status).label("current_status"),
        col(Recommendation.claimed_status).label("current_claim"),
        *(column for lookup in looked for column in lookup.columns),
        case((covered, 1), else_=0).label("covered"),
        *responses,
    )
    # Materialised: on SQLite each use of a packed value in a flattened subquery would run its seek
    # again. A status filter on a denormalised column narrows the lookups; one on a looked-up status
    # waits for the materialised rows.
    seeks = (
        with_joins(statement, [join for lookup in looked for join in lookup.joins])
        .where(*recommendation_conditions(params, denormalised, point, claim_gap=point.current))
        .cte("seeks")
        .prefix_with("MATERIALIZED", dialect="sqlite")
    )
    status: ColumnElement[Any]
    if denormalised is not None:
        status = seeks.c.current_status if perspective == Perspective.independent else seeks.c.current_claim
    else:
        status = func.coalesce(lookups.status(seeks, perspective), Status.not_assessed.value)
    claimed: ColumnElement[Any]
    independent: ColumnElement[Any]
    if point.current:
        claimed, independent = seeks.c.current_claim, seeks.c.current_status
    else:
        claimed, independent = (lookups.status(seeks, other) for other in GAP_PERSPECTIVES)
    # `gap` is the v1 claim gap (claims implementation, the monitors find none); `gap_class` the definition.
    gap = and_(claimed.in_(CLAIMED), independent.in_(DISPUTED))
    # The few recommendations with a same_measure UPR link, ranked by the best response among them.
    ranks = commitment_ranks(point) if commitments else None
    commitment = func.coalesce(ranks.c.rank, 0) if ranks is not None else literal_column("0", Integer)
    rows = select(
        seeks.c.id,
        seeks.c.source_id,
        seeks.c.section_id,
        status.label("status"),
        lookups.effective_on(seeks, perspective).label("last_on"),
        seeks.c.covered,
        case((gap, 1), else_=0).label("gap"),
        claim_class_sql(claimed, independent).label("gap_class"),
        commitment.label("commitment"),
        *([seeks.c.response] if responses else []),
    ).select_from(seeks if ranks is None else seeks.outerjoin(ranks, ranks.c.id == seeks.c.id))
    if params.status is not None and denormalised is None:
        rows = rows.where(status == params.status.value)
    if params.claim_gap is not None and not point.current:
        rows = rows.where(claim_class_condition(params.claim_gap.value, claimed, independent))
    # Read twice when the groups overlap (totals and groups): SQLite then keeps it rather than computing it
    # again, as PostgreSQL does by itself. Read once (see `counts`), both flatten it into the grouping.
    cte = rows.cte("per_recommendation")
    if params.group_by in PARTITIONS:
        return cte
    cte = cte.prefix_with("MATERIALIZED", dialect="sqlite")
    if point.known_at is None:
        # PostgreSQL would materialise it (read twice), serially and spilling to disk at 300,000 rows; as
        # known now the rows are one parallel hash join, cheaper to run twice (by theme: 1.7-1.8 s against
        # 2.3-2.5 s). As known at a time the period lookups cost more than the materialisation.
        cte = cte.prefix_with("NOT MATERIALIZED", dialect="postgresql")
    return cte


def counts_statement(rows: CTE, cutoff: date, group_by: str) -> CompoundSelect:
    """Counts by status, staleness, coverage and gaps: overall (part 0) and per group (part 1)."""
    totals = select(*_keys(0, _text_null(), _text_null(), _text_null()), *_sums(rows, cutoff)).group_by(
        rows.c.status
    )
    return union_all(totals, _groups(rows, cutoff, group_by))


def counts(
    connection: Connection, rows: CTE, cutoff: date, group_by: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The totals' and each group's counts of the rows: where the groups partition the recommendations, the
    totals are summed from the group rows in Python instead of grouped again in SQL."""
    # Core rows, not the ORM's: a few thousand of them (a group and status each), read once.
    if group_by not in PARTITIONS:
        return fold(connection.execute(counts_statement(rows, cutoff, group_by)))
    groups = connection.execute(_groups(rows, cutoff, group_by)).all()
    return fold(chain(_totals(groups), groups))


def _totals(groups: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
    """Each recommendation is in exactly one group: the totals by status are the groups' sums."""
    by_status: dict[str, list[Sequence[Any]]] = defaultdict(list)
    for row in groups:
        by_status[row[4]].append(row[5:])
    return [
        (0, None, None, None, status, *map(sum, zip(*rows, strict=True)))
        for status, rows in by_status.items()
    ]


def fold(result) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The totals and each group's counts from the rows of `counts_statement` (a few per group)."""
    totals = _empty()
    groups: dict[tuple[Any, Any, Any], dict[str, Any]] = {}
    target: dict[str, Any] | None
    # Thousands of rows, most with no gap and no commitment: those are skipped rather than added as zeros.
    for row in result:
        (
            part,
            key,
            label,
            source,
            status,
            total,
            stale,
            covered,
            gaps,
            committed,
            partially,
            noted,
            *classes,
        ) = row
        if part == 0:
            target = totals
        elif (target := groups.get((key, label, source))) is None:
            target = groups[key, label, source] = _empty() | {"key": key, "label": label, "source": source}
        target["by_status"][status] += total
        target["total"] += total
        target["stale"] += stale
        target["covered"] += covered
        if gaps or any(classes):
            target["gaps"] += gaps
            gap_classes = target["gap_classes"]
            for gap_class, counted in zip(GAP_CLASSES, classes, strict=True):
                gap_classes[gap_class] += counted
        if committed or noted:
            commitments = target["commitments"]
            commitments["committed"] += committed
            commitments["partially"] += partially
            commitments["noted"] += noted
            if status in DISPUTED:
                commitments["not_implemented_or_regressed"] += committed
            elif status == NOT_ASSESSED:
                commitments["not_assessed"] += committed
    return totals, list(groups.values())


def empty_commitments() -> dict[str, int]:
    """Commitment counts of a group with none."""
    return dict.fromkeys(COMMITMENT_COUNTS, 0)


def empty_gap_classes() -> dict[str, int]:
    """Claim-gap counts by class of a group with none."""
    return dict.fromkeys(GAP_CLASSES, 0)


def _empty() -> dict[str, Any]:
    return {
        "total": 0,
        "by_status": dict.fromkeys(STATUSES, 0),
        "stale": 0,
        "covered": 0,
        "gaps": 0,
        "gap_classes": empty_gap_classes(),
        "commitments": empty_commitments(),
    }


def _sums(rows: CTE, cutoff: date) -> list:
    # Grouped by status too, so a row's status is counted by the GROUP BY, not by a CASE per status.
    stale = case((or_(rows.c.last_on.is_(None), rows.c.last_on < cutoff), 1), else_=0)
    return [
        rows.c.status,
        func.count().label("total"),
        func.sum(stale).label("stale"),
        func.sum(rows.c.covered).label("covered"),
        func.sum(rows.c.gap).label("gaps"),
        func.sum(case((rows.c.commitment >= PARTIALLY, 1), else_=0)).label("committed"),
        func.sum(case((rows.c.commitment == PARTIALLY, 1), else_=0)).label("partially"),
        func.sum(case((rows.c.commitment == NOTED, 1), else_=0)).label("noted"),
        *(func.sum(case((rows.c.gap_class == name, 1), else_=0)).label(name) for name in GAP_CLASSES),
    ]


def _keys(part: int, key, label, source) -> list:
    return [
        literal_column(str(part), Integer).label("part"),
        key.label("key"),
        label.label("label"),
        source.label("source"),
    ]


def _text_null():
    return cast(null(), String)


def _groups(rows: CTE, cutoff: date, group_by: str) -> Select:
    """Part 1: counted by an integer key and status first, then named: the sort holds no text but status."""
    if group_by == "status":
        keys = _keys(1, rows.c.status, _text_null(), _text_null())
        return select(*keys, *_sums(rows, cutoff)).group_by(rows.c.status)
    if group_by == "response":
        # Named in Python from the vocabulary (a few groups): the key is the response, NULL for none.
        keys = _keys(1, rows.c.response, _text_null(), _text_null())
        return select(*keys, *_sums(rows, cutoff)).group_by(rows.c.response, rows.c.status)
    if group_by in ("section", "source"):
        column = rows.c.section_id if group_by == "section" else rows.c.source_id
        counted = _counted(select(column.label("group_id")).select_from(rows), column, rows, cutoff)
        if group_by == "section":
            keys = _keys(1, cast(col(Section.number), String), col(Section.title), col(Source.slug))
            named = select(*keys).join_from(counted, Section, col(Section.id) == counted.c.group_id)
            named = named.join(Source, col(Source.id) == col(Section.source_id))
        else:
            keys = _keys(1, col(Source.slug), col(Source.title), col(Source.slug))
            named = select(*keys).join_from(counted, Source, col(Source.id) == counted.c.group_id)
        return named.add_columns(*_counted_columns(counted))
    links = (
        select(col(RecommendationCategory.recommendation_id), col(RecommendationCategory.category_id))
        .join(Category, col(Category.id) == col(RecommendationCategory.category_id))
        .where(col(Category.kind) == CategoryKind(group_by).value)
        .subquery()
    )
    counted = _counted(
        select(links.c.category_id.label("group_id")).select_from(
            rows.outerjoin(links, links.c.recommendation_id == rows.c.id)
        ),
        links.c.category_id,
        rows,
        cutoff,
    )
    named = select(*_keys(1, col(Category.slug), col(Category.label), _text_null())).select_from(
        counted.outerjoin(Category, col(Category.id) == counted.c.group_id)
    )
    return named.add_columns(*_counted_columns(counted))


def _counted(statement: Select, key, rows: CTE, cutoff: date):
    return statement.add_columns(*_sums(rows, cutoff)).group_by(key, rows.c.status).subquery("counted")


def _counted_columns(counted) -> list:
    return [
        counted.c.status,
        counted.c.total,
        counted.c.stale,
        counted.c.covered,
        counted.c.gaps,
        counted.c.committed,
        counted.c.partially,
        counted.c.noted,
        *(counted.c[name] for name in GAP_CLASSES),
    ]
