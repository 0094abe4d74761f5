"""The server's log upkeep: sequence new entries every few seconds, sign a checkpoint after writes."""

import asyncio
import logging
from datetime import timedelta

import anyio
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from app.config import Settings
from app.db import utcnow, write_engine
from app.history.checkpoints import latest_checkpoint, sign_checkpoint
from app.history.log import has_pending, sequence, tree_size

logger = logging.getLogger("rectrack.log")


def maintain_log(engine: Engine, key: Ed25519PrivateKey | None, settings: Settings) -> None:
    """One round: give pending entries their leaves; sign a checkpoint if the tree grew and one is due."""
    with Session(engine) as read:  # most rounds find nothing to do: no write lock for them
        pending = has_pending(read)
        latest = latest_checkpoint(read)
        size = tree_size(read)
    signing = key is not None and settings.checkpoint_interval_minutes > 0
    due = signing and (
        latest is None
        or utcnow() - latest.signed_at >= timedelta(minutes=settings.checkpoint_interval_minutes)
    )
    if not pending and not (due and size > (latest.tree_size if latest else 0)):
        return
    with Session(write_engine(engine), expire_on_commit=False) as session:
        sequence(session)
        session.commit()
        if due and key is not None:
            sign_checkpoint(session, key, settings.log_origin)
            session.commit()


async def run_log_upkeep(engine: Engine, key: Ed25519PrivateKey | None, settings: Settings) -> None:
    """Run `maintain_log` every `sequence_interval_seconds` until cancelled."""
    while True:
        await asyncio.sleep(settings.sequence_interval_seconds)
        try:
            await anyio.to_thread.run_sync(maintain_log, engine, key, settings)
        except OperationalError as error:  # a busy database: the next round catches up
            logger.warning("log upkeep postponed: %s", error.orig.__class__.__name__)
