"""each link to evidence has its own visibility

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 11:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """A restricted request for a public item used to publish the link and its note: links now carry it."""
    with op.batch_alter_table("recommendation_evidence", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("visibility", sa.String(length=16), server_default="public", nullable=False)
        )
        batch_op.create_check_constraint(
            op.f("ck_recommendation_evidence_visibility"), "visibility IN ('public', 'restricted')"
        )
    op.execute(
        "UPDATE recommendation_evidence SET visibility = "
        "(SELECT visibility FROM evidence WHERE evidence.id = recommendation_evidence.evidence_id)"
    )


def downgrade() -> None:
    """Drop the links' own visibility (links then show as their items do, as before)."""
    with op.batch_alter_table("recommendation_evidence", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_recommendation_evidence_visibility"), type_="check")
        batch_op.drop_column("visibility")
