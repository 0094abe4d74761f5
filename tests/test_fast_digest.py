"""The verification's fast path gives the reference functions' answers (app/history/fast_digest.py)."""

import json
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.history.chain import COMMITTED_FORMAT, canonical_json, content_commitment, entry_digest, new_salt
from app.history.fast_digest import commitment_of_stored, digest_v2
from app.models import derived_alias

texts = st.text(max_size=40)  # quotes, backslashes, control characters, Cyrillic, astral planes
optional_texts = st.none() | texts
moments = st.datetimes(
    min_value=datetime(1000, 1, 1), max_value=datetime(9999, 12, 31), timezones=st.just(UTC)
)
payloads = st.dictionaries(texts, st.none() | st.booleans() | st.integers() | texts, max_size=4)


@pytest.mark.sqlite_only
@settings(max_examples=300, deadline=None)
@given(
    code=texts,
    prev=st.none() | st.text("0123456789abcdef", min_size=64, max_size=64),
    seq=st.integers(1, 10**9),
    kind=texts,
    status=optional_texts,
    perspective=optional_texts,
    effective_on=st.dates(min_value=date(1000, 1, 1)),
    recorded_at=moments,
    commitment=optional_texts,
)
def test_the_fast_digest_is_the_reference_digest(
    code, prev, seq, kind, status, perspective, effective_on, recorded_at, commitment
):
    entry = SimpleNamespace(
        seq=seq,
        kind=kind,
        status=status,
        perspective=perspective,
        effective_on=effective_on,
        recorded_at=recorded_at,
        recorded_by=None,
        prev_hash=prev,
        format=COMMITTED_FORMAT,
        commitment=commitment,
    )
    fast = digest_v2(code, prev, seq, kind, status, perspective, effective_on, recorded_at, commitment)
    assert fast == entry_digest(code, entry, None)


@pytest.mark.sqlite_only
@settings(max_examples=300, deadline=None)
@given(payload=payloads, recorded_by=st.none() | st.integers(1, 10**6))
def test_the_fast_commitment_is_the_reference_commitment_for_canonical_payloads(payload, recorded_by):
    salt = new_salt()
    reference = content_commitment(salt, payload, derived_alias(recorded_by))
    assert commitment_of_stored(salt, canonical_json(payload), recorded_by) == reference
    # A stored payload that means the same but is not canonical misses the fast path (the reference decides).
    if payload:
        spaced = json.dumps(payload, ensure_ascii=True, indent=1)
        assert (commitment_of_stored(salt, spaced, recorded_by) == reference) == (
            spaced == canonical_json(payload)
        )
