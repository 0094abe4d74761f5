"""PostgreSQL's runtime role: created if missing, granted least privilege by the owner (the migration role).

The owner runs migrations and owns every table, so it could disable the append-only triggers; the runtime
role the service connects as owns nothing, appends to the record but cannot change it, and cannot alter,
drop or create anything. `rectrack migrate --runtime-role NAME` applies this after migrating; running it
again re-grants (REVOKE, then GRANT) on whatever tables exist then.
"""

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from app.db import build_engine, is_postgres
from app.i18n.translation import gettext

SCHEMA = "public"
# The record: appended to, never changed. A table not migrated yet is skipped.
APPEND_ONLY_TABLES = ("history_entries", "log_leaves", "checkpoints")
# status_periods, status_pairs: written only by the triggers on history_entries, run as the owner
# (migrations 0016-0018).
READ_ONLY_TABLES = ("alembic_version", "status_periods", "status_pairs")
# The one function the runtime role may run: an admin's withdrawal, SECURITY DEFINER (migration 0006).
EXECUTABLE_FUNCTIONS = ("rectrack_withdraw(bigint)",)
TABLE_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"
INSUFFICIENT_PRIVILEGE = "42501"


class RoleRefused(Exception):
    """The runtime role cannot be set up as asked: the reason is the message."""


def vet_runtime_role(owner_url: str, name: str) -> None:
    """Raise RoleRefused before migrating if `name` could not be a runtime role (see check_runtime_role)."""
    engine = build_engine(owner_url)
    try:
        with engine.connect() as connection:
            check_runtime_role(connection, name)
    finally:
        engine.dispose()


def set_up_runtime_role(owner_url: str, name: str, password: str | None = None) -> None:
    """Create the runtime role if missing (LOGIN NOINHERIT), set its password if given, and grant it."""
    engine = build_engine(owner_url)
    try:
        with engine.begin() as connection:
            check_runtime_role(connection, name)
            create_role(connection, name)
            if password is not None:
                set_password(connection, name, password)
            check_runtime_role(connection, name)
            grant_least_privilege(connection, name)
    finally:
        engine.dispose()


def check_runtime_role(connection: Connection, name: str) -> None:
    """Raise RoleRefused unless `name` can be a runtime role: not the owner, no superuser, owning nothing."""
    if not is_postgres(connection):
        raise RoleRefused(gettext("--runtime-role is for PostgreSQL only: SQLite has no roles"))
    if name == connection.execute(text("SELECT current_user")).scalar_one():
        raise RoleRefused(
            gettext("%(role)s is the migration role itself: name another role for the service", role=name)
        )
    role = connection.execute(
        text("SELECT rolsuper, rolcreaterole FROM pg_roles WHERE rolname = :name"), {"name": name}
    ).first()
    if role is None:
        return
    if role.rolsuper:
        raise RoleRefused(gettext("%(role)s is a superuser: the runtime role must not be one", role=name))
    if role.rolcreaterole:
        raise RoleRefused(
            gettext(
                "%(role)s has CREATEROLE, so it could grant itself the owner's role: remove it", role=name
            )
        )
    owner = connection.execute(_OWNERS_THE_ROLE_CAN_ACT_AS, {"name": name, "schema": SCHEMA}).scalar()
    if owner is not None:
        raise RoleRefused(
            gettext(
                "%(role)s is, or is a member of, %(owner)s, which owns the database, the schema or one of "
                "its objects: the runtime role must own nothing",
                role=name,
                owner=owner,
            )
        )


# Owners of the database, the schema and everything in it, and the migration role: none may be the runtime
# role or one of its roles (a NOINHERIT member can still SET ROLE to it).
_OWNERS_THE_ROLE_CAN_ACT_AS = text(
    """
    WITH schema AS (SELECT oid, nspowner FROM pg_namespace WHERE nspname = CAST(:schema AS name))
    SELECT owners.owner::regrole::text FROM (
        SELECT relowner AS owner FROM pg_class WHERE relnamespace IN (SELECT oid FROM schema)
        UNION SELECT proowner FROM pg_proc WHERE pronamespace IN (SELECT oid FROM schema)
        UNION SELECT nspowner FROM schema
        UNION SELECT datdba FROM pg_database WHERE datname = current_database()
        UNION SELECT oid FROM pg_roles WHERE rolname = current_user
    ) AS owners
    WHERE pg_has_role(CAST(:name AS name), owners.owner, 'MEMBER')
    ORDER BY 1
    LIMIT 1
    """
)


