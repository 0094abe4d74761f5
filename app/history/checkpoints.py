"""Signed checkpoints: the log's size and root at a time, signed with the instance's Ed25519 key."""

import base64
import hashlib
import json
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select
from sqlmodel import Session, col

from app.db import utcnow
from app.history.chain import format_recorded_at
from app.history.log import frontier_at, sequence
from app.models import Checkpoint

NOTE_HEADER = "rectrack checkpoint v1"


def public_key_text(key: Ed25519PublicKey) -> str:
    """The raw public key, base64."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def key_id(public_key: str) -> str:
    """A short name of a public key: the first 8 bytes of SHA-256 over its raw bytes, hex."""
    return hashlib.sha256(base64.b64decode(public_key)).hexdigest()[:16]


def signed_note(origin: str, tree_size: int, root_hash: str, signed_at: datetime) -> str:
    """The exact text a checkpoint's signature covers, one field per line."""
    return f"{NOTE_HEADER}\n{origin}\n{tree_size}\n{root_hash}\n{format_recorded_at(signed_at)}\n"


def sign_checkpoint(session: Session, key: Ed25519PrivateKey, origin: str) -> Checkpoint:
    """Sequence what is pending, then sign and store a checkpoint of the whole log (or return the latest
    one when nothing was added since)."""
    sequence(session)
    latest = latest_checkpoint(session)
    frontier = frontier_at(session, latest if _frontier_matches(session, latest) else None)
    if latest is not None and frontier.size == latest.tree_size:
        return latest
    root = frontier.root().hex()
    signed_at = utcnow()
    public_key = public_key_text(key.public_key())
    signature = key.sign(signed_note(origin, frontier.size, root, signed_at).encode("utf-8"))
    checkpoint = Checkpoint(
        tree_size=frontier.size,
        root_hash=root,
        signed_at=signed_at,
        origin=origin,
        key_id=key_id(public_key),
        public_key=public_key,
        signature=base64.b64encode(signature).decode("ascii"),
        frontier=json.dumps(frontier.to_json()),
    )
    session.add(checkpoint)
    session.flush()
    return checkpoint


def _frontier_matches(session: Session, checkpoint: Checkpoint | None) -> bool:
    """True when a checkpoint's stored frontier gives its signed root: else never sign on top of it."""
    if checkpoint is None:
        return False
    try:
        return frontier_at(session, checkpoint, checkpoint.tree_size).root().hex() == checkpoint.root_hash
    except ValueError:
        return False


def latest_checkpoint(session: Session) -> Checkpoint | None:
    """The checkpoint of the largest tree, or None before the first."""
    return session.scalars(select(Checkpoint).order_by(col(Checkpoint.tree_size).desc()).limit(1)).first()


def list_checkpoints(session: Session, *, after: int, limit: int) -> list[Checkpoint]:
    """Checkpoints by tree size, after the given size."""
    statement = (
        select(Checkpoint)
        .where(col(Checkpoint.tree_size) > after)
        .order_by(col(Checkpoint.tree_size))
        .limit(limit)
    )
    return list(session.scalars(statement))


def checkpoint_view(checkpoint: Checkpoint) -> dict[str, Any]:
    """A checkpoint as published: what to keep elsewhere to check this log later."""
    return {
        "tree_size": checkpoint.tree_size,
        "root_hash": checkpoint.root_hash,
        "signed_at": checkpoint.signed_at,
        "origin": checkpoint.origin,
        "key_id": checkpoint.key_id,
        "public_key": checkpoint.public_key,
        "signature": checkpoint.signature,
        "note": signed_note(
            checkpoint.origin, checkpoint.tree_size, checkpoint.root_hash, checkpoint.signed_at
        ),
    }


def signature_valid(published: dict[str, Any], public_key: str | None = None) -> bool:
    """True when a published checkpoint's signature verifies with `public_key` (default: the one it names)."""
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key or published["public_key"]))
        signed_at = published["signed_at"]
        if isinstance(signed_at, str):
            signed_at = datetime.fromisoformat(signed_at.replace("Z", "+00:00"))
        note = signed_note(
            published["origin"], int(published["tree_size"]), published["root_hash"], signed_at
        )
        key.verify(base64.b64decode(published["signature"]), note.encode("utf-8"))
    except (InvalidSignature, ValueError, KeyError, TypeError):
        return False
    return True
