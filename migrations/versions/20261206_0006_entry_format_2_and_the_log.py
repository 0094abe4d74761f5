"""entry format 2 (salted commitments, withdrawal) and the log (leaves, signed checkpoints)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 09:24:33.344337
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db  # noqa: F401  (UTCDateTime)
from migrations.record_guard import refuse_to_drop_the_record

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KINDS = "'genesis', 'assessment', 'evidence_linked', 'evidence_unlinked', 'correction'"
# DESIGN.md's one list of history entry kinds, frozen here as of this revision.
KINDS = (
    "'genesis', 'assessment', 'evidence_linked', 'evidence_unlinked', 'recommendation_linked', "
    "'recommendation_unlinked', 'response_recorded', 'text_changed', 'translation_recorded', 'correction', "
    "'withdrawal'"
)
APPEND_ONLY_TABLES = ("log_leaves", "checkpoints")

# Columns a withdrawal must leave as they were (everything but payload and salt), for SQLite's trigger.
KEPT_COLUMNS = (
    "id",
    "recommendation_id",
    "seq",
    "kind",
    "status",
    "perspective",
    "effective_on",
    "recorded_at",
    "recorded_by",
    "prev_hash",
    "hash",
    "format",
    "commitment",
    "withdraws_entry_id",
)
WITHDRAWAL_SHAPE = "NEW.payload = 'null' AND NEW.salt IS NULL AND OLD.payload <> 'null'"
WITHDRAWAL_RECORDED = "EXISTS (SELECT 1 FROM history_entries w WHERE w.withdraws_entry_id = OLD.id)"

POSTGRES_UP = [
    # Only a recorded withdrawal may change a row, and only its payload and salt; nothing may delete one.
    """
CREATE FUNCTION rectrack_history_withdrawal_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (to_jsonb(NEW) - 'payload' - 'salt') = (to_jsonb(OLD) - 'payload' - 'salt')
       AND """
    + WITHDRAWAL_SHAPE
    + " AND "
    + WITHDRAWAL_RECORDED
    + """ THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'history_entries is append-only: only a recorded withdrawal may erase an entry''s content'
        USING ERRCODE = 'insufficient_privilege';
END;
$$""",
    "DROP TRIGGER history_entries_append_only ON history_entries",
    """
CREATE TRIGGER history_entries_append_only
BEFORE DELETE OR TRUNCATE ON history_entries
FOR EACH STATEMENT EXECUTE FUNCTION rectrack_history_append_only()""",
    """
CREATE TRIGGER history_entries_withdrawal_only
BEFORE UPDATE ON history_entries
FOR EACH ROW EXECUTE FUNCTION rectrack_history_withdrawal_only()""",
    # The runtime role has no UPDATE on history: it erases a withdrawn entry's content through this alone.
    """
CREATE FUNCTION rectrack_withdraw(entry_id bigint) RETURNS void LANGUAGE sql SECURITY DEFINER
SET search_path = public AS $$
    UPDATE history_entries SET payload = 'null', salt = NULL WHERE id = entry_id
$$""",
    "REVOKE ALL ON FUNCTION rectrack_withdraw(bigint) FROM PUBLIC",
    """
CREATE FUNCTION rectrack_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$""",
    *(
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION rectrack_append_only()"
        for table in APPEND_ONLY_TABLES
    ),
]
POSTGRES_DOWN = [
    *(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}" for table in APPEND_ONLY_TABLES),
    "DROP FUNCTION IF EXISTS rectrack_append_only()",
    "DROP FUNCTION IF EXISTS rectrack_withdraw(bigint)",
    "DROP TRIGGER IF EXISTS history_entries_withdrawal_only ON history_entries",
    "DROP TRIGGER IF EXISTS history_entries_append_only ON history_entries",
    "DROP FUNCTION IF EXISTS rectrack_history_withdrawal_only()",
    """
