"""status periods per kind of entry: a write runs only its own half of the periods' trigger

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 23:00:00

Issue 16: 0016's trigger ran a correction's statements and an assessment's on every entry, each guarded by
its WHERE; an assessment still paid for the five that found nothing (the trigger cost a write 21% more
server time on SQLite). The statements stay 0016's; only the entries each runs on change. PostgreSQL's
function runs each half under an IF; SQLite does not promise in which order several triggers on one event
fire, so it has three with conditions that never overlap: a correction without a status, an assessment that
corrects nothing, and a correction that carries a status (both halves, the correction's first, as `replay`
applies them). The rows the trigger writes are the same, so nothing is filled again.
"""

from collections.abc import Sequence
from importlib import import_module

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# 0016's statements are the trigger's, as that migration ran them; its list holds a correction's five, then
# an assessment's four (0016 is history: the slice will not move).
status_periods_0016 = import_module("migrations.versions.20261206_0016_status_periods")
CORRECTION_STATEMENTS: list[str] = status_periods_0016.STATEMENTS[:5]
ASSESSMENT_STATEMENTS: list[str] = status_periods_0016.STATEMENTS[5:]
CORRECTS = "NEW.supersedes_entry_id IS NOT NULL"
ASSESSED: str = status_periods_0016.ASSESSED


def _body(statements: Sequence[str], indent: str) -> str:
    return "".join(f"{indent}{statement};\n" for statement in statements)


# SECURITY DEFINER: the runtime role may read the periods but not write them; only this function does.
POSTGRES_TRIGGER = [
    "CREATE FUNCTION rectrack_status_periods() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER "
    "SET search_path = public AS $$\nBEGIN\n"
    f"    IF {CORRECTS} THEN\n{_body(CORRECTION_STATEMENTS, ' ' * 8)}    END IF;\n"
    f"    IF {ASSESSED} THEN\n{_body(ASSESSMENT_STATEMENTS, ' ' * 8)}    END IF;\n"
    "    RETURN NULL;\nEND;\n$$",
    "REVOKE ALL ON FUNCTION rectrack_status_periods() FROM PUBLIC",
    "CREATE TRIGGER history_entries_status_periods AFTER INSERT ON history_entries FOR EACH ROW "
    f"WHEN ({CORRECTS} OR ({ASSESSED})) EXECUTE FUNCTION rectrack_status_periods()",
]
# Name: (when, statements). Exactly one fires for an entry that has periods to keep, none for the others.
SQLITE_TRIGGERS = {
    "history_entries_status_periods_correction": (
        f"{CORRECTS} AND NOT ({ASSESSED})",
        CORRECTION_STATEMENTS,
    ),
    "history_entries_status_periods_assessment": (
        f"NEW.supersedes_entry_id IS NULL AND {ASSESSED}",
        ASSESSMENT_STATEMENTS,
    ),
    "history_entries_status_periods_correction_and_assessment": (
        f"{CORRECTS} AND {ASSESSED}",
        CORRECTION_STATEMENTS + ASSESSMENT_STATEMENTS,
    ),
}


def upgrade() -> None:
    """Replace 0016's trigger with one that runs a half per kind of entry (three triggers on SQLite)."""
    if op.get_bind().dialect.name == "postgresql":
        _drop_postgres_trigger()
        for statement in POSTGRES_TRIGGER:
            op.execute(statement)
        return
    op.execute("DROP TRIGGER history_entries_status_periods")
    for name, (when, statements) in SQLITE_TRIGGERS.items():
        op.execute(
            f"CREATE TRIGGER {name} AFTER INSERT ON history_entries WHEN {when} BEGIN\n"
            f"{_body(statements, ' ' * 4)}END"
        )


def downgrade() -> None:
    """Back to 0016's one trigger, running every statement on every entry that may have periods."""
    if op.get_bind().dialect.name == "postgresql":
        _drop_postgres_trigger()
        for statement in status_periods_0016.POSTGRES_TRIGGER:
            op.execute(statement)
        return
    for name in SQLITE_TRIGGERS:
        op.execute(f"DROP TRIGGER {name}")
    op.execute(status_periods_0016.SQLITE_TRIGGER)


def _drop_postgres_trigger() -> None:
    op.execute("DROP TRIGGER history_entries_status_periods ON history_entries")
    op.execute("DROP FUNCTION rectrack_status_periods()")
