"""The signing secret shared by every worker: configured, or generated once and kept in the database."""

import secrets

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from app.db import is_postgres, utcnow, write_engine
from app.models import WebSecret

SESSION_SECRET = "session"


def stored_secret(engine: Engine, name: str = SESSION_SECRET) -> str:
    """The named secret, created on first use; concurrent first uses all end up with the same one."""
    insert = pg_insert if is_postgres(engine) else sqlite_insert
    with Session(write_engine(engine)) as session:
        # ON CONFLICT DO NOTHING then SELECT: whichever worker inserts first wins, the others read it.
        session.execute(
            insert(WebSecret)
            .values(name=name, value=secrets.token_urlsafe(48), created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["name"])
        )
        session.commit()
        return session.execute(select(col(WebSecret.value)).where(col(WebSecret.name) == name)).scalar_one()
