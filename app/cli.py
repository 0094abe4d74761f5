"""The `rectrack` command line: migrate, seed, serve."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
import uvicorn
from alembic import command
from sqlmodel import Session

from app.config import get_settings
from app.db import build_engine, write_engine
from app.errors import ProblemError
from app.health import alembic_config
from app.history.verify import verify_chains
from app.monitors import service as monitors
from app.vocabulary import Role

cli = typer.Typer(
    help="rectrack: track the implementation of recommendations.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
monitors_cli = typer.Typer(help="Manage monitors.", no_args_is_help=True)
tokens_cli = typer.Typer(help="Manage API tokens.", no_args_is_help=True)
cli.add_typer(monitors_cli, name="monitors")
cli.add_typer(tokens_cli, name="tokens")


@contextmanager
def write_session() -> Iterator[Session]:
    """A session on the configured database that commits on success."""
    engine = build_engine(get_settings().database_url)
    try:
        with Session(write_engine(engine)) as session:
            yield session
            session.commit()
    finally:
        engine.dispose()


@cli.command()
def migrate(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Upgrade the database to the newest schema (alembic upgrade head)."""
    command.upgrade(alembic_config(get_settings().database_url), revision)
    typer.echo(f"database migrated to {revision}")


@cli.command()
def seed() -> None:
    """Load the seed data; running it again changes nothing."""
    from seed.loader import load_seed

    with write_session() as session:
        result = load_seed(session)
    added = ", ".join(f"{name} {count}" for name, count in vars(result).items() if count)
    typer.echo(f"seed: added {added}" if added else "seed: nothing to add, the database already has it")


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to bind.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Serve the API and pages with uvicorn."""
    uvicorn.run(
        "app.main:create_app", factory=True, host=host, port=port, workers=workers, proxy_headers=True
    )


@monitors_cli.command("create")
def monitors_create(
    name: Annotated[str, typer.Argument(help="The monitor's name (never shown to the public).")],
    role: Annotated[
        Role, typer.Option(help="viewer reads restricted data, monitor also writes, admin manages.")
    ] = (Role.monitor),
) -> None:
    """Create a monitor and print their first token, once, on its own line."""
    with write_session() as session:
        monitor = monitors.create_monitor(session, name.strip(), role)
        token, plain = monitors.issue_token(session, monitor.id, label="created by the CLI")
        alias, monitor_id, token_id = monitor.alias, monitor.id, token.id
    # Printed only after the commit: a token that was not saved must never be handed out.
    typer.echo(
        f"created {alias} (id {monitor_id}, role {role.value}); token id {token_id}, shown once:", err=True
    )
    typer.echo(plain)


@monitors_cli.command("list")
def monitors_list() -> None:
    """List monitors with their tokens (never the tokens' values)."""
    with write_session() as session:
        rows = monitors.list_monitors(session)
    for row in rows:
        typer.echo(f"{row['id']:>4}  {row['alias']:<14} {row['role']:<8} {row['name']}")
        for token in row["tokens"]:
            state = "revoked" if token["revoked_at"] else "active"
            used = token["last_used_at"].isoformat() if token["last_used_at"] else "never used"
            typer.echo(f"        token {token['id']:>4} {token['prefix']}…  {state}, {used}")


@tokens_cli.command("revoke")
def tokens_revoke(
    token_id: Annotated[int, typer.Argument(help="The token's id (see monitors list).")],
) -> None:
    """Revoke a token at once."""
    with write_session() as session:
        monitors.revoke_token(session, token_id, by=None)
    typer.echo(f"token {token_id} revoked")


@cli.command()
def verify() -> None:
    """Recompute every hash chain; exit 1 if any is broken. Publish the root to prove nothing changes."""
    with write_session() as session:
        report = verify_chains(session)
    typer.echo(json.dumps(report, indent=2, default=str))
    raise typer.Exit(0 if report["ok"] else 1)


def main() -> None:
    """Entry point of the console script."""
    try:
        cli()
    except ProblemError as error:
        typer.echo(f"error: {error.detail}", err=True)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
