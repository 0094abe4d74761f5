"""The format-2 digests of `chain.py`, built as text from stored columns: full verification's hot path.

`chain.entry_digest` and `chain.content_commitment` build a dict and serialise it with `json.dumps`; at
millions of entries that is most of a verification's time. Here the same canonical JSON is written directly:
keys in sorted order, strings through the C encoder `json` itself uses (so escaping is identical), and the
stored payload used as it is, since the app stores canonical JSON. A mismatch is not a verdict: the caller
checks the entry again with the reference functions, so a stored payload that is valid but not canonical is
still judged by its meaning. tests/test_fast_digest.py holds both to the same answers.
"""

import hashlib
from datetime import date, datetime
from json.encoder import encode_basestring

from app.history.chain import GENESIS_PREV
from app.models import derived_alias

_sha256 = hashlib.sha256


def _string(value: str | None) -> str:
    return "null" if value is None else encode_basestring(value)


def _recorded_at(value: datetime) -> str:
    # As chain.format_recorded_at ("%Y-%m-%dT%H:%M:%S.%fZ"), without strftime's cost; years have 4 digits.
    return value.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def digest_v2(
    code: str,
    prev_hash: str | None,
    seq: int,
    kind: str,
    status: str | None,
    perspective: str | None,
    effective_on: date,
    recorded_at: datetime,
    commitment: str | None,
) -> str:
    """The hash a format-2 entry must carry (chain.entry_digest for COMMITTED_FORMAT)."""
    document = (
        f'{{"commitment":{_string(commitment)},"effective_on":"{effective_on.isoformat()}",'
        f'"format":2,"kind":{_string(kind)},"perspective":{_string(perspective)},'
        f'"recommendation":{_string(code)},"recorded_at":"{_recorded_at(recorded_at)}",'
        f'"seq":{seq},"status":{_string(status)}}}'
    )
    data = (prev_hash or GENESIS_PREV).encode("ascii") + b"\n" + document.encode("utf-8")
    return _sha256(data).hexdigest()


def commitment_of_stored(salt: str, stored_payload: str, recorded_by: int | None) -> str:
    """The commitment to a stored (canonical) payload and its recorder's derived alias
    (chain.content_commitment over models.derived_alias)."""
    content = f'{{"payload":{stored_payload},"recorded_by":{_string(derived_alias(recorded_by))}}}'
    return _sha256(bytes.fromhex(salt) + b"\n" + content.encode("utf-8")).hexdigest()
