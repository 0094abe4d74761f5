"""Least privilege on PostgreSQL: an owner role migrates; the runtime role `rectrack migrate --runtime-role`
sets up does the service's work but can neither change nor remove the record, nor alter, drop or create.

Roles are cluster-wide: every name is unique to the run and test module, and both roles go at teardown.
"""

import base64
import hashlib
import hmac
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError

from app.config import Settings
from app.db_roles import APPEND_ONLY_TABLES, READ_ONLY_TABLES
from app.main import create_app
from tests.support import PostgresServer, assess, bearer, link, make_token, run_cli

PASSWORD = "correct horse battery staple"
INSUFFICIENT_PRIVILEGE = "42501"
CODE = "odf-kz-2015-6.2"


@dataclass
class Roles:
    """A database owned and migrated by an owner role, with a runtime role the CLI created and granted."""

    owner: str
    runtime: str
    owner_url: str
    runtime_url: str
    admin_url: str
    migrated: str  # what `rectrack migrate --runtime-role` printed


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@pytest.fixture(scope="module")
def roles(
    postgres_server: PostgresServer | None, run_id: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Roles]:
    """Owner and runtime roles of this module's own, a database the owner owns, migrated and seeded."""
    if postgres_server is None:
        pytest.skip("PostgreSQL leg not run: set RECTRACK_TEST_POSTGRES_URL (CI requires it)")
    suffix = f"{run_id}_{uuid.uuid4().hex[:8]}"
    owner, runtime = f"rectrack_owner_{suffix}", f"rectrack_runtime_{suffix}"
    admin = postgres_server.admin
    database_url = None
    try:
        with admin.connect() as connection:
            connection.execute(text(f"CREATE ROLE {_quote(owner)} LOGIN CREATEROLE"))
        database_url = postgres_server.create(f"rectrack_roles_{suffix}")
        name = make_url(database_url).database
        with admin.connect() as connection:
            connection.execute(text(f"ALTER DATABASE {_quote(name)} OWNER TO {_quote(owner)}"))
        base = make_url(database_url)
        owner_url = base.set(username=owner, password=None).render_as_string(hide_password=False)
        runtime_url = base.set(username=runtime, password=PASSWORD).render_as_string(hide_password=False)
        run = run_cli(
            runtime_url,
            *("migrate", "--runtime-role", runtime, "--runtime-password-env", "RUNTIME_PASSWORD"),
            env={"RECTRACK_MIGRATION_DATABASE_URL": owner_url, "RUNTIME_PASSWORD": PASSWORD},
        )
        assert run.returncode == 0, run.stderr
        # The seed loads through the runtime role, as the service's own writes do.
        seeded = run_cli(runtime_url, "seed")
        assert seeded.returncode == 0, seeded.stderr
        yield Roles(owner, runtime, owner_url, runtime_url, database_url, run.stdout)
    finally:
        if database_url is not None:
            postgres_server.drop(database_url)
        with admin.connect() as connection:
            for role in (runtime, owner):
                exists = connection.execute(
                    text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}
                ).first()
                if exists:
                    # Whatever it still owns or was granted on this database, then the role itself.
                    connection.execute(text(f"REASSIGN OWNED BY {_quote(role)} TO CURRENT_USER"))
                    connection.execute(text(f"DROP OWNED BY {_quote(role)}"))
                    connection.execute(text(f"DROP ROLE {_quote(role)}"))


@pytest.fixture
def as_runtime(roles: Roles) -> Iterator[Connection]:
    """A connection of the runtime role's own."""
    engine = create_engine(make_url(roles.runtime_url).set(drivername="postgresql+psycopg"))
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


@pytest.fixture
def as_admin(roles: Roles) -> Iterator[Connection]:
    """A superuser's connection to the roles' database, to look at catalogues."""
    engine = create_engine(make_url(roles.admin_url).set(drivername="postgresql+psycopg"))
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def _tables(connection: Connection) -> list[str]:
    return list(
        connection.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars()
    )


def _refused(connection: Connection, statement: str) -> str:
    """Run a statement as the runtime role; it must fail for want of privilege. Returns the message."""
    with pytest.raises(DBAPIError) as caught:
        connection.execute(text(statement))
    connection.rollback()
    error = caught.value.orig
    assert getattr(error, "sqlstate", None) == INSUFFICIENT_PRIVILEGE, (statement, error)
    return str(error)


