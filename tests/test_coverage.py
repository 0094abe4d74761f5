"""Every table and column is declared in app/history/coverage.py; every column the public sees is verified.

Driven by the table metadata (a new table or column fails until declared) and by the OpenAPI document (a new
field of any response the public may read fails until mapped to the columns it shows).
"""

import pytest
from sqlmodel import SQLModel

import app.models  # noqa: F401  (every table in the metadata)
from app.history.coverage import CHAIN_CHECKS, COVERAGE, Coverage
from app.history.state_findings import CHECKS

# What each field of each public response shows: the columns it is read from ("table.column"). An empty tuple:
# no column of its own (a nested object mapped below, a count or score computed from mapped columns, an echo
# of the request, or a fixed text).
ENTRY = ("history_entries.id", "log_leaves.entry_id")
CODE = ("recommendations.code",)
SOURCE = ("sources.slug", "recommendations.source_id")
SECTION = ("sections.number", "recommendations.section_id", "recommendations.section_number")
CATEGORIES = (
    "categories.kind",
    "recommendation_categories.recommendation_id",
    "recommendation_categories.category_id",
)
# A current translation: found by its subject and language, shown with its text.
TRANSLATION = (
    "translations.subject_kind",
    "translations.subject_id",
    "translations.language",
    "translations.text",
)
AGGREGATE = {
    field: ()
    for field in (
        "total",
        "by_status",
        "assessed",
        "score",
        "regressions",
        "evidence_coverage",
        "stale",
        "commitments",
        "claim_gap_counts",
    )
}
CHECKPOINT = {
    "tree_size": ("checkpoints.tree_size",),
    "root_hash": ("checkpoints.root_hash",),
    "signed_at": ("checkpoints.signed_at",),
    "origin": ("checkpoints.origin",),
    "key_id": ("checkpoints.key_id",),
    "public_key": ("checkpoints.public_key",),
    "signature": ("checkpoints.signature",),
    "note": (),
}
RECOMMENDATION = {
    "code": CODE,
    "source": SOURCE,
    "section": (),
    "number": ("recommendations.number",),
    "text": ("recommendations.text",),
    "status": ("recommendations.status",),
    "claimed_status": ("recommendations.claimed_status",),
    "version": ("recommendations.version",),
    "last_assessed_at": ("recommendations.last_assessed_at",),
    "addressees": CATEGORIES,
    "themes": CATEGORIES,
    "sdg_targets": CATEGORIES,
    "source_kind": ("sources.kind",),
    "recommending_states": CATEGORIES,
    "paragraph": ("recommendations.paragraph",),
    "response": ("recommendations.response",),
    "response_original": ("recommendations.response_original",),
    "action_category": ("recommendations.action_category",),
    "text_language": ("sources.language",),
    "translated_text": TRANSLATION,
    "translation": (),
}
EVIDENCE = {
    "id": ("evidence.id",),
    "url": ("evidence.url",),
    "title": ("evidence.title",),
    "kind": ("evidence.kind",),
    "published_on": ("evidence.published_on",),
}
# Which links a response lists: the active ones (unlinked_at) of a recommendation, in either column.
PAIR = (
    "recommendation_links.recommendation_id",
    "recommendation_links.other_id",
    "recommendation_links.unlinked_at",
)
LINK = {
    "strength": ("recommendation_links.strength",),
    "note": ("recommendation_links.note",),
    "linked_at": ("recommendation_links.linked_at",),
}
PUBLIC_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "RecommendationOut": RECOMMENDATION,
    "RecommendationDetailOut": RECOMMENDATION | {"evidence": (), "links": ()},
    "LinkedRecommendationOut": LINK
    | {
        "code": (*CODE, *PAIR),
        "text": ("recommendations.text",),
        "source": SOURCE,
        "source_kind": ("sources.kind",),
        "paragraph": ("recommendations.paragraph",),
        "recommending_states": CATEGORIES,
        "response": ("recommendations.response",),
    },
    "LinkPage": {"items": (), "total": (), "next_cursor": ()},
    "LinkListItem": LINK
    | {
        "recommendation": (*CODE, *PAIR),
        "source": SOURCE,
        "other": (*CODE, *PAIR),
        "other_source": SOURCE,
    },
    "RecommendationPage": {"items": (), "total": (), "next_cursor": ()},
    "SectionOut": {
        "number": ("sections.number",),
        "title": ("sections.title",),
        "translated_title": TRANSLATION,
    },
    "TranslationOut": {
        "language": TRANSLATION,
        "provenance": ("translations.provenance",),
        "translator": ("translations.translator",),
        "recorded_at": ("translations.recorded_at",),
    },
    # GET .../translations of a section's or a source's title.
    "TitleTranslations": {
        "title": ("sections.title", "sources.title"),
        "language": ("sources.language",),
        "translations": (),
    },
    "TitleTranslationOut": {
        "language": TRANSLATION,
        "text": TRANSLATION,
        "provenance": ("translations.provenance",),
        "translator": ("translations.translator",),
        "recorded_at": ("translations.recorded_at",),
    },
    "CategoryOut": {"slug": ("categories.slug",), "label": ("categories.label",)},
    "SourceOut": {
        "slug": ("sources.slug",),
        "title": ("sources.title",),
        "publisher": ("sources.publisher",),
        "published_on": ("sources.published_on",),
        "date_note": ("sources.date_note",),
        "kind": ("sources.kind",),
        "state_under_review": ("sources.state_under_review",),
        "cycle": ("sources.cycle",),
        "session": ("sources.session",),
        "reviewed_on": ("sources.reviewed_on",),
        "document_symbol": ("sources.document_symbol",),
        "language": ("sources.language",),
        "sections": ("sections.source_id",),
        "recommendations": ("recommendations.source_id",),
        "by_status": (),
    },
    "LinkedEvidenceOut": EVIDENCE
    | {
        "relation": ("recommendation_evidence.relation",),
        "visibility": ("recommendation_evidence.visibility",),
        "note": ("recommendation_evidence.note",),
        "linked_at": ("recommendation_evidence.linked_at",),
    },
    "EvidenceFound": EVIDENCE
    | {
        "visibility": ("evidence.visibility",),
        "created_at": ("evidence.created_at",),
        "links": (
            "recommendation_evidence.recommendation_id",
            "recommendation_evidence.evidence_id",
            "recommendation_evidence.unlinked_at",
        ),
    },
    "EvidenceLinkOut": {
        "recommendation": CODE,
        "relation": ("recommendation_evidence.relation",),
        "linked_at": ("recommendation_evidence.linked_at",),
    },
    "HistoryEntryOut": {
        "id": ("history_entries.id",),
        "recommendation": ("history_entries.recommendation_id", *CODE),
        "seq": ("history_entries.seq",),
        "kind": ("history_entries.kind",),
        "status": ("history_entries.status",),
        "perspective": ("history_entries.perspective",),
        "effective_on": ("history_entries.effective_on",),
        "recorded_at": ("history_entries.recorded_at",),
        "recorded_by": ("history_entries.recorded_by", "monitors.alias"),
        "recorded_by_name": (),  # viewers and above only: null for the public
        "payload": ("history_entries.payload",),
        "redacted": ("recommendation_evidence.visibility",),
        "prev_hash": ("history_entries.prev_hash",),
        "hash": ("history_entries.hash",),
        "format": ("history_entries.format",),
        "commitment": ("history_entries.commitment",),
        "salt": ("history_entries.salt",),
        "leaf_index": ("log_leaves.leaf_index", *ENTRY),
        "withdrawn": ("history_entries.payload",),
        "withdrawn_by_entry": ("history_entries.withdraws_entry_id",),
        "supersedes_entry": ("history_entries.supersedes_entry_id",),
        "corrected_by_entry": ("history_entries.supersedes_entry_id",),
    },
    "HistoryPage": {"items": ()},
    "FeedPage": {"items": (), "next_after": ("history_entries.id",)},
    "CheckpointOut": CHECKPOINT,
    "CheckpointPage": {"items": (), "next_after": ("checkpoints.tree_size",)},
    "InclusionProof": {
        "entry_id": ENTRY,
        "entry_hash": ("history_entries.hash",),
        "leaf_index": ("log_leaves.leaf_index",),
        "leaf_hash": ("log_leaves.leaf_hash",),
        "tree_size": ("checkpoints.tree_size",),
        "audit_path": ("log_leaves.leaf_hash",),
        "checkpoint": (),
    },
    "ConsistencyProof": {
        "from_size": (),
        "to_size": (),
        "proof": ("log_leaves.leaf_hash",),
        "from_checkpoint": (),
        "to_checkpoint": (),
    },
    "MatrixOut": {"as_of": (), "known_at": (), "perspective": (), "rows": ()},
    "MatrixRowOut": {
        "code": CODE,
        "source": SOURCE,
        "section": SECTION,
        "section_title": ("sections.title",),
        "number": ("recommendations.number",),
        "text": ("recommendations.text",),
        "addressees": CATEGORIES,
        "themes": CATEGORIES,
        "sdg_targets": CATEGORIES,
        "paragraph": ("recommendations.paragraph",),
        "recommending_states": CATEGORIES,
        "response": ("recommendations.response", "history_entries.response"),
        "response_original": ("recommendations.response_original",),
        "claimed_status": ("recommendations.claimed_status", "history_entries.status"),
        "independent_status": ("recommendations.status", "history_entries.status"),
        "assessment": (),
        "claim": (),
        "evidence": (),
        "upr_commitments": (),
        "claim_gap": ("recommendations.status", "recommendations.claimed_status", "history_entries.status"),
    },
    "UprRecommendationOut": {
        # Which recommendation it is linked to: the link's two ends.
        "code": CODE + ("recommendation_links.recommendation_id", "recommendation_links.other_id"),
        "text": ("recommendations.text",),
        "paragraph": ("recommendations.paragraph",),
        "source": SOURCE,
        "cycle": ("sources.cycle",),
        "session": ("sources.session",),
        "reviewed_on": ("sources.reviewed_on",),
        "document_symbol": ("sources.document_symbol",),
        "recommending_states": CATEGORIES,
        "response": ("recommendations.response", "history_entries.response"),
        "response_original": ("recommendations.response_original",),
        "strength": ("recommendation_links.strength",),
    },
    "CommitmentCounts": {
        field: ()
        for field in ("committed", "partially", "not_implemented_or_regressed", "not_assessed", "noted")
    },
    "CommitmentGapOut": {
        "code": CODE,
        "source": SOURCE,
        "section": SECTION,
        "text": ("recommendations.text",),
        "status": ("recommendations.status", "recommendations.claimed_status", "history_entries.status"),
        "partially": (),
        "commitments": (),
    },
    "CommitmentGapPage": {"items": (), "total": (), "next_cursor": ()},
    "MatrixAssessmentOut": {
        "perspective": ("history_entries.perspective",),
        "status": ("history_entries.status",),
        "summary": ("history_entries.payload",),
        "effective_on": ("history_entries.effective_on",),
        "recorded_at": ("history_entries.recorded_at",),
    },
    "MatrixEvidenceOut": {
        "title": ("evidence.title",),
        "url": ("evidence.url",),
        "published_on": ("evidence.published_on",),
        "kind": ("evidence.kind",),
        "relation": ("recommendation_evidence.relation",),
        "visibility": ("recommendation_evidence.visibility", "evidence.visibility"),
        "footnote": ("recommendation_evidence.note",),
    },
    "ScorecardOut": {
        "as_of": (),
        "known_at": (),
        "perspective": (),
        "group_by": (),
        "stale_after_days": (),
        "formula": (),
        "totals": (),
        "groups": (),
        "claim_gaps": (),
        "claim_gaps_total": (),
        "claim_gaps_next": (),
        "commitment_gaps": (),
        "commitment_gaps_total": (),
        "commitment_gaps_next": (),
    },
    "Aggregate": AGGREGATE,
    "StatusCounts": {
        status: ("recommendations.status",)
        for status in ("not_assessed", "not_implemented", "partially_implemented", "implemented", "regressed")
    },
    "GroupOut": AGGREGATE
    | {
        "key": (
            "categories.slug",
            "sections.number",
            "sources.slug",
            "recommendations.response",
            "history_entries.response",
        ),
        "label": ("categories.label", "sections.title", "sources.title"),
        "source": ("sources.slug",),
    },
    "Formula": {"name": (), "source": (), "weights": (), "excluded": (), "rules": ()},
    "ClaimGapOut": {
        "code": CODE,
        "source": SOURCE,
        "section": SECTION,
        "claimed": (),
        "independent": (),
    },
    "ClaimGapPage": {"items": (), "total": (), "next_cursor": ()},
    # The class is computed from the two statuses, each shown by its entry.
    "ClaimGapCounts": {"overclaim": (), "underclaim": (), "unassessed": ()},
    "ClaimGapClassOut": {
        "code": CODE,
        "source": SOURCE,
        "section": SECTION,
        "gap_class": ("history_entries.status", "recommendations.status", "recommendations.claimed_status"),
        "claimed": (),
        "independent": (),
    },
    "ClaimGapClassPage": {"items": (), "total": (), "next_cursor": ()},
    # Counts and scores at each step, computed from mapped columns.
    "SeriesOut": {
        "from": ("history_entries.effective_on",),
        "to": (),
        "interval": (),
        "known_at": (),
        "perspective": (),
        "group_by": (),
        "steps": (),
    },
    "SeriesStepOut": {"as_of": (), "totals": (), "groups": ()},
    "SeriesFigures": {"total": (), "by_status": (), "assessed": (), "score": ()},
    "SeriesGroupOut": {
        "total": (),
        "by_status": (),
        "assessed": (),
        "score": (),
        "key": (
            "categories.slug",
            "sections.number",
            "sources.slug",
            "recommendations.response",
            "history_entries.response",
            "recommendations.status",
        ),
        "label": ("categories.label", "sections.title", "sources.title"),
        "source": ("sources.slug",),
    },
    "EntryOut": {
        "id": ("history_entries.id",),
        "seq": ("history_entries.seq",),
        "status": ("history_entries.status",),
        "perspective": ("history_entries.perspective",),
        "effective_on": ("history_entries.effective_on",),
        "recorded_at": ("history_entries.recorded_at",),
        "summary": ("history_entries.payload",),
    },
    "StatusChangeOut": {
        "code": CODE,
        "source": SOURCE,
        "section": SECTION,
        "before": ("history_entries.status",),
        "after": ("history_entries.status",),
        "entries": (),
    },
    "SuggestionPage": {"recommendation": CODE, "source": ("sources.slug",), "items": ()},
    "SuggestionOut": {
        "code": CODE,
        "text": ("recommendations.text",),
        "source": SOURCE,
        "recommending_states": CATEGORIES,
        "response": ("recommendations.response",),
        "score": (),  # computed from the texts (their stored terms are derived from the text)
        "matched": ("recommendations.text",),
        "linked": (
            "recommendation_links.recommendation_id",
            "recommendation_links.other_id",
            "recommendation_links.unlinked_at",
        ),
    },
    "ChangesOut": {
        "since": (),
        "until": (),
        "known_at": (),
        "perspective": (),
        "total": (),
        "changes": (),
        "next_cursor": (),
    },
}


