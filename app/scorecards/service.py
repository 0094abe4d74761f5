"""Scorecards computed in SQL from the history: status as of a date and recording time, grouped, scored."""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    case,
    cast,
    exists,
    func,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlmodel import Session

from app.history.fingerprint import data_fingerprint
from app.models import (
    Category,
    Evidence,
    HistoryEntry,
    Recommendation,
    RecommendationCategory,
    RecommendationEvidence,
    Section,
    Source,
)
from app.recommendations.service import ORDER, filter_conditions
from app.scorecards.schemas import ChangesParams, PointInTimeParams, ScorecardParams
from app.vocabulary import CategoryKind, Perspective, Relation, Status, Visibility

WEIGHTS: dict[Status, float] = {
    Status.implemented: 1.0,
    Status.partially_implemented: 0.5,
    Status.not_implemented: 0.0,
    Status.regressed: 0.0,
}
STATUS_LABELS: dict[str, str] = {
    Status.not_assessed: "Not assessed",
    Status.not_implemented: "Not implemented",
    Status.partially_implemented: "Partially implemented",
    Status.implemented: "Implemented",
    Status.regressed: "Regressed",
}
FORMULA: dict[str, Any] = {
    "name": "Implementation index",
    "source": "UPR Info's implementation index",
    "weights": {status.value: weight for status, weight in WEIGHTS.items()},
    "excluded": [Status.not_assessed.value],
    "rules": [
        "score = mean weight over assessed recommendations; null when none is assessed",
        "not_assessed is left out of the score and reported as coverage (assessed / total)",
        "regressed weighs 0 and is counted as a regression",
        "a recommendation's status is its latest assessment from the perspective with effective_on <= as_of "
        "and recorded_at <= known_at, by effective_on then recording order",
        "evidence_coverage = share of recommendations with a progress or regression evidence link",
        "groups by theme, addressee or SDG target overlap; totals count each recommendation once",
    ],
}
CLAIMED = (Status.implemented.value, Status.partially_implemented.value)
DISPUTED = (Status.not_implemented.value, Status.regressed.value)
SHOWN_RELATIONS = (Relation.progress.value, Relation.regression.value)
# Bumped when the rendered output changes, so that cached ETags from older code stop matching.
OUTPUT_VERSION = 1
ID_CHUNK = 500


@dataclass(frozen=True)
class PointInTime:
    """Which history counts: effective on or before `as_of`, recorded at or before `known_at`."""

    as_of: date | None = None
    known_at: datetime | None = None

    @property
    def current(self) -> bool:
        """True when every recorded entry counts: the denormalised columns then hold the answer."""
        return self.as_of is None and self.known_at is None

    def reference_date(self) -> date:
        """The date staleness is measured from: as_of, else known_at's date (at the latest today), in UTC."""
        if self.as_of is not None:
            return self.as_of
        today = datetime.now(UTC).date()
        return min(self.known_at.date(), today) if self.known_at is not None else today


def point_of(params: PointInTimeParams | ChangesParams) -> PointInTime:
    """The point in time named by the parameters."""
    return PointInTime(getattr(params, "as_of", None), params.known_at)


def latest_assessment(column, perspective: str, point: PointInTime):
    """A column of a recommendation's latest assessment from a perspective: a correlated LIMIT 1 subquery."""
    # Only assessments carry a perspective, so no kind filter: the (recommendation, perspective,
    # effective_on, seq, status, recorded_at) index then covers the whole lookup.
    statement = select(column).where(
        HistoryEntry.recommendation_id == Recommendation.id, HistoryEntry.perspective == perspective
    )
    if point.as_of is not None:
        statement = statement.where(HistoryEntry.effective_on <= point.as_of)
    if point.known_at is not None:
        statement = statement.where(HistoryEntry.recorded_at <= point.known_at)
    return (
        statement.order_by(HistoryEntry.effective_on.desc(), HistoryEntry.seq.desc())
        .limit(1)
        .scalar_subquery()
    )


def status_at(perspective: str, point: PointInTime) -> ColumnElement[str]:
    """A recommendation's status from a perspective at a point in time, as a SQL expression."""
    if point.current and perspective == Perspective.independent:
        return Recommendation.status
    if point.current and perspective == Perspective.state:
        return Recommendation.claimed_status
    return func.coalesce(
        latest_assessment(HistoryEntry.status, perspective, point), Status.not_assessed.value
    )


