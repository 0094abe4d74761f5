"""What names a computed response: the ETag of scorecards, claim gaps and reports, and their cache key."""

import hashlib
import json
from datetime import date
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session

from app.history.fingerprint import data_fingerprint

# Bumped when the rendered output changes, so that cached ETags from older code stop matching.
# 2: claim gaps paged (claim_gaps holds the first page; claim_gaps_total, claim_gaps_next).
# 3: the UPR fields (matrix columns and rows, response and recommending-state groups, source-led sections).
# 4: UPR commitments (scorecard counts and broken commitments, the matrix's column).
# 5: claim gaps by class (claim_gap_counts, the claim_gap filter), the series.
OUTPUT_VERSION = 5


def response_document(
    session: Session, params: BaseModel, *, include_restricted: bool, reference: date
) -> dict[str, Any]:
    """Everything a response depends on but its kind: parameters, data state, who may see what, the date."""
    return {
        "params": params.model_dump(mode="json"),
        "data": data_fingerprint(session),
        "restricted": include_restricted,
        "reference": reference.isoformat(),
        "version": OUTPUT_VERSION,
    }


def document_key(kind: str, document: dict[str, Any]) -> str:
    """A SHA-256 of the kind and the document: the cache key."""
    return hashlib.sha256(json.dumps({"kind": kind, **document}, sort_keys=True).encode()).hexdigest()


def weak_etag(kind: str, document: dict[str, Any]) -> str:
    """The weak ETag of a response of this kind (e.g. 'scorecard.csv') for the document."""
    return f'W/"{document_key(kind, document)[:32]}"'


def response_etag(
    session: Session, kind: str, params: BaseModel, *, include_restricted: bool, reference: date
) -> str:
    """A weak ETag for a scorecard or report: the parameters, the data state and who may see what."""
    document = response_document(session, params, include_restricted=include_restricted, reference=reference)
    return weak_etag(kind, document)
