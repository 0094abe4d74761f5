"""The downgrade guard: no migration drops the record of a database that holds one without a fresh backup.

A downgrade that drops `history_entries`, `log_leaves`, `checkpoints` or `recommendations` calls
`refuse_to_drop_the_record()` first. The backup is named by `rectrack migrate REVISION --backup-taken PATH`,
`alembic -x backup=PATH downgrade REVISION` or `RECTRACK_DOWNGRADE_BACKUP=PATH`. Its format is not checked (a
`rectrack export` bundle, a pg_dump or a copy of the SQLite file): only that it is a non-empty file written
after the newest history entry was recorded, so a backup taken before the last writes does not count.
"""

import os
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.engine import Connection

from app.db import UTCDateTime
from app.i18n.translation import gettext, ngettext

RECORD_TABLES = ("history_entries", "log_leaves", "checkpoints", "recommendations")
BACKUP_ENV = "RECTRACK_DOWNGRADE_BACKUP"
# Where `rectrack migrate --backup-taken` puts the path in the Alembic configuration's attributes.
BACKUP_ATTRIBUTE = "rectrack_downgrade_backup"


class DowngradeRefused(Exception):
    """A downgrade would drop the record of a database that holds one, and no fresh backup was named."""


def refuse_to_drop_the_record() -> None:
    """Stop the migration run unless the database holds no record or a fresh backup of it was named."""
    check_backup(op.get_bind(), backup_named(), context.get_revision_argument())


def backup_named() -> str | None:
    """The backup named: --backup-taken, else `-x backup=PATH`, else RECTRACK_DOWNGRADE_BACKUP."""
    attribute = context.config.attributes.get(BACKUP_ATTRIBUTE)
    argument = context.get_x_argument(as_dictionary=True).get("backup")
    return str(attribute or argument or os.environ.get(BACKUP_ENV) or "") or None


def check_backup(connection: Connection, backup: str | None, target: object = "base") -> None:
    """Raise DowngradeRefused if the database holds a record and `backup` is not a fresh, non-empty file."""
    entries = _history_entries(connection)
    if not entries and not _any_rows(connection):
        return
    how = gettext(
        "Take a backup first (a `rectrack export` bundle, pg_dump, or a copy of the SQLite file), then "
        "name it: `rectrack migrate %(target)s --backup-taken FILE`, "
        "`alembic -x backup=FILE downgrade %(target)s`, or RECTRACK_DOWNGRADE_BACKUP=FILE.",
        target=target or "base",
    )
    if backup is None:
        raise DowngradeRefused(
            ngettext(
                "refused: this downgrade drops the record, and the database holds %(num)s history entry. "
                "%(how)s",
                "refused: this downgrade drops the record, and the database holds %(num)s history entries. "
                "%(how)s",
                entries,
                how=how,
            )
        )
    path = Path(backup)
    if not path.is_file() or path.stat().st_size == 0:
        raise DowngradeRefused(
            gettext("refused: the backup %(path)s is not a non-empty file. %(how)s", path=path, how=how)
        )
    written = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    newest = _newest_recorded_at(connection)
    if newest is not None and written < newest:
        raise DowngradeRefused(
            gettext(
                "refused: the backup %(path)s was written at %(written)s, before the newest history entry "
                "(recorded at %(newest)s). %(how)s",
                path=path,
                written=written.isoformat(),
                newest=newest.isoformat(),
                how=how,
            )
        )


def _existing(connection: Connection) -> list[str]:
    tables = set(sa.inspect(connection).get_table_names())
    return [name for name in RECORD_TABLES if name in tables]


def _history_entries(connection: Connection) -> int:
    if "history_entries" not in _existing(connection):
        return 0
    return int(connection.execute(sa.text("SELECT count(*) FROM history_entries")).scalar_one())


def _any_rows(connection: Connection) -> bool:
    return any(
        connection.execute(sa.text(f"SELECT 1 FROM {name} LIMIT 1")).first() is not None
        for name in _existing(connection)
    )


def _newest_recorded_at(connection: Connection) -> datetime | None:
    if "history_entries" not in _existing(connection):
        return None
    newest = sa.select(sa.func.max(sa.column("recorded_at", UTCDateTime()))).select_from(
        sa.table("history_entries")
    )
    value: datetime | None = connection.execute(newest).scalar_one()
    return value