def test_the_cli_created_a_login_role_with_a_password_that_is_no_superuser(roles, as_admin):
    assert f"runtime role {roles.runtime} granted least privilege" in roles.migrated
    role = as_admin.execute(
        text(
            "SELECT rolsuper, rolinherit, rolcanlogin, rolcreaterole, rolcreatedb, rolpassword "
            "FROM pg_authid WHERE rolname = :name"
        ),
        {"name": roles.runtime},
    ).one()
    assert (role.rolsuper, role.rolinherit, role.rolcanlogin, role.rolcreaterole, role.rolcreatedb) == (
        False,
        False,
        True,
        False,
        False,
    )
    assert _scram_matches(role.rolpassword, PASSWORD)
    owners = as_admin.execute(
        text(
            "SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class "
            "WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'S', 'i')"
        )
    ).scalars()
    assert set(owners) == {roles.owner}


def _scram_matches(verifier: str, password: str) -> bool:
    """Whether a SCRAM-SHA-256 verifier (RFC 5802, as PostgreSQL stores it) was made from `password`."""
    method, rest = verifier.split("$", 1)
    iterations_salt, keys = rest.split("$")
    iterations, salt = iterations_salt.split(":")
    stored_key, _server_key = keys.split(":")
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt), int(iterations))
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    return method == "SCRAM-SHA-256" and hashlib.sha256(client_key).digest() == base64.b64decode(stored_key)


def test_the_runtime_role_cannot_change_or_remove_the_record(roles, as_runtime, as_admin):
    before = as_admin.execute(text("SELECT count(*), max(id) FROM history_entries")).one()
    for table in APPEND_ONLY_TABLES:
        for statement in (
            f"UPDATE {table} SET {_a_column(as_admin, table)} = {_a_column(as_admin, table)}",
            f"DELETE FROM {table}",
            f"TRUNCATE {table}",
        ):
            message = _refused(as_runtime, statement)
            # The privilege refuses, before the append-only trigger would.
            assert f"permission denied for table {table}" in message, message
    owner_only = [
        "ALTER TABLE history_entries DISABLE TRIGGER ALL",
        "DROP TABLE history_entries",
        "DROP TABLE recommendations",
        f"ALTER TABLE history_entries OWNER TO {_quote(roles.runtime)}",
    ]
    for statement in owner_only:
        assert "must be owner of table" in _refused(as_runtime, statement)
    replace = (
        "CREATE OR REPLACE FUNCTION rectrack_history_append_only() RETURNS trigger LANGUAGE plpgsql "
        "AS $$ BEGIN RETURN NULL; END $$"
    )
    for statement in (replace, "CREATE TABLE public.rectrack_scratch (id integer)"):
        assert "permission denied for schema public" in _refused(as_runtime, statement)
    assert "permission denied for table recommendations" in _refused(as_runtime, "TRUNCATE recommendations")
    assert as_admin.execute(text("SELECT count(*), max(id) FROM history_entries")).one() == before


def _a_column(connection: Connection, table: str) -> str:
    return connection.execute(
        text(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' "
            "AND table_name = :table ORDER BY ordinal_position LIMIT 1"
        ),
        {"table": table},
    ).scalar_one()


def test_the_runtime_role_holds_just_the_privileges_it_needs(roles, as_admin):
    every = ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"]
    tables = _tables(as_admin)
    assert set(APPEND_ONLY_TABLES) <= set(tables)
    for table in tables:
        if table in APPEND_ONLY_TABLES:
            expected = {"SELECT", "INSERT"}
        elif table in READ_ONLY_TABLES:  # the migrations' record, and what only a trigger writes
            expected = {"SELECT"}
        else:
            expected = {"SELECT", "INSERT", "UPDATE", "DELETE"}
        held = {
            privilege
            for privilege in every
            if as_admin.execute(
                text("SELECT has_table_privilege(:role, :table, :privilege)"),
                {"role": roles.runtime, "table": f"public.{table}", "privilege": privilege},
            ).scalar_one()
        }
        assert held == expected, table
    functions = as_admin.execute(
        text(
            "SELECT p.oid::regprocedure::text, has_function_privilege(:role, p.oid, 'EXECUTE') "
            "FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace"
        ),
        {"role": roles.runtime},
    ).all()
    assert functions, "the schema has its trigger functions"
    assert {name for name, allowed in functions if allowed} == {"rectrack_withdraw(bigint)"}
    schema = as_admin.execute(
        text(
            "SELECT has_schema_privilege(:role, 'public', 'USAGE'), "
            "has_schema_privilege(:role, 'public', 'CREATE')"
        ),
        {"role": roles.runtime},
    ).one()
    assert tuple(schema) == (True, False)


