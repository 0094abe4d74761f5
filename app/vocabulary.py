"""The domain's closed word lists (DESIGN.md vocabulary), shared by models, schemas and scoring.

Each list people read has one label table here (English message ids, marked with their vocabulary as
context), translated where it is shown with `label()`; JSON serves the English labels unchanged.
"""

from enum import StrEnum
from functools import lru_cache

from babel.support import NullTranslations

from app.i18n.translation import NP_, current_locale, translations


class Status(StrEnum):
    """How far a recommendation has been implemented."""

    not_assessed = "not_assessed"
    not_implemented = "not_implemented"
    partially_implemented = "partially_implemented"
    implemented = "implemented"
    regressed = "regressed"


STATUS_LABELS: dict[str, str] = {
    Status.not_assessed: NP_("status", "Not assessed"),
    Status.not_implemented: NP_("status", "Not implemented"),
    Status.partially_implemented: NP_("status", "Partially implemented"),
    Status.implemented: NP_("status", "Implemented"),
    Status.regressed: NP_("status", "Regressed"),
}


def status_label(status: str | None) -> str:
    """A status as people read it in the current locale, e.g. 'Partially implemented'."""
    return label("status", status or Status.not_assessed.value)


# How far each assessed status goes, for comparing the state's claim with the monitors' finding.
STATUS_RANK: dict[str, int] = {
    Status.implemented: 3,
    Status.partially_implemented: 2,
    Status.not_implemented: 1,
    Status.regressed: 0,
}


class ClaimGapClass(StrEnum):
    """How the state's claim differs from the independent status (only where the state has claimed)."""

    overclaim = "overclaim"
    underclaim = "underclaim"
    unassessed = "unassessed"


CLAIM_GAP_LABELS: dict[str, str] = {
    ClaimGapClass.overclaim: NP_("claim_gap", "The state claims more"),
    ClaimGapClass.underclaim: NP_("claim_gap", "The state claims less"),
    ClaimGapClass.unassessed: NP_("claim_gap", "Claimed, not yet assessed by monitors"),
}


def claim_gap_class(claimed: str | None, independent: str | None) -> ClaimGapClass | None:
    """The one definition of a claim gap: None when the state has not claimed or the two agree.

    Statuses rank implemented > partially implemented > not implemented > regressed; a claim ranked above the
    monitors' status is an overclaim, below it an underclaim; a claim the monitors have not assessed is
    `unassessed`. SQL filters and counts follow the same rule (app.claim_classes).
    """
    if claimed is None or claimed == Status.not_assessed:
        return None
    if independent is None or independent == Status.not_assessed:
        return ClaimGapClass.unassessed
    if STATUS_RANK[claimed] > STATUS_RANK[independent]:
        return ClaimGapClass.overclaim
    if STATUS_RANK[claimed] < STATUS_RANK[independent]:
        return ClaimGapClass.underclaim
    return None


class Perspective(StrEnum):
    """Whose judgement an assessment records."""

    independent = "independent"
    state = "state"
    un = "un"
    other = "other"


PERSPECTIVE_LABELS: dict[str, str] = {
    Perspective.independent: NP_("perspective", "Independent (monitors)"),
    Perspective.state: NP_("perspective", "State's claim"),
    Perspective.un: NP_("perspective", "UN body"),
    Perspective.other: NP_("perspective", "Other"),
}
# Who made the assessments, as it reads inside a sentence ("as assessed by independent monitors") and in
# the reports' column headers ("Latest assessment (UN bodies)").
ASSESSOR_LABELS: dict[str, str] = {
    Perspective.independent: NP_("assessor", "independent monitors"),
    Perspective.state: NP_("assessor", "the state"),
    Perspective.un: NP_("assessor", "UN bodies"),
    Perspective.other: NP_("assessor", "others"),
}


class ScorePerspective(StrEnum):
    """The perspectives a scorecard or matrix can be computed from."""

    independent = "independent"
    state = "state"
    un = "un"


class AssessedStatus(StrEnum):
    """The statuses an assessment can record (not_assessed is the absence of one)."""

    not_implemented = "not_implemented"
    partially_implemented = "partially_implemented"
    implemented = "implemented"
    regressed = "regressed"


class GroupBy(StrEnum):
    """How a scorecard groups recommendations."""

    section = "section"
    theme = "theme"
    addressee = "addressee"
    sdg = "sdg"
    status = "status"
    source = "source"
    recommending_state = "recommending_state"
    response = "response"