def _public_schemas(document: dict) -> dict[str, dict]:
    """Every schema a successful response to an operation open to anonymous readers can contain."""
    schemas, found = document["components"]["schemas"], {}

    def collect(node) -> None:
        if isinstance(node, dict):
            reference = node.get("$ref")
            if reference:
                name = reference.rsplit("/", 1)[1]
                if name not in found:
                    found[name] = schemas[name]
                    collect(schemas[name])
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    for operations in document["paths"].values():
        for operation in operations.values():
            if {} in operation.get("security", [{}]):
                collect({code: response for code, response in operation["responses"].items() if code < "3"})
    return {name: schema for name, schema in found.items() if schema.get("properties")}


def _columns() -> set[str]:
    return {
        f"{table.name}.{column.name}"
        for table in SQLModel.metadata.tables.values()
        for column in table.columns
    }


@pytest.mark.sqlite_only
def test_every_table_and_column_is_declared():
    declared = {f"{table}.{column}" for table, columns in COVERAGE.items() for column in columns}
    assert set(COVERAGE) == set(SQLModel.metadata.tables), "declare every table in app/history/coverage.py"
    assert _columns() - declared == set(), "declare these columns in app/history/coverage.py"
    assert declared - _columns() == set(), "these declared columns are gone from the models"


