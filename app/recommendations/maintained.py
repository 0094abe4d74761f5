"""The maintained columns a write changes, as values for its claim (docs/design.md, "Maintained state").

Each is set by the same conditional UPDATE that claims the version, so no statement is added to a write and
the columns change in the transaction that appends the entry they follow from.
"""

from typing import Any

from app.models import Recommendation
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
COVERAGE_RELATIONS = (Relation.progress.value, Relation.regression.value)


def with_gap_class(target: WriteTarget, changes: dict[str, Any]) -> dict[str, Any]:
    """The changes plus the claim-gap class of the statuses they leave, when they change a status."""
    if "status" not in changes and "claimed_status" not in changes:
        return changes
    gap = claim_gap_class(
        changes.get("claimed_status", target.claimed_status), changes.get("status", target.status)
    )
    return changes | {"claim_gap_class": gap.value if gap is not None else None}


def coverage_changes(*links: tuple[str, str, int]) -> dict[str, Any]:
    """The coverage counts after links (relation, visibility, +1 made or -1 ended), as relative updates."""
    steps: dict[str, int] = {}
    for relation, visibility, step in links:
        if relation in COVERAGE_RELATIONS:
            column = COVERAGE_COLUMNS[visibility]
            steps[column] = steps.get(column, 0) + step
    table = Recommendation.__table__
    return {column: table.c[column] + step for column, step in steps.items() if step}
