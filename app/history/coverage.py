"""Where every column of every table stands with verification: a test holds this to the table metadata.

- verified: `rectrack verify` checks it against the chains or the log; `by` names the check (a name in
  state_findings.CHECKS, or "chain" for the hash chains, or "log" for the Merkle log and its checkpoints).
- bundle: not public, or not derivable from the chains; the backup bundle carries it (`by` says why).
- private: never public (monitors' names, token hashes); `by` says why.
- operational: caches, derived lookup keys, idempotency records, bookkeeping.

`public` marks the columns shown on a public API response (tests/test_coverage.py maps every field of every
public response to them): each must be verified.
"""

from dataclasses import dataclass
from enum import StrEnum

from app.history.periods import COLUMNS as PERIOD_COLUMNS
from app.history.status_pairs import COLUMNS as PAIR_COLUMNS


class Coverage(StrEnum):
    """How a column is covered."""

    verified = "verified"
    bundle = "bundle"
    private = "private"
    operational = "operational"


@dataclass(frozen=True)
class Covered:
    """One column's coverage: how, by which check or for what reason, and whether the public sees it."""

    coverage: Coverage
    by: str
    public: bool = False


CHAIN_CHECKS = {
    "chain": "the hash chains: every entry's hash, commitment, seq and link to the previous entry",
    "log": "the Merkle log: leaves in order matching their entries, roots matching signed checkpoints",
}


def verified(check: str, *, public: bool = False) -> Covered:
    """Checked by `check` (a state check, "chain" or "log")."""
    return Covered(Coverage.verified, check, public)


def bundle(why: str) -> Covered:
    """Carried by the backup bundle: not public, or not derivable from the chains."""
    return Covered(Coverage.bundle, why)


def private(why: str) -> Covered:
    """Never public."""
    return Covered(Coverage.private, why)


def operational(why: str) -> Covered:
    """A cache, lookup key or bookkeeping: rebuilt or expired, never the record."""
    return Covered(Coverage.operational, why)


SURROGATE = "surrogate key: the public names the row otherwise"
PUBLIC_ENTRY = verified("chain", public=True)

