"""feed horizon: each history entry records the PostgreSQL transaction that wrote it

The global feed and the log's sequencer follow (transaction_id, id) on PostgreSQL, up to the oldest
transaction still running, so writers need no global lock (docs/design.md, "The feed without a lock").
Existing entries keep 0: they come first, in id order, as they always were served.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 18:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Whatever an INSERT or COPY sends (an ORM default, a restored bundle's value from another cluster), the
# column gets this transaction's id: only this cluster's commit order may place an entry in the feed.
POSTGRES_TRIGGER = [
    """
CREATE FUNCTION rectrack_history_transaction_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.transaction_id := pg_current_xact_id()::text::bigint;
    RETURN NEW;
END;
$$""",
    """
CREATE TRIGGER history_entries_transaction_id
BEFORE INSERT ON history_entries
FOR EACH ROW EXECUTE FUNCTION rectrack_history_transaction_id()""",
]


def upgrade() -> None:
    """Add the column (0 for every existing entry: no rewrite), its index, and on PostgreSQL the trigger."""
    # Not in batch mode: SQLite adds a column with a constant default in place, keeping the table's triggers.
    op.add_column(
        "history_entries",
        sa.Column("transaction_id", sa.BigInteger(), server_default="0", nullable=False),
    )
    op.create_index("ix_history_entries_feed", "history_entries", ["transaction_id", "id"])
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES_TRIGGER:
            op.execute(statement)


def downgrade() -> None:
    """Drop the trigger, the index and the column."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER history_entries_transaction_id ON history_entries")
        op.execute("DROP FUNCTION rectrack_history_transaction_id()")
    op.drop_index("ix_history_entries_feed", table_name="history_entries")
    # Not in batch mode either (a copied table would lose its triggers); SQLite drops a column since 3.35.
    op.execute("ALTER TABLE history_entries DROP COLUMN transaction_id")