CREATE TRIGGER history_entries_append_only
BEFORE UPDATE OR DELETE OR TRUNCATE ON history_entries
FOR EACH STATEMENT EXECUTE FUNCTION rectrack_history_append_only()""",
]
# SQLite has no roles; the same rules as triggers. A later batch migration that copies history_entries
# drops these with the old table: it must create them again.
SQLITE_UP = [
    "CREATE TRIGGER history_entries_no_delete BEFORE DELETE ON history_entries "
    "BEGIN SELECT RAISE(ABORT, 'history_entries is append-only: DELETE is not allowed'); END",
    "CREATE TRIGGER history_entries_withdrawal_only BEFORE UPDATE ON history_entries WHEN NOT ("
    + " AND ".join(f"NEW.{column} IS OLD.{column}" for column in KEPT_COLUMNS)
    + f" AND {WITHDRAWAL_SHAPE} AND {WITHDRAWAL_RECORDED}) "
    "BEGIN SELECT RAISE(ABORT, 'history_entries is append-only: only a recorded withdrawal may erase an "
    "entry''s content'); END",
    *(
        f"CREATE TRIGGER {table}_no_{operation} BEFORE {operation.upper()} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {operation.upper()} is not allowed'); END"
        for table in APPEND_ONLY_TABLES
        for operation in ("update", "delete")
    ),
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS history_entries_no_delete",
    "DROP TRIGGER IF EXISTS history_entries_withdrawal_only",
    *(
        f"DROP TRIGGER IF EXISTS {table}_no_{operation}"
        for table in APPEND_ONLY_TABLES
        for operation in ("update", "delete")
    ),
]


def upgrade() -> None:
    """Entries commit to salted content; every entry becomes a leaf of a log with signed checkpoints."""
    op.create_table(
        "checkpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("root_hash", sa.String(length=64), nullable=False),
        sa.Column("signed_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("origin", sa.String(length=255), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.Column("frontier", sa.Text(), nullable=False),
        sa.CheckConstraint("tree_size >= 0", name=op.f("ck_checkpoints_tree_size")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkpoints")),
        sa.UniqueConstraint("tree_size", name=op.f("uq_checkpoints_tree_size")),
    )
    op.create_table(
        "log_leaves",
        sa.Column("leaf_index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("leaf_hash", sa.String(length=64), nullable=False),
        sa.Column("sequenced_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("leaf_index >= 0", name=op.f("ck_log_leaves_leaf_index")),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["history_entries.id"], name=op.f("fk_log_leaves_entry_id_history_entries")
        ),
        sa.PrimaryKeyConstraint("leaf_index", name=op.f("pk_log_leaves")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_log_leaves_entry_id")),
    )
    with op.batch_alter_table("history_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("format", sa.SmallInteger(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("salt", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("commitment", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column(
                "withdraws_entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
            )
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_history_entries_withdraws_entry_id"), ["withdraws_entry_id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_history_entries_withdraws_entry_id_history_entries"),
            "history_entries",
            ["withdraws_entry_id"],
            ["id"],
        )
        batch_op.drop_constraint(batch_op.f("ck_history_entries_kind"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_history_entries_kind"), f"kind IN ({KINDS})")
        batch_op.create_check_constraint(batch_op.f("ck_history_entries_format"), "format IN (1, 2)")
        batch_op.create_check_constraint(
            batch_op.f("ck_history_entries_commitment"), "format = 1 OR commitment IS NOT NULL"
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_history_entries_withdrawal_names_its_entry"),
            "(kind = 'withdrawal') = (withdraws_entry_id IS NOT NULL)",
        )
    statements = POSTGRES_UP if op.get_bind().dialect.name == "postgresql" else SQLITE_UP
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    """Back to format 1 alone, without the log (refused by the data itself once format 2 entries exist)."""
    # It drops log_leaves and checkpoints: only on an empty database or after a backup.
    refuse_to_drop_the_record()
    statements = POSTGRES_DOWN if op.get_bind().dialect.name == "postgresql" else SQLITE_DOWN
    for statement in statements:
        op.execute(statement)
    with op.batch_alter_table("history_entries", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_history_entries_withdrawal_names_its_entry"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_history_entries_commitment"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_history_entries_format"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_history_entries_kind"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_history_entries_kind"), f"kind IN ({OLD_KINDS})")
        batch_op.drop_constraint(
            batch_op.f("fk_history_entries_withdraws_entry_id_history_entries"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("uq_history_entries_withdraws_entry_id"), type_="unique")
        batch_op.drop_column("withdraws_entry_id")
        batch_op.drop_column("commitment")
        batch_op.drop_column("salt")
        batch_op.drop_column("format")
    op.drop_table("log_leaves")
    op.drop_table("checkpoints")
