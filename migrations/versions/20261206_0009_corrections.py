"""corrections: a history entry may supersede an earlier assessment or evidence link

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.record_guard import refuse_to_drop_the_record

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite copies history_entries to add a constrained column, and its triggers go with the old table: made
# again here, with the new column among those a withdrawal must leave as they were (as in 0007).
KEPT_COLUMNS = (
    "id",
    "recommendation_id",
    "seq",
    "kind",
    "status",
    "perspective",
    "response",
    "effective_on",
    "recorded_at",
    "recorded_by",
    "prev_hash",
    "hash",
    "format",
    "commitment",
    "withdraws_entry_id",
    "supersedes_entry_id",
)
WITHDRAWAL_SHAPE = "NEW.payload = 'null' AND NEW.salt IS NULL AND OLD.payload <> 'null'"
WITHDRAWAL_RECORDED = "EXISTS (SELECT 1 FROM history_entries w WHERE w.withdraws_entry_id = OLD.id)"
PARTIAL_INDEXES = {
    "ix_history_entries_response_as_of": (
        ["recommendation_id", "effective_on", "seq", "response", "recorded_at"],
        "response IS NOT NULL",
    ),
}


def _sqlite_history_triggers(kept: Sequence[str]) -> list[str]:
    return [
        "DROP TRIGGER IF EXISTS history_entries_no_delete",
        "DROP TRIGGER IF EXISTS history_entries_withdrawal_only",
        "CREATE TRIGGER history_entries_no_delete BEFORE DELETE ON history_entries "
        "BEGIN SELECT RAISE(ABORT, 'history_entries is append-only: DELETE is not allowed'); END",
        "CREATE TRIGGER history_entries_withdrawal_only BEFORE UPDATE ON history_entries WHEN NOT ("
        + " AND ".join(f"NEW.{column} IS OLD.{column}" for column in kept)
        + f" AND {WITHDRAWAL_SHAPE} AND {WITHDRAWAL_RECORDED}) "
        "BEGIN SELECT RAISE(ABORT, 'history_entries is append-only: only a recorded withdrawal may erase an "
        "entry''s content'); END",
    ]


def _is_sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _partial_indexes(create: bool) -> None:
    # SQLite's copy of the table may not carry an index's WHERE: drop them first, make them again after.
    for name, (columns, where) in PARTIAL_INDEXES.items():
        if create:
            op.create_index(
                name,
                "history_entries",
                columns,
                sqlite_where=sa.text(where),
                postgresql_where=sa.text(where),
            )
        else:
            op.drop_index(name, table_name="history_entries")


def upgrade() -> None:
    """history_entries.supersedes_entry_id: set on correction entries only, unique."""
    _partial_indexes(create=False)
    with op.batch_alter_table("history_entries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "supersedes_entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
            )
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_history_entries_supersedes_entry_id_history_entries"),
            "history_entries",
            ["supersedes_entry_id"],
            ["id"],
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_history_entries_correction_names_its_entry"),
            "(kind = 'correction') = (supersedes_entry_id IS NOT NULL)",
        )
    _partial_indexes(create=True)
    op.create_index(
        "uq_history_entries_supersedes_entry_id",
        "history_entries",
        ["supersedes_entry_id"],
        unique=True,
        sqlite_where=sa.text("supersedes_entry_id IS NOT NULL"),
        postgresql_where=sa.text("supersedes_entry_id IS NOT NULL"),
    )
    if _is_sqlite():
        for statement in _sqlite_history_triggers(KEPT_COLUMNS):
            op.execute(statement)


def downgrade() -> None:
    """Drop the column (refused without a backup: which entries count would change)."""
    refuse_to_drop_the_record()
    op.drop_index("uq_history_entries_supersedes_entry_id", table_name="history_entries")
    _partial_indexes(create=False)
    with op.batch_alter_table("history_entries", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_history_entries_correction_names_its_entry"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_history_entries_supersedes_entry_id_history_entries"), type_="foreignkey"
        )
        batch_op.drop_column("supersedes_entry_id")
    _partial_indexes(create=True)
    if _is_sqlite():
        kept = tuple(column for column in KEPT_COLUMNS if column != "supersedes_entry_id")
        for statement in _sqlite_history_triggers(kept):
            op.execute(statement)
