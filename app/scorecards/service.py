"""Scorecards computed in SQL from the history: status as of a date and recording time, grouped, scored."""

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from app.history.supersession import any_corrections, not_superseded
from app.i18n.translation import N_
from app.lru import LRUCache
from app.models import HistoryEntry, Recommendation, Source
from app.recommendations.service import ORDER, after_position, decode_cursor, encode_cursor
from app.scorecards import past
from app.scorecards.aggregation import counts, empty_commitments, empty_gap_classes, per_recommendation
from app.scorecards.commitments import any_commitment_links, first_commitment_gaps
from app.scorecards.conditions import recommendation_conditions, status_at
from app.scorecards.current import current_counts
from app.scorecards.entries import ID_CHUNK, entry_view
from app.scorecards.gaps import first_gaps
from app.scorecards.keys import document_key, response_document
from app.scorecards.lookups import aggregate_lookups_for
from app.scorecards.params import ChangesParams, ScorecardParams
from app.scorecards.point import PointInTime, point_of
from app.vocabulary import RESPONSE_LABELS, STATUS_LABELS, Response, Status

# Per app (app.state.scorecards, app.state.claim_gaps): a scorecard body is up to a few hundred KB.
SCORECARD_ENTRIES = 32
CLAIM_GAP_ENTRIES = 64

__all__ = ["PointInTime", "compute_scorecard", "cached_scorecard", "point_of", "scorecard_changes"]

WEIGHTS: dict[Status, float] = {
    Status.implemented: 1.0,
    Status.partially_implemented: 0.5,
    Status.not_implemented: 0.0,
    Status.regressed: 0.0,
}
# By value, for `aggregate`, which runs once per group (a thousand and more): an enum's .value is a call.
_WEIGHTS_BY_VALUE = {status.value: weight for status, weight in WEIGHTS.items()}
_NOT_ASSESSED, _REGRESSED = Status.not_assessed.value, Status.regressed.value
# Served in English in every scorecard's JSON; pages and documents translate the texts where they show them.
FORMULA: dict[str, Any] = {
    "name": N_("Implementation index"),
    "source": N_("UPR Info's implementation index"),
    "weights": {status.value: weight for status, weight in WEIGHTS.items()},
    "excluded": [Status.not_assessed.value],
    "rules": [
        N_("score = mean weight over assessed recommendations; null when none is assessed"),
        N_("not_assessed is left out of the score and reported as coverage (assessed / total)"),
        N_("regressed weighs 0 and is counted as a regression"),
        N_(
            "a recommendation's status is its latest assessment from the perspective with effective_on <= "
            "as_of and recorded_at <= known_at, by effective_on then recording order"
        ),
        N_("evidence_coverage = share of recommendations with a progress or regression evidence link"),
        N_(
            "groups by theme, addressee, SDG target or recommending state overlap; totals count each "
            "recommendation once"
        ),
        N_(
            "a recommendation's response is the latest one recorded with effective_on <= as_of and "
            "recorded_at <= known_at"
        ),
        N_(
            "a recommendation of a source other than a UPR review is committed when a same_measure link, "
            "active at known_at, joins it to a UPR recommendation whose response is supported or "
            "partially_supported; partially counts those committed through partially_supported ones only"
        ),
        N_(
            "a committed recommendation whose status is not_implemented or regressed is a broken commitment "
            "(commitment_gaps); one not_assessed is reported apart"
        ),
        N_(
            "noted counts recommendations linked same_measure to UPR recommendations the state noted and "
            "to none it supported: a refusal, not a commitment"
        ),
    ],
}


