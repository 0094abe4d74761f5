"""idempotency keys scoped per monitor, not per token

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Key records by monitor, so a rotated token keeps deduplicating the monitor's retries."""
    with op.batch_alter_table("idempotency_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("monitor_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE idempotency_records SET monitor_id = "
        "(SELECT monitor_id FROM api_tokens WHERE api_tokens.id = idempotency_records.token_id)"
    )
    # One monitor may have used one key with two tokens: keep the first response, as a replay would.
    op.execute(
        "DELETE FROM idempotency_records WHERE id NOT IN "
        "(SELECT min(id) FROM idempotency_records GROUP BY monitor_id, key)"
    )
    with op.batch_alter_table("idempotency_records", schema=None) as batch_op:
        batch_op.alter_column("monitor_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint("uq_idempotency_records_token_id_key", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_idempotency_records_monitor_id_key"), ["monitor_id", "key"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_idempotency_records_monitor_id_monitors"), "monitors", ["monitor_id"], ["id"]
        )


def downgrade() -> None:
    """Key records by token again (records of one key under two tokens cannot exist after the upgrade)."""
    with op.batch_alter_table("idempotency_records", schema=None) as batch_op:
        batch_op.drop_constraint("fk_idempotency_records_monitor_id_monitors", type_="foreignkey")
        batch_op.drop_constraint("uq_idempotency_records_monitor_id_key", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_idempotency_records_token_id_key"), ["token_id", "key"]
        )
        batch_op.drop_column("monitor_id")
