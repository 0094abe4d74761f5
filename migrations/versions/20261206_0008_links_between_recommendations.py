"""links between recommendations of different sources; normalised terms of each text

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db  # noqa: F401  (UTCDateTime)
from migrations.record_guard import refuse_to_drop_the_record

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """recommendation_links, and recommendations.terms (filled by the app: `rectrack reindex`)."""
    op.create_table(
        "recommendation_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("other_id", sa.Integer(), nullable=False),
        sa.Column("strength", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("linked_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("linked_by", sa.Integer(), nullable=True),
        sa.Column("unlinked_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("unlinked_by", sa.Integer(), nullable=True),
        sa.Column("unlink_reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "strength IN ('same_measure', 'related')", name=op.f("ck_recommendation_links_strength")
        ),
        sa.CheckConstraint("recommendation_id < other_id", name=op.f("ck_recommendation_links_ordered_pair")),
        sa.ForeignKeyConstraint(
            ["linked_by"], ["monitors.id"], name=op.f("fk_recommendation_links_linked_by_monitors")
        ),
        sa.ForeignKeyConstraint(
            ["other_id"],
            ["recommendations.id"],
            name=op.f("fk_recommendation_links_other_id_recommendations"),
        ),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendations.id"],
            name=op.f("fk_recommendation_links_recommendation_id_recommendations"),
        ),
        sa.ForeignKeyConstraint(
            ["unlinked_by"], ["monitors.id"], name=op.f("fk_recommendation_links_unlinked_by_monitors")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommendation_links")),
    )
    op.create_index(
        op.f("ix_recommendation_links_recommendation_id"), "recommendation_links", ["recommendation_id"]
    )
    op.create_index(op.f("ix_recommendation_links_other_id"), "recommendation_links", ["other_id"])
    op.create_index(
        "uq_recommendation_links_active",
        "recommendation_links",
        ["recommendation_id", "other_id"],
        unique=True,
        sqlite_where=sa.text("unlinked_at IS NULL"),
        postgresql_where=sa.text("unlinked_at IS NULL"),
    )
    with op.batch_alter_table("recommendations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("terms", sa.Text(), nullable=True))


def downgrade() -> None:
    """Drop the links (refused without a backup: monitors' links are part of the record)."""
    refuse_to_drop_the_record()
    with op.batch_alter_table("recommendations", schema=None) as batch_op:
        batch_op.drop_column("terms")
    op.drop_index("uq_recommendation_links_active", table_name="recommendation_links")
    op.drop_index(op.f("ix_recommendation_links_other_id"), table_name="recommendation_links")
    op.drop_index(op.f("ix_recommendation_links_recommendation_id"), table_name="recommendation_links")
    op.drop_table("recommendation_links")
