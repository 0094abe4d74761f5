"""list seek: the recommendation's natural-order position on each category link, indexed per category

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 19:00:00

Issue 16: a list filtered by a category (theme, addressee, SDG target, recommending state) seeks that
category's links in natural order from the cursor, so a deep page costs what the first does. The position
(source, section number, number) never changes once a recommendation exists; it is copied from
`recommendations` here. The new index leads with the category, so the old one on the category alone goes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POSITION = ("source_id", "section_number", "number")


def upgrade() -> None:
    """Add the position, fill it from each link's recommendation, and index it per category."""
    with op.batch_alter_table("recommendation_categories") as batch_op:
        for name in POSITION:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=True))
    # Correlated subqueries: the same statement on SQLite and PostgreSQL.
    op.execute(
        "UPDATE recommendation_categories SET "
        + ", ".join(
            f"{name} = (SELECT r.{name} FROM recommendations r "
            "WHERE r.id = recommendation_categories.recommendation_id)"
            for name in POSITION
        )
    )
    with op.batch_alter_table("recommendation_categories") as batch_op:
        for name in POSITION:
            batch_op.alter_column(name, existing_type=sa.Integer(), nullable=False)
        batch_op.drop_index("ix_recommendation_categories_category_id")
        batch_op.create_index(
            "ix_recommendation_categories_seek",
            ["category_id", *POSITION, "recommendation_id"],
            unique=False,
        )


def downgrade() -> None:
    """Back to the index on the category alone, without the copied position."""
    with op.batch_alter_table("recommendation_categories") as batch_op:
        batch_op.drop_index("ix_recommendation_categories_seek")
        batch_op.create_index("ix_recommendation_categories_category_id", ["category_id"], unique=False)
        for name in reversed(POSITION):
            batch_op.drop_column(name)
