"""translations of recommendations' texts and sections' and sources' titles; a source's language

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 16:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db  # noqa: F401  (UTCDateTime)
from migrations.record_guard import refuse_to_drop_the_record

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """The translations table, and sources.language (every existing source is in English)."""
    op.create_table(
        "translations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_kind", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("provenance", sa.String(length=16), nullable=False),
        sa.Column("translator", sa.Text(), nullable=True),
        sa.Column("terms", sa.Text(), nullable=True),
        sa.Column("recorded_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("superseded_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "subject_kind IN ('recommendation', 'section', 'source')",
            name=op.f("ck_translations_subject_kind"),
        ),
        sa.CheckConstraint(
            "provenance IN ('official', 'unofficial')", name=op.f("ck_translations_provenance")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["monitors.id"], name=op.f("fk_translations_recorded_by_monitors")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_translations")),
    )
    op.create_index(
        "uq_translations_current",
        "translations",
        ["subject_kind", "subject_id", "language"],
        unique=True,
        sqlite_where=sa.text("superseded_at IS NULL"),
        postgresql_where=sa.text("superseded_at IS NULL"),
    )
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=16), server_default="en", nullable=False))


def downgrade() -> None:
    """Drop the translations (refused without a backup: recorded translations are part of the record)."""
    refuse_to_drop_the_record()
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.drop_column("language")
    op.drop_index("uq_translations_current", table_name="translations")
    op.drop_table("translations")
