"""Reading pages (the recommendation list and one recommendation) and the helpers every page route uses."""

from typing import Any, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from sqlmodel import Session

from app.db import SessionDep
from app.errors import BadRequest, NotFound
from app.history.views import recommendation_history
from app.i18n.translation import N_, current_locale, gettext
from app.inputs import latest_date_on_earth
from app.recommendations import service
from app.recommendations.schemas import RecommendationFilters
from app.reports.routes import FILE_FORMATS
from app.scorecards.commitments import COMMITTING
from app.scorecards.conditions import DISPUTED
from app.scorecards.linked import upr_links
from app.scorecards.point import PointInTime
from app.vocabulary import (
    TEXT_LANGUAGES,
    EvidenceKind,
    LinkStrength,
    Perspective,
    Provenance,
    Relation,
    SourceKind,
    Status,
    Visibility,
    claim_gap_class,
)
from app.web.forms import TITLE_TRANSLATION, TRANSLATION, FormState, blank_assessment, blank_evidence
from app.web.link_panel import link_panel
from app.web.queries import filter_choices, review_states, status_dates
from app.web.render import page_locale, render
from app.web.session import ReaderVisitorDep, Visitor
from app.web.translation_panel import translation_panel

router = APIRouter()
Filters = TypeVar("Filters", bound=RecommendationFilters)

FILTERS = (
    "source",
    "kind",
    "section",
    "status",
    "claim_gap",
    "response",
    "recommending_state",
    "theme",
    "addressee",
    "sdg",
    "q",
)
FILTER_LABELS = {
    "source": N_("Source"),
    "kind": N_("Kind of source"),
    "section": N_("Section"),
    "status": N_("Status"),
    "claim_gap": N_("State's claim"),
    "response": N_("Response"),
    "recommending_state": N_("Recommending state"),
    "theme": N_("Theme"),
    "addressee": N_("Addressee"),
    "sdg": N_("SDG target"),
    "q": N_("Text search"),
    "as_of": N_("As of"),
}
# Offered in this order when the API serves them (PDF comes with the printable documents).
DOWNLOAD_FORMATS = ("csv", "xlsx", "docx", "pdf")
PAGE_SIZES = (25, 50, 100, 500)
DEFAULT_PAGE_SIZE = 50


def valid_filters(raw: dict[str, str], model: type[Filters]) -> tuple[Filters, list[str]]:
    """The filters that validate, and the names of those that did not (left out rather than refused)."""
    # PostgreSQL text cannot hold NUL: such a value can match nothing, so it is left out like any bad one.
    unusable = sorted(name for name, value in raw.items() if "\x00" in value)
    given = {name: value for name, value in raw.items() if value and name not in unusable}
    try:
        return model.model_validate(given), unusable
    except ValidationError as error:
        bad = sorted({str(issue["loc"][0]) for issue in error.errors() if issue["loc"]} | set(unusable))
        kept = {name: value for name, value in given.items() if name not in bad}
        return model.model_validate(kept), bad


def download_links(kept: dict[str, str]) -> list[tuple[str, str]]:
    """The matrix as each document format the API serves, for the filters in `kept`, in the page's language.

    Call it after `page_locale`: the visitor may have chosen another language than their browser asks for.
    """
    query = "?" + urlencode({**kept, "lang": current_locale()})
    return [(fmt, f"/api/v1/reports/matrix.{fmt}{query}") for fmt in DOWNLOAD_FORMATS if fmt in FILE_FORMATS]