@pytest.mark.sqlite_only
def test_every_public_column_is_verified_by_a_check_that_exists():
    for table, columns in COVERAGE.items():
        for column, covered in columns.items():
            where = f"{table}.{column}"
            if covered.public:
                assert covered.coverage is Coverage.verified, f"{where} is public: verify it"
            if covered.coverage is Coverage.verified:
                assert covered.by in CHECKS or covered.by in CHAIN_CHECKS, f"{where}: no check {covered.by!r}"
            else:
                assert covered.by, f"{where}: say why it is {covered.coverage}"


@pytest.mark.sqlite_only
def test_what_public_responses_show_is_declared_public(shared_client):
    """Each field of each public response is mapped to its columns; exactly those columns are public."""
    schemas = _public_schemas(shared_client.get("/openapi.json").json())
    assert set(schemas) == set(PUBLIC_FIELDS), "map the fields of every public response in PUBLIC_FIELDS"
    for name, schema in schemas.items():
        assert set(schema["properties"]) == set(PUBLIC_FIELDS[name]), f"map every field of {name}"
    shown = {column for fields in PUBLIC_FIELDS.values() for columns in fields.values() for column in columns}
    assert shown <= _columns(), shown - _columns()
    public = {
        f"{table}.{column}"
        for table, columns in COVERAGE.items()
        for column, c in columns.items()
        if c.public
    }
    assert shown - public == set(), "shown on a public response: declare public (and verify) in coverage.py"
    assert public - shown == set(), "declared public but no public response shows it"
