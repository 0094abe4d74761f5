"""coverage since: the date from which each recommendation's active progress links cover it, by visibility

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 19:00:00

Issue 16: evidence coverage as of a past date (as known now) read from the recommendation's row. Per
visibility the earliest `published_on` among the active progress and regression links, NULL when one of
them has no date (it covers at any date) or there is none; backfilled in one set-based UPDATE, then kept by
every write that links, unlinks or corrects a link (docs/design.md, "Maintained state").
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out rather than imported: a migration keeps meaning what it meant when it ran.
COLUMNS = {"public": "coverage_public_since", "restricted": "coverage_restricted_since"}


def _since(visibility: str) -> str:
    # Per recommendation the earliest date when every link has one; NULL when any has none (min() alone
    # would skip it). One grouped pass over the links, joined back by UPDATE ... FROM (both databases).
    return (
        f"UPDATE recommendations SET {COLUMNS[visibility]} = since.since FROM ("
        "SELECT re.recommendation_id, "
        "CASE WHEN count(*) = count(e.published_on) THEN min(e.published_on) END AS since "
        "FROM recommendation_evidence re JOIN evidence e ON e.id = re.evidence_id "
        "WHERE re.unlinked_at IS NULL AND re.relation IN ('progress', 'regression') "
        f"AND re.visibility = '{visibility}' GROUP BY re.recommendation_id) AS since "
        "WHERE since.recommendation_id = recommendations.id"
    )


def upgrade() -> None:
    """Add the columns, then fill them from one grouped pass over the active links per visibility."""
    with op.batch_alter_table("recommendations", schema=None) as batch_op:
        for name in COLUMNS.values():
            batch_op.add_column(sa.Column(name, sa.Date(), nullable=True))
    for visibility in COLUMNS:
        op.execute(_since(visibility))


def downgrade() -> None:
    """Drop them: they are derived from the links, which stay."""
    with op.batch_alter_table("recommendations", schema=None) as batch_op:
        for name in reversed(COLUMNS.values()):
            batch_op.drop_column(name)
