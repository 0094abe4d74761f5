"""web sessions: the cookie key leaves the database, a per-monitor session epoch ends every session at once

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db  # noqa: F401  (UTCDateTime)

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Drop the stored cookie secret (read access to the database was enough to sign in as anyone)."""
    # Every browser is signed out once: cookies signed with the old secret no longer verify.
    op.drop_table("web_secrets")
    with op.batch_alter_table("monitors", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_epoch", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    """Bring back an empty secrets table (a new secret is not generated: set RECTRACK_SECRET_KEY)."""
    with op.batch_alter_table("monitors", schema=None) as batch_op:
        batch_op.drop_column("session_epoch")
    op.create_table(
        "web_secrets",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=128), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_web_secrets")),
    )
