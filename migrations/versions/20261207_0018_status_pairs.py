"""status pairs: both perspectives' statuses side by side, so an as-of scorecard seeks once per recommendation

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 05:00:00

Issue 16: an as-of scorecard looked up the independent and the state status in `status_periods`, two seeks
per recommendation. `status_pairs` (docs/design.md, "Status pairs") holds both for each stretch of effective
dates over which neither changes, as known now. The periods' triggers recompute the entry's recommendation's
pairs after its periods, in the same transaction; the backfill derives every pair from the periods.
"""

from collections.abc import Sequence
from importlib import import_module

import sqlalchemy as sa
from alembic import op

from app.history import status_pairs

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# 0017's triggers, as that migration made them; the pairs' statements run after each one's own.
per_kind_0017 = import_module("migrations.versions.20261206_0017_status_periods_per_kind")
PAIR_STATEMENTS = list(status_pairs.TRIGGER_STATEMENTS)
_body = per_kind_0017._body


# SECURITY DEFINER, as 0017's: the runtime role may read the pairs but not write them.
POSTGRES_FUNCTION = (
    "CREATE OR REPLACE FUNCTION rectrack_status_periods() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER "
    "SET search_path = public AS $$\nBEGIN\n"
    f"    IF {per_kind_0017.CORRECTS} THEN\n{_body(per_kind_0017.CORRECTION_STATEMENTS, ' ' * 8)}    END IF;\n"
    f"    IF {per_kind_0017.ASSESSED} THEN\n{_body(per_kind_0017.ASSESSMENT_STATEMENTS, ' ' * 8)}    END IF;\n"
    f"{_body(PAIR_STATEMENTS, ' ' * 4)}"
    "    RETURN NULL;\nEND;\n$$"
)


def upgrade() -> None:
    """Create and fill the pairs, then have the periods' triggers keep them."""
    op.create_table(
        "status_pairs",
        sa.Column("recommendation_id", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("from_on", sa.Date(), nullable=False),
        sa.Column("until_on", sa.Date(), nullable=True),
        sa.Column("independent_status", sa.String(length=32), nullable=True),
        sa.Column("independent_on", sa.Date(), nullable=True),
        sa.Column(
            "independent_entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("state_status", sa.String(length=32), nullable=True),
        sa.Column("state_on", sa.Date(), nullable=True),
        sa.Column("state_entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendations.id"],
            name=op.f("fk_status_pairs_recommendation_id_recommendations"),
        ),
        sa.PrimaryKeyConstraint("recommendation_id", "from_on", name=op.f("pk_status_pairs")),
        sqlite_with_rowid=False,
    )
    status_pairs.fill(op.get_bind())
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        op.execute("ANALYZE status_pairs")
        return
    _replace_sqlite_triggers(PAIR_STATEMENTS)
    op.execute("ANALYZE status_pairs")


def downgrade() -> None:
    """Back to 0017's triggers, then drop the pairs."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            per_kind_0017.POSTGRES_TRIGGER[0].replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
        )
    else:
        _replace_sqlite_triggers([])
    op.drop_table("status_pairs")


def _replace_sqlite_triggers(after: list[str]) -> None:
    """0017's three SQLite triggers made again, each running `after` once its own statements have run."""
    for name, (when, statements) in per_kind_0017.SQLITE_TRIGGERS.items():
        op.execute(f"DROP TRIGGER {name}")
        op.execute(
            f"CREATE TRIGGER {name} AFTER INSERT ON history_entries WHEN {when} BEGIN\n"
            f"{_body([*statements, *after], ' ' * 4)}END"
        )
