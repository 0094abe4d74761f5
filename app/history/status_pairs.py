"""Status pairs: the independent and the state status side by side over effective dates, as known now.

docs/design.md, "Status pairs". An as-of scorecard needs both perspectives' statuses per recommendation (the
status and the claim gap); looking each up in `status_periods` costs two seeks per recommendation. A pair row
says: from `from_on` until `until_on` (exclusive; NULL: still), the recommendation's independent status was
`independent_status` (its period starting on `independent_on`, from entry `independent_entry_id`) and its
state status `state_status` (likewise); either is NULL where that perspective had none yet. One seek then
gives both. Only what is known now: a scorecard known at a past time joins the periods.

The pairs are derived from the current status periods alone, so the entries' triggers recompute a
recommendation's pairs after its periods change (migration 0018), `fill` does the same for many at once, and
`from_periods` computes them in Python for `verify`.
"""

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import BindParameter, Connection, bindparam, text

# The perspectives paired, in column order; an as-of scorecard from another one joins its periods.
PAIRED = ("independent", "state")
COLUMNS = (
    "recommendation_id",
    "from_on",
    "until_on",
    "independent_status",
    "independent_on",
    "independent_entry_id",
    "state_status",
    "state_on",
    "state_entry_id",
)
_PAIRED_SQL = "('independent', 'state')"
_NOW = "superseded_at IS NULL"
# The period of a perspective holding at the pair's start: at most one, as the current periods partition
# each perspective's dates (an empty period, ending where it starts, never holds).
_HOLDING = (
    "LEFT JOIN status_periods {alias} ON {alias}.recommendation_id = s.recommendation_id "
    "AND {alias}.perspective = '{perspective}' AND {alias}.superseded_at IS NULL "
    "AND {alias}.from_on <= s.from_on AND ({alias}.until_on IS NULL OR {alias}.until_on > s.from_on)"
)


def insert_statement(chains: str) -> str:
    """The INSERT of every pair of the recommendations whose periods `b` satisfy `chains` (SQL)."""
    return (
        f"INSERT INTO status_pairs ({', '.join(COLUMNS)}) "
        "SELECT s.recommendation_id, s.from_on, (SELECT min(n.from_on) FROM status_periods n "
        f"WHERE n.recommendation_id = s.recommendation_id AND n.perspective IN {_PAIRED_SQL} AND n.{_NOW} "
        "AND n.from_on > s.from_on), "
        "i.status, i.from_on, i.entry_id, t.status, t.from_on, t.entry_id "
        "FROM (SELECT DISTINCT b.recommendation_id, b.from_on FROM status_periods b "
        f"WHERE {chains} AND b.perspective IN {_PAIRED_SQL} AND b.{_NOW}) s "
        + _HOLDING.format(alias="i", perspective="independent")
        + " "
        + _HOLDING.format(alias="t", perspective="state")
    )


# Whether a new entry may change the pairs: a correction, or an assessment from a paired perspective.
CHANGES_PAIRS = f"(NEW.supersedes_entry_id IS NOT NULL OR NEW.perspective IN {_PAIRED_SQL})"
# The triggers' statements, after the periods' own: the new entry's recommendation's pairs, recomputed.
# Migration 0018 installs them as they are here: changing them needs a migration that installs them again.
TRIGGER_STATEMENTS = [
    f"DELETE FROM status_pairs WHERE recommendation_id = NEW.recommendation_id AND {CHANGES_PAIRS}",
    insert_statement(f"b.recommendation_id = NEW.recommendation_id AND {CHANGES_PAIRS}"),
]


def fill(connection: Connection, recommendation_ids: Sequence[int] | None = None) -> None:
    """Replace the pairs of every recommendation, or of these, with those their current periods give."""
    if recommendation_ids is None:
        connection.execute(text("DELETE FROM status_pairs"))
        connection.execute(text(insert_statement("1 = 1")))
        return
    ids: BindParameter[list[int]] = bindparam("ids", expanding=True)
    values = {"ids": list(recommendation_ids)}
    delete = text("DELETE FROM status_pairs WHERE recommendation_id IN :ids")
    connection.execute(delete.bindparams(ids), values)
    connection.execute(text(insert_statement("b.recommendation_id IN :ids")).bindparams(ids), values)


def from_periods(recommendation_id: int, periods: Iterable[Sequence[Any]]) -> list[tuple[Any, ...]]:
    """The pair rows (in `COLUMNS` order) one recommendation's period rows (periods.COLUMNS order) give."""
    now = [row for row in periods if row[8] is None and row[1] in PAIRED]
    starts = sorted({row[4] for row in now})
    pairs = []
    for index, start in enumerate(starts):
        until = starts[index + 1] if index + 1 < len(starts) else None
        pair: list[Any] = [recommendation_id, start, until]
        for perspective in PAIRED:
            holding = next(
                (
                    row
                    for row in now
                    if row[1] == perspective and row[4] <= start and (row[6] is None or row[6] > start)
                ),
                None,
            )
            pair += [holding[2], holding[4], holding[3]] if holding is not None else [None, None, None]
        pairs.append(tuple(pair))
    return pairs