def create_role(connection: Connection, name: str) -> None:
    """Create the role (LOGIN NOINHERIT, no password) unless it exists; an existing role is left as it is."""
    exists = connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :name"), {"name": name}).first()
    if exists is not None:
        return
    try:
        connection.exec_driver_sql(f"CREATE ROLE {_quote(connection, name)} LOGIN NOINHERIT")
    except DBAPIError as error:
        if getattr(error.orig, "sqlstate", None) != INSUFFICIENT_PRIVILEGE:
            raise
        raise RoleRefused(
            gettext(
                "the migration role may not create roles: have an administrator run "
                "CREATE ROLE %(role)s LOGIN NOINHERIT, then migrate again",
                role=_quote(connection, name),
            )
        ) from None


def set_password(connection: Connection, name: str, password: str) -> None:
    """Set the role's password as a SCRAM-SHA-256 verifier made here: the server never sees it in clear."""
    if not password:
        raise RoleRefused(gettext("the runtime role's password is empty"))
    driver = connection.connection.driver_connection
    pgconn = driver.pgconn  # type: ignore[union-attr]
    verifier = pgconn.encrypt_password(password.encode(), name.encode(), b"scram-sha-256").decode()
    literal = "'" + verifier.replace("'", "''") + "'"
    connection.exec_driver_sql(f"ALTER ROLE {_quote(connection, name)} PASSWORD {literal}")


def grant_least_privilege(connection: Connection, name: str) -> None:
    """Revoke everything on the schema's objects from the role, then grant just what the service needs."""
    role = _quote(connection, name)
    schema = _quote(connection, SCHEMA)
    for kind in ("TABLES", "SEQUENCES", "ROUTINES"):
        connection.exec_driver_sql(f"REVOKE ALL ON ALL {kind} IN SCHEMA {schema} FROM {role}")
    # PostgreSQL grants EXECUTE on every new function to PUBLIC, which every role belongs to, and before
    # version 15 CREATE on the public schema too.
    connection.exec_driver_sql(f"REVOKE ALL ON ALL ROUTINES IN SCHEMA {schema} FROM PUBLIC")
    connection.exec_driver_sql(f"REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC, {role}")
    connection.exec_driver_sql(f"GRANT USAGE ON SCHEMA {schema} TO {role}")
    for table in _tables(connection):
        if table in APPEND_ONLY_TABLES:
            privileges = "SELECT, INSERT"
        elif table in READ_ONLY_TABLES:
            privileges = "SELECT"
        else:
            privileges = TABLE_PRIVILEGES
        connection.exec_driver_sql(
            f"GRANT {privileges} ON TABLE {schema}.{_quote(connection, table)} TO {role}"
        )
    connection.exec_driver_sql(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role}")
    for function in EXECUTABLE_FUNCTIONS:
        exists = connection.execute(
            text("SELECT to_regprocedure(:function)"), {"function": f"{SCHEMA}.{function}"}
        ).scalar()
        if exists is not None:
            connection.exec_driver_sql(f"GRANT EXECUTE ON FUNCTION {schema}.{function} TO {role}")


def _tables(connection: Connection) -> list[str]:
    rows = connection.execute(
        text(
            "SELECT relname FROM pg_class WHERE relnamespace = CAST(CAST(:schema AS text) AS regnamespace) "
            "AND relkind IN ('r', 'p') ORDER BY relname"
        ),
        {"schema": SCHEMA},
    )
    return list(rows.scalars())


def _quote(connection: Connection, name: str) -> str:
    return connection.dialect.identifier_preparer.quote_identifier(name)
