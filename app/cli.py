"""The `rectrack` command line: migrate, seed, serve."""

from typing import Annotated

import typer
import uvicorn
from alembic import command
from sqlmodel import Session

from app.config import get_settings
from app.db import build_engine, write_engine
from app.health import alembic_config

cli = typer.Typer(help="rectrack: track the implementation of recommendations.", no_args_is_help=True)


@cli.command()
def migrate(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Upgrade the database to the newest schema (alembic upgrade head)."""
    command.upgrade(alembic_config(get_settings().database_url), revision)
    typer.echo(f"database migrated to {revision}")


@cli.command()
def seed() -> None:
    """Load the seed data; running it again changes nothing."""
    from seed.loader import load_seed

    engine = build_engine(get_settings().database_url)
    with Session(write_engine(engine)) as session:
        result = load_seed(session)
        session.commit()
    engine.dispose()
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


def main() -> None:
    """Entry point of the console script."""
    cli()
