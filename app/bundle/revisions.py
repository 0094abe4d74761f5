"""Schema revisions: the database's, the code's, and whether a bundle's can be loaded here."""

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection

from app.bundle.records import BundleError
from app.i18n.translation import gettext
from app.migrate import alembic_config, head_revision


def current_revision(connection: Connection) -> str | None:
    """The revision the database is migrated to (None when it has no schema)."""
    return MigrationContext.configure(connection).get_current_revision()


def require_head(connection: Connection) -> str:
    """The database's revision, which must be the code's newest: an export describes this code's tables."""
    revision, head = current_revision(connection), head_revision()
    if revision != head or head is None:
        raise BundleError(
            gettext(
                "the database is at schema revision %(revision)s, this rectrack at %(head)s: "
                "run `rectrack migrate` first",
                revision=revision or "-",
                head=head or "-",
            )
        )
    return head


def check_known(revision: str) -> None:
    """Refuse a bundle written at a schema revision this code does not have (a newer rectrack's)."""
    script = ScriptDirectory.from_config(alembic_config())
    try:
        known = script.get_revision(revision) is not None
    except CommandError:
        known = False
    if not known:
        raise BundleError(
            gettext(
                "the bundle is of schema revision %(revision)s, which this rectrack does not know "
                "(its newest is %(head)s): restore it with the rectrack that wrote it, or a newer one",
                revision=revision,
                head=head_revision() or "-",
            ),
            line=1,
        )