def compute_scorecard(
    session: Session, params: ScorecardParams, *, include_restricted: bool = False
) -> dict[str, Any]:
    """The scorecard for the parameters: totals, groups, the claim-gap count and first page, in SQL."""
    point = point_of(params, session)
    totals, groups = counted(session, params, point, include_restricted=include_restricted)
    gaps, gaps_next = first_gaps(session, params, limit=params.gaps_limit, total=totals["gaps"])
    broken_total = totals["commitments"]["not_implemented_or_regressed"]
    broken, broken_next = first_commitment_gaps(session, params, limit=params.gaps_limit, total=broken_total)
    return {
        "as_of": point.reference_date(),
        "known_at": point.known_at,
        "perspective": params.perspective,
        "group_by": params.group_by,
        "stale_after_days": params.stale_after_days,
        "formula": FORMULA,
        "totals": aggregate(totals),
        "groups": ordered_groups(groups, params.group_by),
        "claim_gaps": gaps,
        "claim_gaps_total": totals["gaps"],
        "claim_gaps_next": gaps_next,
        "commitment_gaps": broken,
        "commitment_gaps_total": broken_total,
        "commitment_gaps_next": broken_next,
    }


def counted(
    session: Session, params: ScorecardParams, point: PointInTime, *, include_restricted: bool
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The totals' and each group's counts at the point, from the one aggregate statement."""
    if point.current:
        found = current_counts(session, params, point, include_restricted=include_restricted)
        if found is not None:
            return found
    lookups = aggregate_lookups_for(session, point)
    rows = per_recommendation(
        lookups,
        params,
        point,
        include_restricted=include_restricted,
        commitments=any_commitment_links(session),
    )
    cutoff = point.reference_date() - timedelta(days=params.stale_after_days)
    return counts(session.connection(), rows, cutoff, params.group_by)


def cached_scorecard(
    session: Session,
    cache: LRUCache,
    params: ScorecardParams,
    *,
    include_restricted: bool,
    document: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The scorecard from the app's cache, computed on a miss; `document` when the caller has read it."""
    if document is None:
        reference = point_of(params).reference_date()
        document = response_document(
            session, params, include_restricted=include_restricted, reference=reference
        )
    return cache.get_or_compute(
        document_key("scorecard", document),
        lambda: _kept_or_computed(session, params, include_restricted=include_restricted, document=document),
    )


def _kept_or_computed(
    session: Session, params: ScorecardParams, *, include_restricted: bool, document: dict[str, Any]
) -> dict[str, Any]:
    """Computed, unless known at a settled past time: then kept once computed, and read back ever after."""
    if not past.is_settled(params.known_at):
        return compute_scorecard(session, params, include_restricted=include_restricted)
    key = document_key("scorecard", past.past_document(session, document))
    found = past.kept(session, key)
    if found is not None:
        return found
    scorecard = compute_scorecard(session, params, include_restricted=include_restricted)
    past.keep(session, key, scorecard)
    return scorecard


def aggregate(counted: dict[str, Any]) -> dict[str, Any]:
    """Counts, score and shares of the totals or a group, from its folded counts."""
    counts = dict(counted["by_status"])
    total = counted["total"]
    assessed = total - counts[_NOT_ASSESSED]
    weighted = sum(counts[status] * weight for status, weight in _WEIGHTS_BY_VALUE.items())
    return {
        "total": total,
        "by_status": counts,
        "assessed": assessed,
        "score": round(weighted / assessed, 4) if assessed else None,
        "regressions": counts[_REGRESSED],
        "evidence_coverage": round(counted["covered"] / total, 4) if total else None,
        "stale": counted["stale"],
        "commitments": dict(counted["commitments"]),
        "claim_gap_counts": dict(counted["gap_classes"]),
    }


def _group(counted: dict[str, Any]) -> dict[str, Any]:
    return {
        "key": counted["key"],
        "label": counted["label"],
        "source": counted["source"],
        **aggregate(counted),
    }


# English in JSON, like the labels from the database; documents translate them (scorecards/export.py).
NO_CATEGORY_LABELS = {
    "theme": N_("No theme"),
    "addressee": N_("No addressee"),
    "sdg": N_("No SDG target"),
    "recommending_state": N_("No recommending state"),
    "response": N_("No response"),
}
NO_GROUP_LABEL = N_("None")
RESPONSE_ORDER = {response.value: index for index, response in enumerate(Response)}


def ordered_groups(folded: list[dict[str, Any]], group_by: str) -> list[dict[str, Any]]:
    """Groups with their figures in a stable, readable order (there are few: sorting is not aggregation)."""
    groups = [_group(group) for group in folded]
    if group_by == "status":
        found = {group["key"]: group for group in groups}
        empty = {"total": 0, "by_status": {s.value: 0 for s in Status}, "assessed": 0, "score": None}
        empty |= {"regressions": 0, "evidence_coverage": None, "stale": 0, "commitments": empty_commitments()}
        empty |= {"claim_gap_counts": empty_gap_classes()}
        return [
            found.get(status.value, empty | {"key": status.value, "source": None})
            | {"label": STATUS_LABELS[status]}
            for status in Status
        ]
    if group_by == "section":
        return sorted(groups, key=lambda group: (group["source"], int(group["key"])))
    if group_by == "response":
        for group in groups:
            group["label"] = RESPONSE_LABELS.get(group["key"], NO_CATEGORY_LABELS["response"])
        return sorted(groups, key=lambda group: RESPONSE_ORDER.get(group["key"], len(RESPONSE_ORDER)))
    for group in groups:
        if group["key"] is None:
            group["label"] = NO_CATEGORY_LABELS.get(group_by, NO_GROUP_LABEL)
    return sorted(groups, key=lambda group: (group["key"] is None, group["key"] or ""))


def scorecard_changes(session: Session, params: ChangesParams) -> dict[str, Any]:
    """Recommendations whose status differs between `since` and `until`, with the entries in between."""
    corrections = any_corrections(session)
    before = status_at(params.perspective, PointInTime(params.since, params.known_at, corrections))
    after_point = PointInTime(params.until, params.known_at, corrections)
    after = status_at(params.perspective, after_point)
    changed = [*recommendation_conditions(params, after, after_point), before != after]
    # A page at a time in natural order: one request can no longer ask for every change since 1945.
    position = decode_cursor(params.cursor) if params.cursor else None
    rows = session.execute(
        select(
            col(Recommendation.id),
            col(Recommendation.code),
            col(Recommendation.source_id),
            col(Recommendation.number),
            col(Source.slug),
            col(Recommendation.section_number),
            before.label("before"),
            after.label("after"),
        )
        .join(Source, col(Source.id) == col(Recommendation.source_id))
        .where(*changed, *([after_position(position)] if position else []))
        .order_by(*ORDER)
        .limit(params.limit + 1)
    ).all()
    more, rows = len(rows) > params.limit, rows[: params.limit]
    total = None
    if position is None:
        total = (
            len(rows)
            if not more
            else session.scalar(select(func.count()).select_from(Recommendation).where(*changed))
        )
    entries = _entries_between(session, [row.id for row in rows], params, corrections=corrections)
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
        "total": total,
        "changes": changes,
        "next_cursor": encode_cursor(rows[-1]) if more else None,
    }


def _entries_between(
    session: Session, ids: list[int], params: ChangesParams, *, corrections: bool
) -> dict[int, list[dict]]:
    result: dict[int, list[dict[str, Any]]] = {}
    conditions = [
        col(HistoryEntry.perspective) == params.perspective,
        col(HistoryEntry.effective_on) > params.since,
    ]
    if params.until is not None:
        conditions.append(col(HistoryEntry.effective_on) <= params.until)
    if params.known_at is not None:
        conditions.append(col(HistoryEntry.recorded_at) <= params.known_at)
    if corrections:
        conditions.append(not_superseded(params.known_at))
    for start in range(0, len(ids), ID_CHUNK):
        for entry in session.execute(
            select(HistoryEntry)
            .where(col(HistoryEntry.recommendation_id).in_(ids[start : start + ID_CHUNK]), *conditions)
            .order_by(
                col(HistoryEntry.recommendation_id), col(HistoryEntry.effective_on), col(HistoryEntry.seq)
            )
        ).scalars():
            result.setdefault(entry.recommendation_id, []).append(entry_view(entry))
    return result
