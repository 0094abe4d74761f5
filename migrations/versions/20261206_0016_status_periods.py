"""status periods: each perspective's status over effective dates, as known over recording time

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 21:00:00

Issue 16: as-of and known-at scorecards read one row per recommendation and perspective from
`status_periods` (docs/design.md, "Status periods") instead of finding the latest of its entries. A trigger
keeps the table in the transaction of every entry, whoever writes it (the service, an import, a restored
backup); the backfill replays the existing entries with `app.history.periods.replay`, the function `verify`
compares the table with. An index of the links that count as evidence coverage serves the same scorecards
as known at a past time.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db
from app.history.periods import fill

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INSERTED = "recommendation_id, perspective, status, entry_id, from_on, from_seq, until_on, recorded_at"
# The current row of the new entry's chain and perspective that starts last before (or first after) `key`.
_NEIGHBOUR = (
    "SELECT {what} FROM status_periods b WHERE b.recommendation_id = {rec} AND b.perspective = {perspective} "
    "AND b.superseded_at IS NULL AND (b.from_on, b.from_seq) {side} {key} "
    "ORDER BY b.from_on {order}, b.from_seq {order} LIMIT 1"
)
_GONE = (
    "g.recommendation_id = NEW.recommendation_id AND g.entry_id = NEW.supersedes_entry_id "
    "AND g.superseded_at IS NULL"
)
_RETIRE = (
    "UPDATE status_periods SET superseded_at = NEW.recorded_at WHERE {rows} AND recorded_at < NEW.recorded_at"
)
# A row known and replaced at the same instant could never be seen: it is deleted instead.
_DELETE = "DELETE FROM status_periods WHERE {rows} AND recorded_at >= NEW.recorded_at"
_SUPERSEDED = "recommendation_id = NEW.recommendation_id AND entry_id = NEW.supersedes_entry_id AND superseded_at IS NULL"
# A correction's rows a newer copy (same chain, perspective and start) replaced: any of the chain's (rare).
_REPLACED = (
    "NEW.supersedes_entry_id IS NOT NULL AND recommendation_id = NEW.recommendation_id AND superseded_at IS NULL "
    "AND EXISTS (SELECT 1 FROM status_periods n WHERE n.recommendation_id = status_periods.recommendation_id "
    "AND n.perspective = status_periods.perspective AND n.superseded_at IS NULL AND n.from_on = "
    "status_periods.from_on AND n.from_seq = status_periods.from_seq AND n.id > status_periods.id)"
)
ASSESSED = "NEW.perspective IS NOT NULL AND NEW.status IS NOT NULL"
NEW_KEY = "(NEW.effective_on, NEW.seq)"
# The start of the period before the new entry's, and the rows of that start the new copy replaced: found
# through the index, so a write costs the same however many entries its chain holds.
_PREVIOUS_KEY = _NEIGHBOUR.format(
    what="b.from_on, b.from_seq",
    rec="NEW.recommendation_id",
    perspective="NEW.perspective",
    side="<",
    key=NEW_KEY,
    order="DESC",
)
_REPLACED_BEFORE_NEW = (
    "recommendation_id = NEW.recommendation_id AND perspective = NEW.perspective AND superseded_at IS NULL "
    f"AND (from_on, from_seq) = ({_PREVIOUS_KEY}) AND id < (SELECT max(n.id) FROM status_periods n WHERE "
    "n.recommendation_id = NEW.recommendation_id AND n.perspective = NEW.perspective AND "
    f"n.superseded_at IS NULL AND (n.from_on, n.from_seq) = ({_PREVIOUS_KEY}))"
)
# The trigger's statements, the same on both databases and in the order `replay` applies them. (A
# correction that carries a status runs both halves: its supersession first, then its own period.)
STATEMENTS = [
    # A correction: the period before the superseded entry's now reaches to where that one ended ...
    f"INSERT INTO status_periods ({INSERTED}) SELECT p.recommendation_id, p.perspective, p.status, p.entry_id, "
    "p.from_on, p.from_seq, g.until_on, NEW.recorded_at FROM status_periods g JOIN status_periods p ON p.id = ("
    + _NEIGHBOUR.format(
        what="b.id",
        rec="g.recommendation_id",
        perspective="g.perspective",
        side="<",
        key="(g.from_on, g.from_seq)",
        order="DESC",
    )
    + f") WHERE {_GONE}",
    # ... and the superseded entry's own period ends, as does the one the copy replaced.
    _RETIRE.format(rows=_SUPERSEDED),
    _DELETE.format(rows=_SUPERSEDED),
    _RETIRE.format(rows=_REPLACED),
    _DELETE.format(rows=_REPLACED),
    # An assessment: its period, up to the next one's start ...
    f"INSERT INTO status_periods ({INSERTED}) SELECT NEW.recommendation_id, NEW.perspective, NEW.status, NEW.id, "
    "NEW.effective_on, NEW.seq, ("
    + _NEIGHBOUR.format(
        what="b.from_on",
        rec="NEW.recommendation_id",
        perspective="NEW.perspective",
        side=">",
        key=NEW_KEY,
        order="ASC",
    )
    + f"), NEW.recorded_at WHERE {ASSESSED}",
    # ... and the one before it now ends where it starts.
    f"INSERT INTO status_periods ({INSERTED}) SELECT p.recommendation_id, p.perspective, p.status, p.entry_id, "
    "p.from_on, p.from_seq, NEW.effective_on, NEW.recorded_at FROM status_periods p WHERE p.id = ("
    + _NEIGHBOUR.format(
        what="b.id",
        rec="NEW.recommendation_id",
        perspective="NEW.perspective",
        side="<",
        key=NEW_KEY,
        order="DESC",
    )
    + f") AND {ASSESSED}",
    _RETIRE.format(rows=_REPLACED_BEFORE_NEW),
    _DELETE.format(rows=_REPLACED_BEFORE_NEW),
]
COVERAGE_LINKS = "relation IN ('progress', 'regression')"
TRIGGER_WHEN = "NEW.perspective IS NOT NULL OR NEW.supersedes_entry_id IS NOT NULL"
# SECURITY DEFINER: the runtime role may read the periods but not write them; only this function does.
POSTGRES_TRIGGER = [
    "CREATE FUNCTION rectrack_status_periods() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER "
    "SET search_path = public AS $$\nBEGIN\n"
    + "".join(f"    {statement};\n" for statement in STATEMENTS)
    + "    RETURN NULL;\nEND;\n$$",
    "REVOKE ALL ON FUNCTION rectrack_status_periods() FROM PUBLIC",
    "CREATE TRIGGER history_entries_status_periods AFTER INSERT ON history_entries FOR EACH ROW "
    f"WHEN ({TRIGGER_WHEN}) EXECUTE FUNCTION rectrack_status_periods()",
]
SQLITE_TRIGGER = (
    "CREATE TRIGGER history_entries_status_periods AFTER INSERT ON history_entries "
    f"WHEN {TRIGGER_WHEN} BEGIN\n" + "".join(f"    {statement};\n" for statement in STATEMENTS) + "END"
)


def upgrade() -> None:
    """Create the table, its indexes and the trigger, then fill it from the existing entries."""
    op.create_table(
        "status_periods",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("perspective", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("from_on", sa.Date(), nullable=False),
        sa.Column("from_seq", sa.Integer(), nullable=False),
        sa.Column("until_on", sa.Date(), nullable=True),
        sa.Column("recorded_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("superseded_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendations.id"],
            name=op.f("fk_status_periods_recommendation_id_recommendations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_periods")),
    )
    fill(op.get_bind())
    _create_indexes()
    op.create_index(
        "ix_recommendation_evidence_coverage",
        "recommendation_evidence",
        ["recommendation_id", "visibility", "linked_at", "unlinked_at", "evidence_id"],
        sqlite_where=sa.text(COVERAGE_LINKS),
        postgresql_where=sa.text(COVERAGE_LINKS),
    )
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES_TRIGGER:
            op.execute(statement)
        op.execute("ANALYZE status_periods")
    else:
        op.execute(SQLITE_TRIGGER)
        op.execute("ANALYZE status_periods")


def _create_indexes() -> None:
    # The trigger's and a single recommendation's lookups: the chain's periods as known now.
    op.create_index(
        "ix_status_periods_now",
        "status_periods",
        ["recommendation_id", "perspective", "from_on", "from_seq", "until_on", "status"],
        sqlite_where=sa.text("superseded_at IS NULL"),
        postgresql_where=sa.text("superseded_at IS NULL"),
    )
    if op.get_bind().dialect.name == "postgresql":
        # The as-of scans: one range of a perspective's periods by start date, as known now and at a time.
        op.create_index(
            "ix_status_periods_scan_now",
            "status_periods",
            ["perspective", "from_on"],
            postgresql_include=["until_on", "recommendation_id", "status"],
            postgresql_where=sa.text("superseded_at IS NULL"),
        )
        op.create_index(
            "ix_status_periods_scan_known",
            "status_periods",
            ["perspective", "from_on"],
            postgresql_include=["until_on", "recorded_at", "superseded_at", "recommendation_id", "status"],
        )
    # As known at a past time: every row, with its recording interval.
    op.create_index(
        "ix_status_periods_known",
        "status_periods",
        ["recommendation_id", "perspective", "from_on", "until_on", "recorded_at", "superseded_at", "status"],
    )


def downgrade() -> None:
    """Drop the trigger and the table: the scorecards read the entries again."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER history_entries_status_periods ON history_entries")
        op.execute("DROP FUNCTION rectrack_status_periods()")
    else:
        op.execute("DROP TRIGGER history_entries_status_periods")
    op.drop_index("ix_recommendation_evidence_coverage", table_name="recommendation_evidence")
    op.drop_table("status_periods")
