"""The hash chain: canonical JSON of an entry and the SHA-256 that links it to the previous one."""

import hashlib
import json
from datetime import date, datetime
from typing import Any, Protocol

GENESIS_PREV = ""


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


def entry_document(code: str, entry: ChainedEntry, payload: Any) -> dict[str, Any]:
    """The document a history entry's hash covers."""
    return {
        "recommendation": code,
        "seq": entry.seq,
        "kind": entry.kind,
        "status": entry.status,
        "perspective": entry.perspective,
        "effective_on": entry.effective_on.isoformat(),
        "recorded_at": format_recorded_at(entry.recorded_at),
        "recorded_by": entry.recorded_by,
        "payload": payload,
    }


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
