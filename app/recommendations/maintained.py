"""The maintained columns a write changes, as values for its claim (docs/design.md, "Maintained state").

Each is set by the same conditional UPDATE that claims the version, so no statement is added to a write and
the columns change in the transaction that appends the entry they follow from.
"""

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Date, case, func, literal, null, select

from app.models import Recommendation, RecommendationEvidence
from app.recommendations.write_protocol import WriteTarget
from app.vocabulary import Perspective, Relation, Visibility, claim_gap_class

# The date of the entry each denormalised status comes from: staleness is measured from it.
EFFECTIVE_ON_COLUMNS = {
    Perspective.independent: "status_effective_on",
    Perspective.state: "claimed_effective_on",
}
# Active progress and regression links by visibility: what evidence coverage counts.
COVERAGE_COLUMNS = {
    Visibility.public.value: "coverage_links_public",
    Visibility.restricted.value: "coverage_links_restricted",
}
# The earliest published_on among them, NULL when one has none or there are none (migration 0015).
COVERAGE_SINCE_COLUMNS = {
    Visibility.public.value: "coverage_public_since",
    Visibility.restricted.value: "coverage_restricted_since",
}
COVERAGE_RELATIONS = (Relation.progress.value, Relation.regression.value)
# A link a write makes (relation, visibility, its item's published_on), or ends (id, relation, visibility).
Made = tuple[str, str, date | None]
Ended = tuple[int, str, str]

_rec = Recommendation.__table__.c
_link = RecommendationEvidence.__table__.c


def with_gap_class(target: WriteTarget, changes: dict[str, Any]) -> dict[str, Any]:
    """The changes plus the claim-gap class of the statuses they leave, when they change a status."""
    if "status" not in changes and "claimed_status" not in changes:
        return changes
    gap = claim_gap_class(
        changes.get("claimed_status", target.claimed_status), changes.get("status", target.status)
    )
    return changes | {"claim_gap_class": gap.value if gap is not None else None}


def coverage_changes(*, made: Sequence[Made] = (), ended: Sequence[Ended] = ()) -> dict[str, Any]:
    """The coverage counts and dates after the links a write makes and ends, as values for its claim.

    A made link folds its date into the row's; an ended one has the date recomputed from the links that stay
    active (a subquery of the claim's UPDATE, which reads the row as it was before it)."""
    changes: dict[str, Any] = {}
    for visibility, column in COVERAGE_COLUMNS.items():
        dates = [on for relation, seen, on in made if relation in COVERAGE_RELATIONS and seen == visibility]
        ending = [
            id_ for id_, relation, seen in ended if relation in COVERAGE_RELATIONS and seen == visibility
        ]
        if not dates and not ending:
            continue
        since_column = COVERAGE_SINCE_COLUMNS[visibility]
        count: ColumnElement[Any] = _rec[column]
        since: ColumnElement[Any] = _rec[since_column]
        if ending:
            count, since = count - len(ending), _since_without(visibility, ending)
        if len(dates) != len(ending):
            changes[column] = _rec[column] + (len(dates) - len(ending))
        changes[since_column] = _with_dates(count, since, dates)
    return changes


def _with_dates(count: ColumnElement[Any], since: ColumnElement[Any], dates: list[date | None]) -> Any:
    """The coverage date once links with these dates join `count` links covering since `since`."""
    if not dates:
        return since
    if None in dates:
        return null()
    earliest = literal(min(on for on in dates if on is not None), Date)
    return case((count == 0, earliest), (since.is_(None), null()), (since < earliest, since), else_=earliest)


def _since_without(visibility: str, ending: list[int]) -> ColumnElement[Any]:
    """The coverage date from the recommendation's active links of a visibility but the ones ending."""
    published_on = _link.evidence_published_on  # the item's date, copied onto the link (migration 0019)
    return (
        select(case((func.count() == func.count(published_on), func.min(published_on))))
        .select_from(RecommendationEvidence.__table__)
        .where(
            _link.recommendation_id == _rec.id,
            _link.unlinked_at.is_(None),
            _link.relation.in_(COVERAGE_RELATIONS),
            _link.visibility == visibility,
            _link.id.not_in(ending),
        )
        .scalar_subquery()
    )