class MatrixGroupBy(StrEnum):
    """How a printed matrix groups its rows under headings."""

    section = "section"
    theme = "theme"
    source = "source"


class CategoryKind(StrEnum):
    """How recommendations are categorised: addressee, theme, SDG target, and the state that made them."""

    addressee = "addressee"
    theme = "theme"
    sdg = "sdg"
    recommending_state = "recommending_state"


class SourceKind(StrEnum):
    """What sort of body or review a source's recommendations come from."""

    ngo_report = "ngo_report"
    upr_review = "upr_review"
    treaty_body = "treaty_body"
    special_procedure = "special_procedure"
    other = "other"


SOURCE_KIND_LABELS: dict[str, str] = {
    SourceKind.ngo_report: NP_("source_kind", "NGO report"),
    SourceKind.upr_review: NP_("source_kind", "Universal Periodic Review"),
    SourceKind.treaty_body: NP_("source_kind", "Treaty body"),
    SourceKind.special_procedure: NP_("source_kind", "Special procedure"),
    SourceKind.other: NP_("source_kind", "Other"),
}


class Response(StrEnum):
    """The state's position on a recommendation it received."""

    supported = "supported"
    partially_supported = "partially_supported"
    noted = "noted"
    pending = "pending"
    unclear = "unclear"


RESPONSE_LABELS: dict[str, str] = {
    Response.supported: NP_("response", "Supported"),
    Response.partially_supported: NP_("response", "Partially supported"),
    Response.noted: NP_("response", "Noted"),
    Response.pending: NP_("response", "Pending"),
    Response.unclear: NP_("response", "Unclear"),
}


# UPR Info's scale of the action a recommendation asks for, keyed by the number as text.
ACTION_CATEGORY_LABELS: dict[str, str] = {
    "1": NP_("action_category", "1: minimal action"),
    "2": NP_("action_category", "2: continuing action"),
    "3": NP_("action_category", "3: considering action"),
    "4": NP_("action_category", "4: general action"),
    "5": NP_("action_category", "5: specific action"),
}


class EvidenceKind(StrEnum):
    """What sort of document an evidence item is."""

    law = "law"
    court_decision = "court_decision"
    news = "news"
    ngo_report = "ngo_report"
    un_document = "un_document"
    official_statement = "official_statement"
    other = "other"


EVIDENCE_KIND_LABELS: dict[str, str] = {
    EvidenceKind.law: NP_("evidence_kind", "Law"),
    EvidenceKind.court_decision: NP_("evidence_kind", "Court decision"),
    EvidenceKind.news: NP_("evidence_kind", "News"),
    EvidenceKind.ngo_report: NP_("evidence_kind", "NGO report"),
    EvidenceKind.un_document: NP_("evidence_kind", "UN document"),
    EvidenceKind.official_statement: NP_("evidence_kind", "Official statement"),
    EvidenceKind.other: NP_("evidence_kind", "Other"),
}


class Visibility(StrEnum):
    """Who may see an evidence item."""

    public = "public"
    restricted = "restricted"


VISIBILITY_LABELS: dict[str, str] = {
    Visibility.public: NP_("visibility", "Public"),
    Visibility.restricted: NP_("visibility", "Restricted"),
}


class Relation(StrEnum):
    """How an evidence item bears on a recommendation."""

    baseline = "baseline"
    progress = "progress"
    regression = "regression"
    context = "context"


RELATION_LABELS: dict[str, str] = {
    Relation.baseline: NP_("relation", "Baseline"),
    Relation.progress: NP_("relation", "Progress"),
    Relation.regression: NP_("relation", "Regression"),
    Relation.context: NP_("relation", "Context"),
}


class HistoryKind(StrEnum):
    """What a history entry records."""

    genesis = "genesis"
    assessment = "assessment"
    evidence_linked = "evidence_linked"
    evidence_unlinked = "evidence_unlinked"
    recommendation_linked = "recommendation_linked"
    recommendation_unlinked = "recommendation_unlinked"
    response_recorded = "response_recorded"
    text_changed = "text_changed"
    translation_recorded = "translation_recorded"
    correction = "correction"
    withdrawal = "withdrawal"


