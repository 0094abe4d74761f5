"""as of lookup: partial covering indexes per gap perspective, and settled past scorecards kept

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 18:00:00

Issue 16: the as-of scorecard reads each gap perspective's entries through an index of their own, newest
first per recommendation; scorecards as known at a settled past time are kept in `past_scorecards`.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db  # noqa: F401  (UTCDateTime)

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out rather than imported: a migration keeps meaning what it meant when it ran.
PERSPECTIVES = ("independent", "state")
CONTENT_CHANGES = "kind IN ('withdrawal', 'text_changed')"


def upgrade() -> None:
    """Create the indexes (built from the existing entries) and the table."""
    for perspective in PERSPECTIVES:
        op.create_index(
            f"ix_history_entries_as_of_{perspective}",
            "history_entries",
            ["recommendation_id", "effective_on", "seq", "status", "recorded_at"],
            sqlite_where=sa.text(f"perspective = '{perspective}'"),
            postgresql_where=sa.text(f"perspective = '{perspective}'"),
        )
    op.create_index(
        "ix_history_entries_content_changes",
        "history_entries",
        ["id"],
        sqlite_where=sa.text(CONTENT_CHANGES),
        postgresql_where=sa.text(CONTENT_CHANGES),
    )
    op.create_table(
        "past_scorecards",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_past_scorecards")),
    )


def downgrade() -> None:
    """Drop them: the kept scorecards are recomputed on demand."""
    op.drop_table("past_scorecards")
    op.drop_index("ix_history_entries_content_changes", table_name="history_entries")
    for perspective in PERSPECTIVES:
        op.drop_index(f"ix_history_entries_as_of_{perspective}", table_name="history_entries")