def links_at(point: PointInTime) -> list[ColumnElement[bool]]:
    """Conditions on recommendation_evidence for links that existed at known_at (or now)."""
    if point.known_at is None:
        return [RecommendationEvidence.unlinked_at.is_(None)]
    return [
        RecommendationEvidence.linked_at <= point.known_at,
        or_(
            RecommendationEvidence.unlinked_at.is_(None), RecommendationEvidence.unlinked_at > point.known_at
        ),
    ]


def evidence_conditions(point: PointInTime, *, include_restricted: bool) -> list[ColumnElement[bool]]:
    """Conditions on a joined evidence row: visible to the caller and published by as_of."""
    conditions = [*links_at(point)]
    if not include_restricted:
        conditions.append(Evidence.visibility == Visibility.public.value)
    if point.as_of is not None:
        conditions.append(or_(Evidence.published_on.is_(None), Evidence.published_on <= point.as_of))
    return conditions


def _has_progress_evidence(point: PointInTime, *, include_restricted: bool) -> ColumnElement[bool]:
    return exists(
        select(RecommendationEvidence.id)
        .join(Evidence, Evidence.id == RecommendationEvidence.evidence_id)
        .where(
            RecommendationEvidence.recommendation_id == Recommendation.id,
            RecommendationEvidence.relation.in_(SHOWN_RELATIONS),
            *evidence_conditions(point, include_restricted=include_restricted),
        )
    )


def recommendation_conditions(
    params: PointInTimeParams | ChangesParams, status: ColumnElement[str], point: PointInTime
) -> list[ColumnElement[bool]]:
    """The list filters, with `status` matched against the given status expression, not the current one."""
    conditions = filter_conditions(params.model_copy(update={"status": None}))
    if params.status is not None:
        conditions.append(status == params.status.value)
    if point.known_at is not None:
        # A recommendation added later was not on the scorecard as it was known then.
        conditions.append(Recommendation.created_at <= point.known_at)
    return conditions


def compute_scorecard(
    session: Session, params: ScorecardParams, *, include_restricted: bool = False
) -> dict[str, Any]:
    """The scorecard for the parameters: totals, groups and claim gaps, aggregated in SQL."""
    point = point_of(params)
    status = status_at(params.perspective, point)
    per_recommendation = (
        select(
            Recommendation.id.label("id"),
            Recommendation.source_id.label("source_id"),
            Recommendation.section_id.label("section_id"),
            status.label("status"),
            latest_assessment(HistoryEntry.effective_on, params.perspective, point).label("last_on"),
            case((_has_progress_evidence(point, include_restricted=include_restricted), 1), else_=0).label(
                "covered"
            ),
        )
        .where(*recommendation_conditions(params, status, point))
        .cte("per_recommendation")
    )
    cutoff = point.reference_date() - timedelta(days=params.stale_after_days)
    # One statement: the CTE is used twice, so both databases materialise it and evaluate the
    # correlated lookups once per recommendation.
    rows = session.execute(
        union_all(
            _total_part(per_recommendation, cutoff), _group_part(per_recommendation, cutoff, params.group_by)
        )
    ).all()
    totals = next(row for row in rows if row.part == 0)
    groups = [_group(row) for row in rows if row.part == 1]
    return {
        "as_of": point.reference_date(),
        "known_at": point.known_at,
        "perspective": params.perspective,
        "group_by": params.group_by,
        "stale_after_days": params.stale_after_days,
        "formula": FORMULA,
        "totals": _aggregate(totals),
        "groups": _ordered_groups(groups, params.group_by),
        "claim_gaps": claim_gaps(session, params),
    }


