"""maintained state: what a current scorecard needs beyond the statuses, kept on each recommendation

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 18:00:00

Each perspective's latest effective date, the active progress and regression links by visibility, and the
claim-gap class, backfilled from the history and the links; every write keeps them (docs/design.md,
"Maintained state").
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    "status_effective_on",
    "claimed_effective_on",
    "coverage_links_public",
    "coverage_links_restricted",
    "claim_gap_class",
)
# Written out rather than imported: a migration keeps meaning what it meant when it ran.
GAP_CLASSES = "'overclaim', 'underclaim', 'unassessed'"
RANK = (
    "CASE {status} WHEN 'implemented' THEN 3 WHEN 'partially_implemented' THEN 2 "
    "WHEN 'not_implemented' THEN 1 WHEN 'regressed' THEN 0 ELSE -1 END"
)
# app.vocabulary.claim_gap_class over the two denormalised statuses (app.claim_classes in SQL).
GAP_CLASS = (
    "CASE WHEN claimed_status = 'not_assessed' THEN NULL "
    "WHEN status = 'not_assessed' THEN 'unassessed' "
    f"WHEN {RANK.format(status='claimed_status')} > {RANK.format(status='status')} THEN 'overclaim' "
    f"WHEN {RANK.format(status='claimed_status')} < {RANK.format(status='status')} THEN 'underclaim' "
    "END"
)


def _latest_effective_on(perspective: str) -> str:
    # The newest effective date among the perspective's entries that no correction superseded: the date of
    # the entry the status comes from (latest by effective_on, then seq). One seek on ix_history_entries_as_of.
    return (
        "(SELECT max(h.effective_on) FROM history_entries h WHERE h.recommendation_id = recommendations.id "
        f"AND h.perspective = '{perspective}' AND NOT EXISTS (SELECT 1 FROM history_entries c "
        "WHERE c.supersedes_entry_id = h.id))"
    )


def _coverage_links(visibility: str) -> str:
    return (
        "(SELECT count(*) FROM recommendation_evidence re WHERE re.recommendation_id = recommendations.id "
        "AND re.unlinked_at IS NULL AND re.relation IN ('progress', 'regression') "
        f"AND re.visibility = '{visibility}')"
    )


def upgrade() -> None:
    """Add the columns, then fill them in one UPDATE (correlated seeks, on both databases)."""
    with op.batch_alter_table("recommendations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status_effective_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("claimed_effective_on", sa.Date(), nullable=True))
        for name in ("coverage_links_public", "coverage_links_restricted"):
            batch_op.add_column(sa.Column(name, sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("claim_gap_class", sa.String(length=16), nullable=True))
        batch_op.create_check_constraint(
            batch_op.f("ck_recommendations_claim_gap_class"),
            f"claim_gap_class IS NULL OR claim_gap_class IN ({GAP_CLASSES})",
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_recommendations_coverage_links"),
            "coverage_links_public >= 0 AND coverage_links_restricted >= 0",
        )
    op.execute(
        "UPDATE recommendations SET "
        f"status_effective_on = {_latest_effective_on('independent')}, "
        f"claimed_effective_on = {_latest_effective_on('state')}, "
        f"coverage_links_public = {_coverage_links('public')}, "
        f"coverage_links_restricted = {_coverage_links('restricted')}, "
        f"claim_gap_class = {GAP_CLASS}"
    )


def downgrade() -> None:
    """Drop them: they are derived from the history and the links, which stay."""
    with op.batch_alter_table("recommendations", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_recommendations_coverage_links"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_recommendations_claim_gap_class"), type_="check")
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)