@router.get("/recommendations", response_class=HTMLResponse)
def recommendations(request: Request, session: SessionDep, visitor: ReaderVisitorDep):
    """The recommendation list with the API's filters as a GET form, one keyset page at a time."""
    language = page_locale(request)
    params = request.query_params
    raw = {name: params.get(name, "").strip()[:200] for name in FILTERS}
    filters, bad = valid_filters(raw, RecommendationFilters)
    notices = [bad_filters_notice([FILTER_LABELS[name] for name in bad])] if bad else []
    limit = int(params["limit"]) if params.get("limit", "").isdigit() else DEFAULT_PAGE_SIZE
    limit = limit if limit in PAGE_SIZES else DEFAULT_PAGE_SIZE
    cursor = params.get("cursor") or None
    try:
        items, total, next_cursor = service.list_recommendations(
            session,
            filters,
            limit=limit,
            cursor=cursor,
            totals=request.app.state.list_totals,
            language=language,
        )
    except BadRequest:
        notices.append(gettext("That page link is no longer valid; here is the first page."))
        cursor = None
        items, total, next_cursor = service.list_recommendations(
            session,
            filters,
            limit=limit,
            cursor=None,
            totals=request.app.state.list_totals,
            language=language,
        )
    choices = filter_choices(session)
    kept = {name: raw[name] for name in FILTERS if raw[name] and name not in bad}
    if limit != DEFAULT_PAGE_SIZE:
        kept["limit"] = str(limit)
    return render(
        request,
        visitor,
        "list.html",
        nav="list",
        items=items,
        status_dates=status_dates(session, [item["code"] for item in items]),
        total=total,
        choices=choices,
        states=[choice["value"] for choice in choices.get("state", [])],
        selected={name: raw[name] if name not in bad else "" for name in FILTERS},
        limit=limit,
        page_sizes=PAGE_SIZES,
        notices=notices,
        downloads=download_links({name: value for name, value in kept.items() if name != "limit"}),
        next_url=f"/recommendations?{urlencode(kept | {'cursor': next_cursor})}" if next_cursor else None,
        first_url=f"/recommendations?{urlencode(kept)}" if cursor else None,
    )


@router.get("/recommendations/{code}", response_class=HTMLResponse)
def recommendation(code: str, request: Request, session: SessionDep, visitor: ReaderVisitorDep):
    """One recommendation: text, categories, statuses, evidence, history, and the monitors' forms."""
    query = request.query_params
    entry = query.get("entry", "")
    return recommendation_page(
        request,
        session,
        visitor,
        code,
        saved=query.get("saved"),
        suggest=query.get("suggest"),
        translate=query.get("translate"),
        recorded=int(entry) if entry.isdigit() and len(entry) < 12 else None,
    )


