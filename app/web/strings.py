"""Every user-facing string of the pages, by language, so the interface can be translated in one place."""

from collections.abc import Callable
from typing import Any

from app.vocabulary import STATUS_LABELS

DEFAULT_LANGUAGE = "en"

ENGLISH: dict[str, str] = {
    "app.name": "rectrack",
    "nav.label": "Main",
    "nav.skip": "Skip to content",
    "nav.overview": "Overview",
    "nav.recommendations": "Recommendations",
    "nav.matrix": "Implementation matrix",
    "footer.text": (
        "Statuses are the monitors' own independent assessments; the state's claims are shown beside them. "
        "Every change is kept in a tamper-evident history."
    ),
    "footer.api": "JSON API",
    # Vocabulary
    **{f"status.{status}": label for status, label in STATUS_LABELS.items()},
    "perspective.independent": "Independent (monitors)",
    "perspective.state": "State's claim",
    "perspective.un": "UN body",
    "perspective.other": "Other",
    "kind.law": "Law",
    "kind.court_decision": "Court decision",
    "kind.news": "News",
    "kind.ngo_report": "NGO report",
    "kind.un_document": "UN document",
    "kind.official_statement": "Official statement",
    "kind.other": "Other",
    "relation.baseline": "Baseline",
    "relation.progress": "Progress",
    "relation.regression": "Regression",
    "relation.context": "Context",
    "visibility.public": "Public",
    "visibility.restricted": "Restricted",
    "visibility.restricted_hint": "Restricted: only signed-in monitors and viewers see it",
    "history.genesis": "Recorded from the source report",
    "history.assessment": "Assessment",
    "history.evidence_linked": "Evidence linked",
    "history.evidence_unlinked": "Evidence unlinked",
    "history.correction": "Correction",
    # Overview
    "overview.title": "Implementation scorecard",
    "overview.intro": "{total} recommendations from {sources}, by section.",
    "overview.as_of": "As of",
    "overview.as_of_hint": "See the scorecard as it stood on a past date.",
    "overview.show": "Show",
    "overview.today": "Today",
    "overview.by_section": "Status by section",
    "overview.legend": "Legend",
    "overview.table_caption": "Score and evidence coverage by section",
    "overview.section": "Section",
    "overview.total": "Recommendations",
    "overview.assessed": "Assessed",
    "overview.score": "Score",
    "overview.coverage": "Evidence coverage",
    "overview.regressions": "Regressions",
    "overview.all": "All sections",
    "overview.formula": "How the score is computed",
    "overview.claim_gaps": "Where the state's claim differs from the monitors' assessment",
    "overview.no_claim_gaps": (
        "No gaps: the state has made no claim that differs from the monitors' assessment."
    ),
    "overview.claim_gaps_total": "{total} recommendations in all.",
    "overview.claim_gaps_shown": "Showing the first {shown}.",
    "overview.claim_gaps_all": "All of them, page by page, as JSON",
    "overview.claimed": "State claims",
    "overview.assessed_as": "Monitors assess",
    "overview.changes": "Latest changes",
    "overview.no_changes": "No assessments have been recorded yet.",
    # List
    "list.title": "Recommendations",
    "list.filters": "Filter recommendations",
    "list.section": "Section",
    "list.any_section": "All sections",
    "list.status": "Status",
    "list.any_status": "Any status",
    "list.theme": "Theme",
    "list.any_theme": "All themes",
    "list.addressee": "Addressee",
    "list.any_addressee": "All addressees",
    "list.q": "Text search",
    "list.q_hint": "Words in the code or text; Cyrillic works too.",
    "list.limit": "Per page",
    "list.apply": "Apply filters",
    "list.clear": "Clear filters",
    "list.count": "{total} recommendations match.",
    "list.count_one": "1 recommendation matches.",
    "list.none": "No recommendation matches these filters.",
    "list.code": "Code",
    "list.text": "Recommendation",
    "list.last_assessed": "Last assessed",
    "list.never": "Never",
    "list.pages": "Pages",
    "list.next": "Next page",
    "list.first": "First page",
    "list.bad_filters": "Some filters were not understood and were left out: {fields}.",
    "list.bad_cursor": "That page link is no longer valid; here is the first page.",
    # Detail
    "detail.section": "Section {number}: {title}",
    "detail.text": "Text",
    "detail.status": "Status (independent)",
    "detail.claimed": "State's claim",
    "detail.gap": "The state's claim differs from the monitors' assessment.",
    "detail.last_assessed": "Last assessed",
    "detail.addressees": "Addressed to",
    "detail.themes": "Themes",
    "detail.sdg": "SDG targets",
    "detail.none": "None",
    "detail.evidence": "Evidence",
    "detail.no_evidence": "No evidence is linked.",
    "detail.published": "published {date}",
    "detail.timeline": "History",
    "detail.timeline_intro": (
        "Every change, newest first. Entries are hash-chained: none can be altered unnoticed."
    ),
    "detail.effective": "Effective {date}",
    "detail.recorded": "recorded {time} by {who}",
    "detail.system": "the system",
    "detail.withheld": "a monitor (withheld: the entry cites restricted evidence)",
    "detail.cites": "Cites",
    "detail.baseline_count": "{count} sources cited by the report were linked.",
    "detail.restricted_linked": "An evidence item that is not public was linked.",
    "detail.reason": "Reason",
    "detail.evidence_number": "Evidence {id}",
    "detail.saved_assessment": "Your assessment was recorded.",
    "detail.saved_evidence": "The evidence was linked. You can now cite it in an assessment.",
    "detail.back": "All recommendations",
    # Forms
    "form.required": "required",
    "form.assessment": "Record an assessment",
    "form.assessment_status": "Status",
    "form.perspective": "Whose assessment",
    "form.summary": "Summary",
    "form.summary_hint": "What changed, and how you know it.",
    "form.effective_on": "Effective date",
    "form.effective_on_hint": "When it became true in the world. Empty means today.",
    "form.cite": "Evidence this assessment cites",
    "form.cite_hint": (
        "Only evidence linked to this recommendation can be cited: link new evidence with the form below."
    ),
    "form.record": "Record assessment",
    "form.evidence": "Link evidence",
    "form.url": "Address (URL)",
    "form.url_hint": "An http or https link. An item already known under the same address is reused.",
    "form.title": "Title",
    "form.kind": "Kind of document",
    "form.published_on": "Publication date",
    "form.visibility": "Who may see it",
    "form.relation": "How it bears on the recommendation",
    "form.choose": "Choose…",
    "form.note": "Note",
    "form.link": "Link evidence",
    # Form outcomes
    "error.title": "Not saved",
    "error.fix_fields": "Please correct the fields marked below. Your text is kept in the form.",
    "error.required": "This field is required.",
    "error.too_long": "This is too long: at most {max} characters.",
    "error.too_short": "This is too short.",
    "error.choose": "Choose one of the options.",
    "error.date": "Enter a valid date.",
    "error.date_future": "The date must not be in the future.",
    "error.date_old": "The date must be in 1945 or later.",
    "error.url": "Enter an http or https address with a host.",
    "error.invalid": "This value is not valid.",
    "error.not_linked": "Only evidence linked to this recommendation can be cited.",
    "error.already_linked": "This evidence is already linked to this recommendation.",
    "conflict.title": "Someone else changed this recommendation while you were writing",
    "conflict.body": (
        "Nothing was overwritten and your text was not saved yet: it is kept in the form below. "
        "Read what changed, then submit again if your entry still holds."
    ),
    "conflict.changes": "What changed since you opened the form",
    "conflict.to_form": "Go to your kept text",
    "csrf.title": "This form could not be accepted",
    "csrf.body": (
        "The form was not sent from this site, or your session has expired. Nothing was saved. "
        "Sign in again and resubmit; your text is shown below so that you can copy it."
    ),
    "csrf.body_kept": (
        "The form was not sent from this site, or it is too old. Nothing was saved: your text is kept in the "
        "form below. Check it and submit it again."
    ),
    "csrf.kept": "Your text (not saved)",
    "csrf.retry": (
        "The form was not sent from this site, or your session has expired. Nothing was changed: "
        "please try again."
    ),
    "forbidden.title": "Not allowed",
    "forbidden.body": "Recording assessments and evidence needs a signed-in monitor.",
    # Account
    "account.sign_in": "Sign in",
    "account.sign_out": "Sign out",
    "account.signed_in_as": "Signed in as {alias} ({role})",
    "login.title": "Sign in",
    "login.intro": (
        "Paste the token your administrator gave you. It is checked once and exchanged for a session "
        "cookie in this browser: the token itself is not kept by the browser. The session ends when you "
        "sign out or close the browser."
    ),
    "login.token": "Token",
    "login.submit": "Sign in",
    "login.failed": "This token is unknown or has been revoked.",
    "login.already": "You are signed in as {alias}.",
    "login.shared_computer": "On a shared computer, sign out when you are done.",
    "role.viewer": "viewer",
    "role.monitor": "monitor",
    "role.admin": "admin",
    # Matrix
    "matrix.title": "Implementation matrix",
    "matrix.intro": "Recommendation, addressee, status, assessment and evidence, for a UPR submission.",
    "matrix.download": "Download",
    "matrix.print": "Print this page with your browser to get a paper copy.",
    "matrix.rows": "{count} recommendations.",
    # Errors
    "notfound.title": "Not found",
    "notfound.recommendation": "No recommendation has the code {code}.",
}

CATALOGUES: dict[str, dict[str, str]] = {"en": ENGLISH}


def pick_language(accept_language: str | None) -> str:
    """The first language of an Accept-Language header that we have a catalogue for; English otherwise."""
    ranked: list[tuple[float, str]] = []
    for part in (accept_language or "").split(",")[:20]:
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        ranked.append((quality, tag.strip().lower().split("-")[0]))
    for _, language in sorted(ranked, key=lambda item: -item[0]):
        if language in CATALOGUES:
            return language
    return DEFAULT_LANGUAGE


def translator(language: str) -> Callable[..., str]:
    """A lookup for one language that falls back to English for strings not yet translated."""
    catalogue = CATALOGUES.get(language, ENGLISH)

    def t(key: str, **values: Any) -> str:
        text = catalogue.get(key) or ENGLISH[key]
        return text.format(**values) if values else text

    return t