def _aggregates(rows, cutoff: date) -> list:
    stale = case((or_(rows.c.last_on.is_(None), rows.c.last_on < cutoff), 1), else_=0)
    by_status = [
        func.coalesce(func.sum(case((rows.c.status == status.value, 1), else_=0)), 0).label(status.value)
        for status in Status
    ]
    return [
        func.count().label("total"),
        *by_status,
        func.coalesce(func.sum(stale), 0).label("stale"),
        func.coalesce(func.sum(rows.c.covered), 0).label("covered"),
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


def _total_part(rows, cutoff: date):
    return select(
        *_keys(0, _text_null(), _text_null(), _text_null()), *_aggregates(rows, cutoff)
    ).select_from(rows)


def _group_part(rows, cutoff: date, group_by: str):
    aggregates = _aggregates(rows, cutoff)
    if group_by == "section":
        return (
            select(
                *_keys(1, cast(Section.number, String), Section.title, Source.slug),
                *aggregates,
            )
            .select_from(rows)
            .join(Section, Section.id == rows.c.section_id)
            .join(Source, Source.id == Section.source_id)
            .group_by(Section.id, Section.number, Section.title, Source.slug)
        )
    if group_by == "source":
        return (
            select(*_keys(1, Source.slug, Source.title, Source.slug), *aggregates)
            .select_from(rows)
            .join(Source, Source.id == rows.c.source_id)
            .group_by(Source.id, Source.slug, Source.title)
        )
    if group_by == "status":
        return (
            select(*_keys(1, rows.c.status, _text_null(), _text_null()), *aggregates)
            .select_from(rows)
            .group_by(rows.c.status)
        )
    categories = (
        select(
            RecommendationCategory.recommendation_id.label("recommendation_id"),
            Category.slug.label("slug"),
            Category.label.label("label"),
        )
        .join(Category, Category.id == RecommendationCategory.category_id)
        .where(Category.kind == CategoryKind(group_by).value)
        .subquery()
    )
    return (
        select(*_keys(1, categories.c.slug, categories.c.label, _text_null()), *aggregates)
        .select_from(rows)
        .outerjoin(categories, categories.c.recommendation_id == rows.c.id)
        .group_by(categories.c.slug, categories.c.label)
    )


def _aggregate(row) -> dict[str, Any]:
    counts = {status.value: int(getattr(row, status.value)) for status in Status}
    total = int(row.total)
    assessed = total - counts[Status.not_assessed.value]
    weighted = sum(counts[status.value] * weight for status, weight in WEIGHTS.items())
    return {
        "total": total,
        "by_status": counts,
        "assessed": assessed,
        "score": round(weighted / assessed, 4) if assessed else None,
        "regressions": counts[Status.regressed.value],
        "evidence_coverage": round(int(row.covered) / total, 4) if total else None,
        "stale": int(row.stale),
    }


def _group(row) -> dict[str, Any]:
    return {"key": row.key, "label": row.label, "source": row.source, **_aggregate(row)}


NO_CATEGORY_LABELS = {"theme": "No theme", "addressee": "No addressee", "sdg": "No SDG target"}


def _ordered_groups(groups: list[dict[str, Any]], group_by: str) -> list[dict[str, Any]]:
    """Groups in a stable, readable order (there are few: sorting them here is not aggregation)."""
    if group_by == "status":
        found = {group["key"]: group for group in groups}
        empty = {"total": 0, "by_status": {s.value: 0 for s in Status}, "assessed": 0, "score": None}
        empty |= {"regressions": 0, "evidence_coverage": None, "stale": 0}
        return [
            found.get(status.value, empty | {"key": status.value, "source": None})
            | {"label": STATUS_LABELS[status]}
            for status in Status
        ]
    if group_by == "section":
        return sorted(groups, key=lambda group: (group["source"], int(group["key"])))
    for group in groups:
        if group["key"] is None:
            group["label"] = NO_CATEGORY_LABELS.get(group_by, "None")
    return sorted(groups, key=lambda group: (group["key"] is None, group["key"] or ""))


def claim_gaps(session: Session, params: PointInTimeParams) -> list[dict[str, Any]]:
    """Where the state claims (partial) implementation while the monitors find none or a regression."""
    point = point_of(params)
    claimed = status_at(Perspective.state.value, point)
    independent = status_at(Perspective.independent.value, point)
    rows = session.execute(
        select(
            Recommendation.code,
            Source.slug,
            Recommendation.section_number,
            latest_assessment(HistoryEntry.id, Perspective.state.value, point).label("claimed_id"),
            latest_assessment(HistoryEntry.id, Perspective.independent.value, point).label("independent_id"),
        )
        .join(Source, Source.id == Recommendation.source_id)
        .where(
            *recommendation_conditions(params, status_at(params.perspective, point), point),
            claimed.in_(CLAIMED),
            independent.in_(DISPUTED),
        )
        .order_by(*ORDER)
    ).all()
    entries = entries_by_id(session, [i for row in rows for i in (row.claimed_id, row.independent_id)])
    return [
        {
            "code": row.code,
            "source": row.slug,
            "section": row.section_number,
            "claimed": entries[row.claimed_id],
            "independent": entries[row.independent_id],
        }
        for row in rows
    ]


def entries_by_id(session: Session, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Assessment entries by id, with the summary from their payload."""
    wanted = sorted(set(ids))
    found: dict[int, dict[str, Any]] = {}
    for start in range(0, len(wanted), ID_CHUNK):
        for entry in session.execute(
            select(
                HistoryEntry.id,
                HistoryEntry.recommendation_id,
                HistoryEntry.seq,
                HistoryEntry.status,
                HistoryEntry.perspective,
                HistoryEntry.effective_on,
                HistoryEntry.recorded_at,
                HistoryEntry.payload,
            ).where(HistoryEntry.id.in_(wanted[start : start + ID_CHUNK]))
        ):
            found[entry.id] = entry_view(entry)
    return found


def entry_view(entry) -> dict[str, Any]:
    """An assessment entry as scorecards show it: no evidence ids, no recorder."""
    return {
        "id": entry.id,
        "seq": entry.seq,
        "status": entry.status,
        "perspective": entry.perspective,
        "effective_on": entry.effective_on,
        "recorded_at": entry.recorded_at,
        "summary": json.loads(entry.payload).get("summary"),
    }


def scorecard_changes(session: Session, params: ChangesParams) -> dict[str, Any]:
    """Recommendations whose status differs between `since` and `until`, with the entries in between."""
    before = status_at(params.perspective, PointInTime(params.since, params.known_at))
    after_point = PointInTime(params.until, params.known_at)
    after = status_at(params.perspective, after_point)
    rows = session.execute(
        select(
            Recommendation.id,
            Recommendation.code,
            Source.slug,
            Recommendation.section_number,
            before.label("before"),
            after.label("after"),
        )
        .join(Source, Source.id == Recommendation.source_id)
        .where(*recommendation_conditions(params, after, after_point), before != after)
        .order_by(*ORDER)
    ).all()
    entries = _entries_between(session, [row.id for row in rows], params)
    changes = [
        {
            "code": row.code,
            "source": row.slug,
            "section": row.section_number,
            "before": row.before,
            "after": row.after,
            "entries": entries.get(row.id, []),
        }
        for row in rows
    ]
    return {
        "since": params.since,
        "until": after_point.reference_date(),
        "known_at": params.known_at,
        "perspective": params.perspective,
        "total": len(changes),
        "changes": changes,
    }


def _entries_between(session: Session, ids: list[int], params: ChangesParams) -> dict[int, list[dict]]:
    result: dict[int, list[dict[str, Any]]] = {}
    conditions = [HistoryEntry.perspective == params.perspective, HistoryEntry.effective_on > params.since]
    if params.until is not None:
        conditions.append(HistoryEntry.effective_on <= params.until)
    if params.known_at is not None:
        conditions.append(HistoryEntry.recorded_at <= params.known_at)
    for start in range(0, len(ids), ID_CHUNK):
        for entry in session.execute(
            select(HistoryEntry)
            .where(HistoryEntry.recommendation_id.in_(ids[start : start + ID_CHUNK]), *conditions)
            .order_by(HistoryEntry.recommendation_id, HistoryEntry.effective_on, HistoryEntry.seq)
        ).scalars():
            result.setdefault(entry.recommendation_id, []).append(entry_view(entry))
    return result


def response_etag(
    session: Session, kind: str, params: BaseModel, *, include_restricted: bool, reference: date
) -> str:
    """A weak ETag for a scorecard or report: the parameters, the data state and who may see what."""
    document = {
        "kind": kind,
        "params": params.model_dump(mode="json"),
        "data": data_fingerprint(session),
        "restricted": include_restricted,
        "reference": reference.isoformat(),
        "version": OUTPUT_VERSION,
    }
    digest = hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()[:32]
    return f'W/"{digest}"'


def status_label(status: str | None) -> str:
    """A status as people read it, e.g. 'Partially implemented'."""
    return STATUS_LABELS.get(status or Status.not_assessed.value, str(status))