def in_effective_order(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """History newest first as the world saw it: by effective date, then in the order recorded."""
    return sorted(history, key=lambda item: (item["effective_on"], item["seq"]), reverse=True)


def standing(history: list[dict[str, Any]], perspective: str) -> dict[str, Any] | None:
    """The assessment a perspective's current status rests on: the latest by effective date, then seq."""
    found = [item for item in history if item["kind"] == "assessment" and item["perspective"] == perspective]
    return max(found, key=lambda item: (item["effective_on"], item["seq"]), default=None)


def recorded_notes(history: list[dict[str, Any]], seq: int | None) -> dict[str, Any] | None:
    """The assessment just recorded, and the later-dated one that still stands if any (it changed nothing)."""
    mine = next((item for item in history if item["seq"] == seq and item["kind"] == "assessment"), None)
    if mine is None:
        return None
    # Only the independent and state perspectives set a status (the status and the state's claim).
    current = (
        standing(history, mine["perspective"]) if mine["perspective"] in ("independent", "state") else None
    )
    return {"entry": mine, "stands": current if current is not None and current["seq"] != seq else None}


def commitment_state(detail: dict[str, Any], linked: list[dict[str, Any]]) -> str | None:
    """'broken', 'kept' or 'open' when the state committed to this recommendation at its UPR, else None."""
    committing = [
        item
        for item in linked
        if item["strength"] == LinkStrength.same_measure and item["response"] in COMMITTING
    ]
    # As in scorecards: a UPR recommendation's own links to another review are no commitment of its own.
    if not committing or detail["source_kind"] == SourceKind.upr_review:
        return None
    if detail["status"] in DISPUTED:
        return "broken"
    return "kept" if detail["status"] == Status.implemented else "open"


MAX_CODE_LENGTH = 96
SAVED_NOTICES = ("assessment", "evidence", "link", "unlink", "correction", TRANSLATION, TITLE_TRANSLATION)
NOT_FOUND = (N_("Not found"), N_("No recommendation has the code %(code)s."))


def bad_filters_notice(fields: list[str]) -> str:
    """The notice naming the filters (untranslated labels) that were left out, in the current locale."""
    names = ", ".join(gettext(field) for field in fields)
    return gettext("Some filters were not understood and were left out: %(fields)s.", fields=names)


def plausible_code(code: str) -> bool:
    """False for a code no recommendation can have (and PostgreSQL could not even compare: NUL)."""
    return len(code) <= MAX_CODE_LENGTH and "\x00" not in code


def error_page(
    request: Request, visitor: Visitor, status_code: int, title: str, body: str, **params: Any
) -> HTMLResponse:
    """A page explaining an error (title and body are untranslated messages), with the given status."""
    return render(
        request, visitor, "error.html", status_code=status_code, title=title, body=body, params=params, nav=""
    )


def recommendation_page(
    request: Request,
    session: Session,
    visitor: Visitor,
    code: str,
    *,
    status_code: int = 200,
    assessment: FormState | None = None,
    evidence: FormState | None = None,
    correction: FormState | None = None,
    translation: FormState | None = None,
    title_translation: FormState | None = None,
    alert: dict[str, Any] | None = None,
    saved: str | None = None,
    changes_after: int | None = None,
    link_problem: dict[str, Any] | None = None,
    suggest: str | None = None,
    translate: str | None = None,
    recorded: int | None = None,
) -> HTMLResponse:
    """The recommendation page, optionally with a form kept as submitted and an alert about it."""
    if not plausible_code(code):
        return error_page(request, visitor, 404, *NOT_FOUND, code=code)
    language = page_locale(request)
    try:
        detail, version = service.recommendation_detail(
            session, code, include_restricted=visitor.privileged, language=language
        )
    except NotFound:
        return error_page(request, visitor, 404, *NOT_FOUND, code=code)
    recommendation, _, _ = service.get_recommendation(session, code)
    history = recommendation_history(session, recommendation, privileged=visitor.privileged)
    assert recommendation.id is not None
    linked = upr_links(session, [recommendation.id], PointInTime()).get(recommendation.id, [])
    if alert is not None and changes_after is not None:
        alert["changes"] = [item for item in history if item["seq"] > changes_after]
    return render(
        request,
        visitor,
        "recommendation.html",
        status_code=status_code,
        nav="list",
        rec=detail,
        states=review_states(session),
        source_title=service.source_title(session, recommendation.source_id),
        links_panel=(
            link_panel(session, detail["source"], code, suggest, [link["code"] for link in detail["links"]])
            if visitor.can_write
            else None
        ),
        link_problem=link_problem,
        translations=(
            translation_panel(
                session,
                detail,
                (recommendation.id, recommendation.section_id),
                asked=translate,
                page_language=language,
                text=translation,
                title=title_translation,
            )
            if visitor.can_write
            else None
        ),
        version=version,
        seen=history[-1]["seq"] if history else 0,
        history=in_effective_order(history),
        reason=standing(history, Perspective.independent.value),
        recorded=recorded_notes(history, recorded) if saved == "assessment" else None,
        evidence_by_id={item["id"]: item for item in detail["evidence"]},
        upr_links=linked,
        commitment=commitment_state(detail, linked),
        claim_gap=claim_gap_class(detail["claimed_status"], detail["status"]),
        # Each corrected entry shows the correction that replaced it, and why.
        corrections={item["supersedes_entry"]: item for item in history if item["supersedes_entry"]},
        correction=correction,
        assessment=assessment or blank_assessment(),
        evidence_form=evidence or blank_evidence(),
        alert=alert,
        saved=saved if saved in SAVED_NOTICES else None,
        # Which language a translation just recorded is in, for the confirmation's link to the page in it.
        translated_into=(
            translate if saved in (TRANSLATION, TITLE_TRANSLATION) and translate in TEXT_LANGUAGES else None
        ),
        today=latest_date_on_earth().isoformat(),
        perspectives=list(Perspective),
        relations=list(Relation),
        kinds=list(EvidenceKind),
        visibilities=list(Visibility),
        provenances=list(Provenance),
    )