COVERAGE: dict[str, dict[str, Covered]] = {
    "sources": {
        "id": bundle(SURROGATE + " (its slug)"),
        "slug": verified("source", public=True),
        "title": verified("source", public=True),
        "publisher": verified("source", public=True),
        "published_on": verified("source", public=True),
        "url": verified("source"),
        "date_note": verified("source", public=True),
        "created_at": bundle("when the row was made: not shown, not in any entry"),
        "kind": verified("source", public=True),
        "state_under_review": verified("source", public=True),
        "cycle": verified("source", public=True),
        "session": verified("source", public=True),
        "reviewed_on": verified("source", public=True),
        "document_symbol": verified("source", public=True),
        "language": verified("source", public=True),
    },
    "sections": {
        "id": bundle(SURROGATE + " (source and number)"),
        "source_id": verified("placement", public=True),
        "number": verified("section", public=True),
        "title": verified("section", public=True),
    },
    "categories": {
        "id": bundle(SURROGATE + " (kind and slug)"),
        "kind": verified("categories", public=True),
        "slug": verified("categories", public=True),
        "label": verified("categories", public=True),
    },
    "recommendations": {
        "id": bundle(SURROGATE + " (its code)"),
        "code": verified("chain", public=True),
        "source_id": verified("placement", public=True),
        "section_id": verified("placement", public=True),
        "section_number": verified("placement", public=True),
        "number": verified("placement", public=True),
        "text": verified("text", public=True),
        "search_text": operational("the case-folded code and text that `q` searches: derived, never shown"),
        "status": verified("status", public=True),
        "claimed_status": verified("claimed_status", public=True),
        "version": verified("version", public=True),
        "last_assessed_at": verified("last_assessed_at", public=True),
        "created_at": verified("created_at"),
        "updated_at": bundle("when the row last changed: not shown, not in any entry"),
        "paragraph": verified("upr_fields", public=True),
        "response": verified("response", public=True),
        "response_original": verified("response", public=True),
        "action_category": verified("upr_fields", public=True),
        "external_id": operational(
            "an import format's id for the row (the UHRI annotation id): a lookup key"
        ),
        "match_key": operational("a digest of the source, recommending states and text: a lookup key"),
        "terms": operational(
            "the text's terms that `q` and suggestions match: derived (`rectrack reindex`), never shown"
        ),
        # What current scorecards count (docs/design.md, "Maintained state"): only their aggregates are shown.
        "status_effective_on": verified("maintained"),
        "claimed_effective_on": verified("maintained"),
        "coverage_links_public": verified("maintained"),
        "coverage_links_restricted": verified("maintained"),
        "claim_gap_class": verified("maintained"),
        "coverage_public_since": verified("maintained"),
        "coverage_restricted_since": verified("maintained"),
    },
    "translations": {
        "id": bundle(SURROGATE + " (its subject, language and position)"),
        "subject_kind": verified("translations", public=True),
        "subject_id": verified("translations", public=True),
        "language": verified("translations", public=True),
        "text": verified("translations", public=True),
        "provenance": verified("translations", public=True),
        "translator": verified("translations", public=True),
        "terms": operational("the translated text's terms that `q` matches: derived, never shown"),
        "recorded_at": verified("translations", public=True),
        "recorded_by": verified("translations"),
        "superseded_at": verified("translations"),
    },
    "recommendation_categories": {
        "recommendation_id": verified("categories", public=True),
        "category_id": verified("categories", public=True),
        "source_id": operational("the recommendation's natural-order position, copied for the list's seek"),
        "section_number": operational(
            "the recommendation's natural-order position, copied for the list's seek"
        ),
        "number": operational("the recommendation's natural-order position, copied for the list's seek"),
    },
    "monitors": {
        "id": verified("aliases"),
        "name": private("a monitor's real name: only viewers and admins see it"),
        "alias": verified("aliases", public=True),
        "role": private("what a monitor may do"),
        "created_at": private("when a monitor was added"),
        "disabled_at": private("when a monitor was disabled"),
        "session_epoch": operational("ends browser sessions signed before it"),
    },
    "api_tokens": {
        "id": private("a token's id, shown to its owner and admins"),
        "monitor_id": private("whose token it is"),
        "prefix": private("recognises a token for its owner"),
        "token_hash": private("the SHA-256 of a token"),
        "label": private("the owner's note on a token"),
        "created_at": private("when a token was issued"),
        "last_used_at": operational("written at most once a minute as tokens are used"),
        "revoked_at": private("when a token was revoked"),
    },
    "evidence": {
        "id": verified("links", public=True),
        "url": verified("evidence", public=True),
        "url_normalised": operational("the lookup key, the URL normalised: derived from url"),
        "title": verified("evidence", public=True),
        "kind": verified("evidence", public=True),
        "published_on": verified("evidence", public=True),
        "visibility": verified("evidence", public=True),
        "created_at": verified("evidence", public=True),
        "created_by": private("who recorded an item: who holds a source is itself a signal"),
    },
    "recommendation_evidence": {
        "id": bundle(SURROGATE + " (recommendation, item and position)"),
        "recommendation_id": verified("links", public=True),
        "evidence_id": verified("links", public=True),
        "relation": verified("links", public=True),
        "visibility": verified("links", public=True),
        "note": verified("links", public=True),
        "linked_at": verified("links", public=True),
        "linked_by": verified("links"),
        "unlinked_at": verified("links", public=True),
        "unlinked_by": verified("links"),
        "unlink_reason": verified("links"),
        "evidence_published_on": verified("links"),
    },
    "recommendation_links": {
        "id": bundle(SURROGATE + " (its two recommendations and position)"),
        "recommendation_id": verified("recommendation_links", public=True),
        "other_id": verified("recommendation_links", public=True),
        "strength": verified("recommendation_links", public=True),
        "note": verified("recommendation_links", public=True),
        "linked_at": verified("recommendation_links", public=True),
        "linked_by": verified("recommendation_links"),
        "unlinked_at": verified("recommendation_links", public=True),
        "unlinked_by": verified("recommendation_links"),
        "unlink_reason": verified("recommendation_links"),
    },
    "history_entries": {
        "id": verified("log", public=True),
        "recommendation_id": PUBLIC_ENTRY,
        "seq": PUBLIC_ENTRY,
        "kind": PUBLIC_ENTRY,
        "status": PUBLIC_ENTRY,
        "perspective": PUBLIC_ENTRY,
        "response": verified("response", public=True),  # the payload's response, for responses as of a date
        "effective_on": PUBLIC_ENTRY,
        "recorded_at": PUBLIC_ENTRY,
        "recorded_by": PUBLIC_ENTRY,
        "payload": PUBLIC_ENTRY,
        "prev_hash": PUBLIC_ENTRY,
        "hash": PUBLIC_ENTRY,
        "format": PUBLIC_ENTRY,
        "salt": PUBLIC_ENTRY,
        "commitment": PUBLIC_ENTRY,
        "withdraws_entry_id": PUBLIC_ENTRY,
        # A correction's payload names the entry it supersedes (id, seq, hash, kind): the chain check holds
        # the column to it, and the state checks count statuses and links without the superseded entry.
        "supersedes_entry_id": PUBLIC_ENTRY,
        "transaction_id": operational(
            "the PostgreSQL transaction that wrote the entry (a trigger sets it): the feed's and the "
            "sequencer's order up to the oldest running transaction; leaf indices, once given, are verified"
        ),
    },
    "log_leaves": {
        "leaf_index": verified("log", public=True),
        "entry_id": verified("log", public=True),
        "leaf_hash": verified("log", public=True),
        "sequenced_at": bundle("when the sequencer gave the index: not shown, not in any hash"),
    },
    "checkpoints": {
        "id": bundle(SURROGATE + " (its tree size)"),
        "tree_size": verified("log", public=True),
        "root_hash": verified("log", public=True),
        "signed_at": verified("log", public=True),
        "origin": verified("log", public=True),
        "key_id": verified("checkpoints", public=True),
        "public_key": verified("log", public=True),
        "signature": verified("log", public=True),
        "frontier": operational(
            "where the next checkpoint resumes hashing; a wrong one gives a root that the "
            "full verification's recomputed tree refutes"
        ),
    },
    "idempotency_records": {
        column: operational("a first response replayed to retries for 48 hours")
        for column in (
            "id",
            "monitor_id",
            "token_id",
            "key",
            "request_fingerprint",
            "status_code",
            "headers",
            "body",
            "created_at",
        )
    },
    "status_periods": {
        "id": operational("a surrogate key: rows are compared by their values"),
        **{column: verified("periods") for column in PERIOD_COLUMNS},
    },
    "status_pairs": {column: verified("pairs") for column in PAIR_COLUMNS},
    "past_scorecards": {
        column: operational(
            "a settled past scorecard kept across restarts: recomputed from the history on demand"
        )
        for column in ("key", "body", "created_at")
    },
}
