"""link published on: each evidence link carries its item's publication date

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 09:00:00

Issue 16: evidence coverage as known at a past time joined `evidence` for `published_on` (0.44 s of a
1.07 s scorecard on PostgreSQL at 300,000 recommendations). An item's date never changes once created, so
each link copies it (`evidence_published_on`) and the coverage index holds it (and `relation`, for SQLite)
in place of `evidence_id`: the lookup is one index read of the links (docs/design.md, "Status periods").
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out rather than imported: a migration keeps meaning what it meant when it ran.
COVERAGE_LINKS = "relation IN ('progress', 'regression')"
INDEX = "ix_recommendation_evidence_coverage"
LEADING = ["recommendation_id", "visibility", "linked_at", "unlinked_at"]
# One set-based statement on both databases (UPDATE ... FROM: SQLite 3.33+), a hash join on PostgreSQL.
BACKFILL = (
    "UPDATE recommendation_evidence SET evidence_published_on = evidence.published_on FROM evidence "
    "WHERE evidence.id = recommendation_evidence.evidence_id AND evidence.published_on IS NOT NULL"
)


def _coverage_index(*last: str) -> None:
    op.create_index(
        INDEX,
        "recommendation_evidence",
        [*LEADING, *last],
        sqlite_where=sa.text(COVERAGE_LINKS),
        postgresql_where=sa.text(COVERAGE_LINKS),
    )


def upgrade() -> None:
    """Add the column, fill it from the items, and make the coverage index carry it."""
    with op.batch_alter_table("recommendation_evidence", schema=None) as batch_op:
        batch_op.add_column(sa.Column("evidence_published_on", sa.Date(), nullable=True))
    op.execute(BACKFILL)
    op.drop_index(INDEX, table_name="recommendation_evidence")
    # `relation` last: SQLite 3.40 reads a partial index as covering only when it holds the WHERE's column.
    _coverage_index("evidence_published_on", "relation")


def downgrade() -> None:
    """The index of 0016 again, then drop the column: the items keep their dates."""
    op.drop_index(INDEX, table_name="recommendation_evidence")
    with op.batch_alter_table("recommendation_evidence", schema=None) as batch_op:
        batch_op.drop_column("evidence_published_on")
    _coverage_index("evidence_id")
