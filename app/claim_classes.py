"""The one claim-gap definition (`app.vocabulary.claim_gap_class`) as SQL, for counts, pages and filters.

A top-level module: the list's filters (app.recommendations) and the scorecards both use it.
"""

from typing import Any

from sqlalchemy import ColumnElement, case, literal, or_

from app.vocabulary import STATUS_RANK, ClaimGapClass, Status

# The `claim_gap` filter's values: a class, or any of them.
ANY = "any"


def _rank(status: ColumnElement[Any]) -> ColumnElement[int]:
    return case(*((status == value, rank) for value, rank in STATUS_RANK.items()), else_=literal(-1))


def _unclaimed(status: ColumnElement[Any]) -> ColumnElement[bool]:
    return or_(status.is_(None), status == Status.not_assessed.value)


def claim_class_sql(claimed: ColumnElement[Any], independent: ColumnElement[Any]) -> ColumnElement[Any]:
    """The claim-gap class of a claimed and an independent status (NULL for not assessed); NULL for none."""
    return case(
        (_unclaimed(claimed), None),
        (_unclaimed(independent), ClaimGapClass.unassessed.value),
        (_rank(claimed) > _rank(independent), ClaimGapClass.overclaim.value),
        (_rank(claimed) < _rank(independent), ClaimGapClass.underclaim.value),
        else_=None,
    )


def claim_class_condition(
    wanted: str, claimed: ColumnElement[Any], independent: ColumnElement[Any]
) -> ColumnElement[bool]:
    """Rows whose claim gap is of the wanted class, or of any class for `any`."""
    found = claim_class_sql(claimed, independent)
    return found.is_not(None) if wanted == ANY else found == wanted
