"""The hash chain: canonical JSON of an entry and the SHA-256 that links it to the previous one.

docs/design.md, "The hash chain": format 1 hashes the payload itself, format 2 a salted commitment to it.
"""

import hashlib
import json
import secrets
from datetime import date, datetime
from typing import Any, Protocol

GENESIS_PREV = ""
LEGACY_FORMAT = 1
COMMITTED_FORMAT = 2
SALT_BYTES = 32
WITHDRAWN_PAYLOAD = "null"  # a withdrawn entry's payload column: JSON null


def canonical_json(value: Any) -> str:
    """JSON with sorted keys, no insignificant whitespace and raw UTF-8: one text per value."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def format_recorded_at(value: datetime) -> str:
    """A recording time as hashed: UTC, microseconds, 'Z'."""
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class ChainedEntry(Protocol):
    """The fields of a history entry that its hash covers, besides the code and the payload (read only)."""

    @property
    def seq(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def status(self) -> str | None: ...
    @property
    def perspective(self) -> str | None: ...
    @property
    def effective_on(self) -> date: ...
    @property
    def recorded_at(self) -> datetime: ...
    @property
    def recorded_by(self) -> int | None: ...
    @property
    def prev_hash(self) -> str | None: ...
    @property
    def format(self) -> int: ...
    @property
    def commitment(self) -> str | None: ...


def stored_payload(text: str) -> dict[str, Any]:
    """An entry's payload as stored; an empty one once withdrawn."""
    payload = json.loads(text)
    return payload if isinstance(payload, dict) else {}


def new_salt() -> str:
    """A fresh random salt for one entry's commitment (hex)."""
    return secrets.token_hex(SALT_BYTES)


def content_commitment(salt: str, payload: Any, recorded_by_alias: str | None) -> str:
    """SHA-256 over the salt and the content a format-2 entry commits to: its payload and who recorded it."""
    content = canonical_json({"payload": payload, "recorded_by": recorded_by_alias})
    return hashlib.sha256(bytes.fromhex(salt) + b"\n" + content.encode("utf-8")).hexdigest()


def entry_document(code: str, entry: ChainedEntry, payload: Any) -> dict[str, Any]:
    """The document a history entry's hash covers (`payload` is only read for format 1)."""
    document: dict[str, Any] = {
        "recommendation": code,
        "seq": entry.seq,
        "kind": entry.kind,
        "status": entry.status,
        "perspective": entry.perspective,
        "effective_on": entry.effective_on.isoformat(),
        "recorded_at": format_recorded_at(entry.recorded_at),
    }
    if entry.format == LEGACY_FORMAT:
        document.update(recorded_by=entry.recorded_by, payload=payload)
    else:
        document.update(format=entry.format, commitment=entry.commitment)
    return document


def entry_digest(code: str, entry: ChainedEntry, payload: Any) -> str:
    """The hash an entry must carry: over the previous entry's hash and this entry's document."""
    return entry_hash(entry.prev_hash, entry_document(code, entry, payload))


def entry_hash(prev_hash: str | None, document: dict[str, Any]) -> str:
    """SHA-256 over the previous entry's hash and this entry's canonical JSON."""
    data = (prev_hash or GENESIS_PREV).encode("ascii") + b"\n" + canonical_json(document).encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def chains_root(heads: list[tuple[str, str]]) -> str:
    """One digest over every chain's head (code, hash), sorted by code: publish it to prove no rewrite."""
    digest = hashlib.sha256()
    for code, head_hash in sorted(heads):
        digest.update(f"{code}:{head_hash}\n".encode())
    return digest.hexdigest()
