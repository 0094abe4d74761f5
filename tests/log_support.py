"""Helpers of the log's tests: check a published checkpoint as an outsider would, read the instance's key."""

import base64
import hashlib
import time
from datetime import datetime
from pathlib import Path

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from tests import rfc9162

NOTE_HEADER = "rectrack checkpoint v1"


def private_key(data_dir: Path) -> Ed25519PrivateKey:
    """The instance's signing key, read from its data directory with `cryptography` alone."""
    key = serialization.load_pem_private_key((data_dir / "signing.key").read_bytes(), password=None)
    assert isinstance(key, Ed25519PrivateKey)
    return key


def public_key_b64(data_dir: Path) -> str:
    """The instance's raw public key, base64, as checkpoints publish it."""
    raw = (
        private_key(data_dir)
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    return base64.b64encode(raw).decode("ascii")


def assert_signed(checkpoint: dict, public_key: str, origin: str = "rectrack") -> None:
    """The signature verifies over `note` with `public_key`, the note states the checkpoint's fields, and
    `key_id` names the key."""
    assert checkpoint["public_key"] == public_key
    raw = base64.b64decode(public_key)
    Ed25519PublicKey.from_public_bytes(raw).verify(
        base64.b64decode(checkpoint["signature"]), checkpoint["note"].encode("utf-8")
    )
    assert checkpoint["key_id"] == hashlib.sha256(raw).hexdigest()[:16]
    header, note_origin, size, root, signed_at, end = checkpoint["note"].split("\n")
    assert (header, note_origin, size, root, end) == (
        NOTE_HEADER,
        origin,
        str(checkpoint["tree_size"]),
        checkpoint["root_hash"],
        "",
    )
    assert datetime.fromisoformat(signed_at) == datetime.fromisoformat(checkpoint["signed_at"])


def assert_included(proof: dict, entry: dict, checkpoint: dict) -> None:
    """An inclusion proof from the API ties the entry's hash to the checkpoint's root (tests/rfc9162.py)."""
    leaf = rfc9162.leaf_of(bytes.fromhex(entry["hash"]))
    assert proof["entry_hash"] == entry["hash"] and proof["leaf_hash"] == leaf.hex()
    assert proof["leaf_index"] == entry["leaf_index"] and proof["tree_size"] == checkpoint["tree_size"]
    assert proof["checkpoint"] == checkpoint
    path = [bytes.fromhex(node) for node in proof["audit_path"]]
    root = bytes.fromhex(checkpoint["root_hash"])
    assert rfc9162.verify_inclusion(entry["leaf_index"], checkpoint["tree_size"], leaf, path, root)


def wait_until_signed(api: httpx.Client, entry_id: int) -> tuple[dict, dict]:
    """Poll until the entry has a leaf and the latest checkpoint covers it (the upkeep runs every 0.2 s)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        (entry,) = api.get("/api/v1/history", params={"after": entry_id - 1, "limit": 1}).json()["items"]
        latest = api.get("/api/v1/checkpoints/latest")
        covered = latest.status_code == 200 and entry["leaf_index"] is not None
        if covered and latest.json()["tree_size"] > entry["leaf_index"]:
            return entry, latest.json()
        time.sleep(0.1)
    raise AssertionError(f"entry {entry_id} was not sequenced and signed within a minute")
