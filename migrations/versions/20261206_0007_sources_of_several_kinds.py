"""sources of several kinds; the UPR fields of recommendations; responses in history

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 12:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.record_guard import refuse_to_drop_the_record

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SOURCE_KINDS = "'ngo_report', 'upr_review', 'treaty_body', 'special_procedure', 'other'"
RESPONSES = "'supported', 'partially_supported', 'noted', 'pending', 'unclear'"
OLD_CATEGORY_KINDS = "'addressee', 'theme', 'sdg'"
CATEGORY_KINDS = "'addressee', 'theme', 'sdg', 'recommending_state'"

# SQLite copies history_entries to add a column, and its triggers go with the old table: made again here,
# with the new column among those a withdrawal must leave as they were (PostgreSQL's trigger compares rows).
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
)
WITHDRAWAL_SHAPE = "NEW.payload = 'null' AND NEW.salt IS NULL AND OLD.payload <> 'null'"
WITHDRAWAL_RECORDED = "EXISTS (SELECT 1 FROM history_entries w WHERE w.withdraws_entry_id = OLD.id)"


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


def upgrade() -> None:
    """Sources get a kind, a state and UPR details; recommendations the fields UPR work needs."""
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=32), server_default="ngo_report", nullable=False)
        )
        batch_op.add_column(sa.Column("state_under_review", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("cycle", sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column("session", sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column("reviewed_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("document_symbol", sa.String(length=64), nullable=True))
        batch_op.create_check_constraint(batch_op.f("ck_sources_kind"), f"kind IN ({SOURCE_KINDS})")
        batch_op.create_check_constraint(batch_op.f("ck_sources_cycle"), "cycle IS NULL OR cycle >= 1")
        batch_op.create_check_constraint(batch_op.f("ck_sources_session"), "session IS NULL OR session >= 1")
    # The one report rectrack was born with is about Kazakhstan.
    op.execute("UPDATE sources SET state_under_review = 'Kazakhstan' WHERE slug = 'odf-kz-2015'")
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.alter_column("kind", existing_type=sa.String(length=16), type_=sa.String(length=32))
        batch_op.drop_constraint(batch_op.f("ck_categories_kind"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_categories_kind"), f"kind IN ({CATEGORY_KINDS})")
    with op.batch_alter_table("recommendations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("paragraph", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("response", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("response_original", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("action_category", sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column("external_id", sa.String(length=96), nullable=True))
        batch_op.add_column(sa.Column("match_key", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_recommendations_external_id"), ["external_id"])
        batch_op.create_unique_constraint(batch_op.f("uq_recommendations_match_key"), ["match_key"])
        batch_op.create_check_constraint(
            batch_op.f("ck_recommendations_response"), f"response IS NULL OR response IN ({RESPONSES})"
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_recommendations_action_category"),
            "action_category IS NULL OR action_category BETWEEN 1 AND 5",
        )
    with op.batch_alter_table("history_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("response", sa.String(length=32), nullable=True))
        batch_op.create_check_constraint(
            batch_op.f("ck_history_entries_response"), f"response IS NULL OR response IN ({RESPONSES})"
        )
    if _is_sqlite():
        for statement in _sqlite_history_triggers(KEPT_COLUMNS):
            op.execute(statement)
    # A response as of a date is one covering seek, as a status is; the response filter one seek too.
    op.create_index(
        "ix_history_entries_response_as_of",
        "history_entries",
        ["recommendation_id", "effective_on", "seq", "response", "recorded_at"],
        sqlite_where=sa.text("response IS NOT NULL"),
        postgresql_where=sa.text("response IS NOT NULL"),
    )
    op.create_index(
        "ix_recommendations_response_order",
        "recommendations",
        ["response", "source_id", "section_number", "number"],
        sqlite_where=sa.text("response IS NOT NULL"),
        postgresql_where=sa.text("response IS NOT NULL"),
    )


def downgrade() -> None:
    """Back to one kind of source (refused without a backup: it drops the responses the history records)."""
    refuse_to_drop_the_record()
    op.drop_index("ix_recommendations_response_order", table_name="recommendations")
    op.drop_index("ix_history_entries_response_as_of", table_name="history_entries")
    with op.batch_alter_table("history_entries", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_history_entries_response"), type_="check")
        batch_op.drop_column("response")
    if _is_sqlite():
        kept = tuple(column for column in KEPT_COLUMNS if column != "response")
        for statement in _sqlite_history_triggers(kept):
            op.execute(statement)
    with op.batch_alter_table("recommendations", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_recommendations_action_category"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_recommendations_response"), type_="check")
        batch_op.drop_constraint(batch_op.f("uq_recommendations_match_key"), type_="unique")
        batch_op.drop_constraint(batch_op.f("uq_recommendations_external_id"), type_="unique")
        for column in (
            "match_key",
            "external_id",
            "action_category",
            "response_original",
            "response",
            "paragraph",
        ):
            batch_op.drop_column(column)
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_categories_kind"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_categories_kind"), f"kind IN ({OLD_CATEGORY_KINDS})")
        batch_op.alter_column("kind", existing_type=sa.String(length=32), type_=sa.String(length=16))
    with op.batch_alter_table("sources", schema=None) as batch_op:
        for name in ("session", "cycle", "kind"):
            batch_op.drop_constraint(batch_op.f(f"ck_sources_{name}"), type_="check")
        for column in ("document_symbol", "reviewed_on", "session", "cycle", "state_under_review", "kind"):
            batch_op.drop_column(column)