HISTORY_KIND_LABELS: dict[str, str] = {
    HistoryKind.genesis: NP_("history_kind", "Recorded from the source report"),
    HistoryKind.assessment: NP_("history_kind", "Assessment"),
    HistoryKind.evidence_linked: NP_("history_kind", "Evidence linked"),
    HistoryKind.evidence_unlinked: NP_("history_kind", "Evidence unlinked"),
    HistoryKind.recommendation_linked: NP_("history_kind", "Linked to another recommendation"),
    HistoryKind.recommendation_unlinked: NP_("history_kind", "Unlinked from another recommendation"),
    HistoryKind.response_recorded: NP_("history_kind", "State's response recorded"),
    HistoryKind.text_changed: NP_("history_kind", "Text changed"),
    HistoryKind.translation_recorded: NP_("history_kind", "Translation recorded"),
    HistoryKind.correction: NP_("history_kind", "Correction"),
    HistoryKind.withdrawal: NP_("history_kind", "Content withdrawn"),
}


class LinkStrength(StrEnum):
    """How closely two recommendations from different sources ask for the same thing."""

    same_measure = "same_measure"
    related = "related"


LINK_STRENGTH_LABELS: dict[str, str] = {
    LinkStrength.same_measure: NP_("link_strength", "Same measure"),
    LinkStrength.related: NP_("link_strength", "Related"),
}


class Role(StrEnum):
    """What a monitor may do: viewer < monitor < admin."""

    viewer = "viewer"
    monitor = "monitor"
    admin = "admin"


ROLE_RANK = {Role.viewer: 1, Role.monitor: 2, Role.admin: 3}

ROLE_LABELS: dict[str, str] = {
    Role.viewer: NP_("role", "viewer"),
    Role.monitor: NP_("role", "monitor"),
    Role.admin: NP_("role", "admin"),
}


class TranslationSubject(StrEnum):
    """What a translation translates: a recommendation's text, a section's or a source's title."""

    recommendation = "recommendation"
    section = "section"
    source = "source"


class Provenance(StrEnum):
    """Whose a translation is: the body's own (official) or someone else's (unofficial)."""

    official = "official"
    unofficial = "unofficial"


PROVENANCE_LABELS: dict[str, str] = {
    Provenance.official: NP_("provenance", "Official translation"),
    Provenance.unofficial: NP_("provenance", "Unofficial translation"),
}

# The languages texts may be recorded in (BCP 47): the interface's three, named as pages name them.
TEXT_LANGUAGES = ("en", "ru", "kk")
LANGUAGE_LABELS: dict[str, str] = {
    "en": NP_("language", "English"),
    "ru": NP_("language", "Russian"),
    "kk": NP_("language", "Kazakh"),
}

# Each label table under its vocabulary's name, which is also its translation context (msgctxt).
LABELS: dict[str, dict[str, str]] = {
    "status": STATUS_LABELS,
    "perspective": PERSPECTIVE_LABELS,
    "assessor": ASSESSOR_LABELS,
    "evidence_kind": EVIDENCE_KIND_LABELS,
    "visibility": VISIBILITY_LABELS,
    "relation": RELATION_LABELS,
    "history_kind": HISTORY_KIND_LABELS,
    "role": ROLE_LABELS,
    "source_kind": SOURCE_KIND_LABELS,
    "response": RESPONSE_LABELS,
    "action_category": ACTION_CATEGORY_LABELS,
    "link_strength": LINK_STRENGTH_LABELS,
    "claim_gap": CLAIM_GAP_LABELS,
    "provenance": PROVENANCE_LABELS,
    "language": LANGUAGE_LABELS,
}


def label(vocabulary: str, value: str) -> str:
    """A vocabulary word as people read it in the current locale; the word itself when it has no label."""
    return _label(translations(current_locale()), vocabulary, value)


# Keyed by the catalogue object itself, so a catalogue read again (tests swap them) starts afresh: a row
# of a matrix asks for about ten labels, and babel's lookup was a tenth of a CSV export's time.
@lru_cache(maxsize=4096)
def _label(catalogue: NullTranslations, vocabulary: str, value: str) -> str:
    text = LABELS[vocabulary].get(value)
    return str(value) if text is None else str(catalogue.pgettext(vocabulary, text))


def sql_in(enum: type[StrEnum]) -> str:
    """The member values as a SQL IN list, for CHECK constraints."""
    return ", ".join(f"'{member.value}'" for member in enum)