def test_the_runtime_role_does_the_services_work(roles, tmp_path: Path):
    """Links evidence, records an assessment, reads, withdraws (rectrack_withdraw), signs, verifies."""
    token = make_token(roles.runtime_url, "monitor", "Runtime Monitor")
    admin = make_token(roles.runtime_url, "admin", "Runtime Admin")
    data = tmp_path / "data"
    settings = Settings(database_url=roles.runtime_url, data_dir=data, _env_file=None)
    with TestClient(create_app(settings)) as client:
        assert client.get("/readyz").status_code == 200
        linked = link(
            client,
            token,
            CODE,
            {
                "url": "https://example.org/roles-test",
                "title": "Recorded through the runtime role",
                "kind": "news",
                "relation": "progress",
                "published_on": "2024-02-01",
            },
        )
        evidence_id = linked.json()["evidence"]["id"]
        assessed = assess(
            client,
            token,
            CODE,
            {
                "status": "partially_implemented",
                "summary": "Recorded through the runtime role.",
                "effective_on": "2024-03-01",
                "evidence_ids": [evidence_id],
            },
        )
        read = client.get(f"/api/v1/recommendations/{CODE}", headers=bearer(token))
        assert read.status_code == 200 and read.json()["status"] == "partially_implemented"
        history = client.get(f"/api/v1/recommendations/{CODE}/history", headers=bearer(token)).json()
        assert [entry["kind"] for entry in history["items"]][-2:] == ["evidence_linked", "assessment"]
        withdrawn = client.post(
            f"/api/v1/history/{assessed.json()['entry']['id']}/withdrawal",
            json={"reason": "Published by mistake."},
            headers=bearer(admin) | {"If-Match": assessed.headers["etag"]},
        )
        assert withdrawn.status_code == 201, withdrawn.text
    for command in (("keys", "create"), ("checkpoint",), ("verify",)):
        run = run_cli(roles.runtime_url, *command, data_dir=data)
        assert run.returncode == 0, (command, run.stdout, run.stderr)


def test_migrate_again_grants_the_same(roles, as_admin):
    def privileges() -> list[tuple[str, str]]:
        return as_admin.execute(
            text(
                "SELECT table_name, privilege_type FROM information_schema.role_table_grants "
                "WHERE grantee = :role ORDER BY 1, 2"
            ),
            {"role": roles.runtime},
        ).all()

    before = privileges()
    run = run_cli(
        roles.runtime_url,
        "migrate",
        "--runtime-role",
        roles.runtime,
        env={"RECTRACK_MIGRATION_DATABASE_URL": roles.owner_url},
    )
    assert run.returncode == 0, run.stderr
    assert privileges() == before


def test_the_owner_or_a_superuser_cannot_be_the_runtime_role(roles):
    env = {"RECTRACK_MIGRATION_DATABASE_URL": roles.owner_url}
    itself = run_cli(roles.runtime_url, "migrate", "--runtime-role", roles.owner, env=env)
    assert itself.returncode == 1 and "is the migration role itself" in itself.stderr
    superuser = make_url(roles.admin_url).username
    refused = run_cli(roles.runtime_url, "migrate", "--runtime-role", superuser, env=env)
    assert refused.returncode == 1 and "is a superuser" in refused.stderr
    # A NOINHERIT member of the owner could still SET ROLE to it.
    member = f"{roles.runtime}_member"
    with as_admin_engine(roles) as admin:
        admin.execute(text(f"CREATE ROLE {_quote(member)} LOGIN NOINHERIT IN ROLE {_quote(roles.owner)}"))
    try:
        run = run_cli(roles.runtime_url, "migrate", "--runtime-role", member, env=env)
        assert run.returncode == 1 and "is, or is a member of" in run.stderr, run.stderr
    finally:
        with as_admin_engine(roles) as admin:
            admin.execute(text(f"DROP ROLE {_quote(member)}"))


@contextmanager
def as_admin_engine(roles: Roles) -> Iterator[Connection]:
    """A superuser's connection in autocommit, for role changes."""
    engine = create_engine(
        make_url(roles.admin_url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
    )
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


@pytest.mark.sqlite_only
def test_runtime_role_is_for_postgresql_only(database):
    run = run_cli(database.url, "migrate", "--runtime-role", "rectrack_runtime")
    assert run.returncode == 1
    assert "PostgreSQL only" in run.stderr


def test_migrate_as_the_runtime_role_succeeds_when_nothing_is_left_to_do(roles):
    """The image's CMD migrates before serving; given only the runtime URL, that must not fail at head."""
    run = run_cli(roles.runtime_url, "migrate")
    assert run.returncode == 0, run.stderr
