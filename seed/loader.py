"""Load a curated seed file into the database, idempotently: existing rows are never changed."""

import tomllib
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.db import utcnow
from app.evidence.urls import normalise_url
from app.history.chain import format_recorded_at
from app.history.service import append_entry
from app.imports.anchors import source_details
from app.models import (
    Category,
    Evidence,
    Recommendation,
    RecommendationCategory,
    RecommendationEvidence,
    Section,
    Source,
    saved_id,
)
from app.recommendations.service import search_text_for
from app.text_terms import terms_text
from app.translations.service import (
    add_translation_row,
    current_translation,
    record_text_translation_alone,
    translation_payload,
)
from app.translations.titles import record_title_translation, title_subject
from app.vocabulary import (
    CategoryKind,
    EvidenceKind,
    HistoryKind,
    Relation,
    SourceKind,
    Status,
    TranslationSubject,
    Visibility,
)
from seed.report_parser import load_report

SEED_DIR = Path(__file__).parent
DEFAULT_SEED = SEED_DIR / "odf-kz-2015.toml"
CATEGORY_KEYS = {"addressees": CategoryKind.addressee, "themes": CategoryKind.theme, "sdg": CategoryKind.sdg}


@dataclass
class SeedResult:
    """What a seed run added (all zeros on a second run)."""

    sources: int = 0
    sections: int = 0
    categories: int = 0
    recommendations: int = 0
    category_links: int = 0
    evidence: int = 0
    evidence_links: int = 0
    history_entries: int = 0
    translations: int = 0


def read_seed(path: Path = DEFAULT_SEED) -> dict[str, Any]:
    """Parse a curated seed file."""
    with path.open("rb") as handle:
        return tomllib.load(handle)


def load_seed(session: Session, path: Path = DEFAULT_SEED) -> SeedResult:
    """Add whatever of the seed file is missing from the database; flushes, never commits."""
    data = read_seed(path)
    result = SeedResult()
    source = _ensure_source(session, data["source"], result)
    sections = {item["number"]: _ensure_section(session, source, item, result) for item in data["sections"]}
    categories = {
        (kind, slug): _ensure_category(session, kind, slug, label, result)
        for kind in CategoryKind
        for slug, label in data["categories"].get(kind.value, {}).items()
    }
    citing = {
        note.number: note.citing_sentence
        for note in load_report(path.parent / data["source"]["report_file"]).footnotes
    }
    baseline = _baseline_evidence(session, data["footnotes"], citing, result)
    per_section = Counter(item["section"] for item in data["recommendations"])
    translation_files = [read_seed(file) for file in sorted(path.parent.glob(f"{path.stem}.*.toml"))]
    # A new recommendation's genesis entry anchors its translations, and its section's title translations
    # recorded in this run: one time for the whole run, so each section's title is one recorded event.
    now = utcnow()
    titles = _new_title_translations(session, translation_files, sections, now, result)
    for item in data["recommendations"]:
        section = sections[item["section"]]
        rec, created = _ensure_recommendation(session, source, section, item, result, now)
        filed = [
            categories[(kind, slug)] for key, kind in CATEGORY_KEYS.items() for slug in item.get(key, [])
        ]
        for category in filed:
            _ensure_category_link(session, rec, category, result)
        if created:
            anchors = _anchors(
                source, len(data["recommendations"]), section, per_section[section.number], filed
            )
            translated = [
                *titles.get(section.number, []),
                *_new_text_translations(session, translation_files, rec, now, result),
            ]
            if translated:
                anchors["translations"] = translated
            _link_baseline_and_genesis(
                session, rec, baseline.get(section.number, []), anchors, source, result, now
            )
    for translations in translation_files:
        _load_translations(session, translations, source, sections, result)
    return result


def _new_title_translations(
    session: Session,
    files: list[dict[str, Any]],
    sections: dict[int, Section],
    at: datetime,
    result: SeedResult,
) -> dict[int, list[dict[str, Any]]]:
    """Rows for the section titles' translations of sections with no recommendation yet, by section number,
    with the payloads their recommendations' genesis entries anchor."""
    made: dict[int, list[dict[str, Any]]] = {}
    for data in files:
        for number, title in data.get("sections", {}).items():
            section = sections[int(number)]
            has_recommendations = session.scalar(
                select(col(Recommendation.id))
                .where(col(Recommendation.section_id) == saved_id(section))
                .limit(1)
            )
            if has_recommendations is not None:
                continue  # recorded in its recommendations' chains by _load_translations instead
            payload = translation_payload(
                TranslationSubject.section, data["language"], title, data["provenance"], data["translator"]
            ) | {"section": section.number}
            add_translation_row(session, TranslationSubject.section, saved_id(section), payload, at, None)
            made.setdefault(section.number, []).append(payload)
            result.translations += 1
    return made


def _new_text_translations(
    session: Session, files: list[dict[str, Any]], rec: Recommendation, at: datetime, result: SeedResult
) -> list[dict[str, Any]]:
    """Rows for a new recommendation's text translations, with the payloads its genesis entry anchors."""
    made = []
    for data in files:
        text = data.get("recommendations", {}).get(rec.code)
        if text is None:
            continue
        payload = translation_payload(
            TranslationSubject.recommendation, data["language"], text, data["provenance"], data["translator"]
        )
        add_translation_row(session, TranslationSubject.recommendation, saved_id(rec), payload, at, None)
        made.append(payload)
        result.translations += 1
    return made


def _load_translations(
    session: Session, data: dict[str, Any], source: Source, sections: dict[int, Section], result: SeedResult
) -> None:
    """Record the file's translations that are not the current ones already (a changed text supersedes)."""
    language, provenance, translator = data["language"], data["provenance"], data["translator"]

    def is_current(subject: TranslationSubject, subject_id: int, text: str) -> bool:
        current = current_translation(session, subject, subject_id, language)
        return current is not None and (current.text, current.provenance, current.translator) == (
            text,
            provenance,
            translator,
        )

    for number, title in data.get("sections", {}).items():
        section = sections[int(number)]
        if not is_current(TranslationSubject.section, saved_id(section), title):
            written = record_title_translation(
                session,
                title_subject(session, TranslationSubject.section, saved_id(section)),
                None,
                language,
                title,
                provenance,
                translator,
                check=False,
            )
            result.history_entries += len(written.recommendations)
            result.translations += 1
    for code, text in data.get("recommendations", {}).items():
        rec = session.scalar(
            select(Recommendation).where(
                col(Recommendation.code) == code, col(Recommendation.source_id) == saved_id(source)
            )
        )
        if rec is None:
            raise ValueError(f"the translation file names {code!r}, which the seed does not have")
        if not is_current(TranslationSubject.recommendation, saved_id(rec), text):
            record_text_translation_alone(session, rec, None, language, text, provenance, translator)
            result.history_entries += 1
            result.translations += 1


def _anchors(
    source: Source, in_source: int, section: Section, in_section: int, categories: list[Category]
) -> dict[str, Any]:
    """What a genesis entry anchors beside the text, so that `verify` can check what the public sees of it:
    the source and section with how many recommendations each has (a deleted one shows), the categories."""
    return {
        "source_details": source_details(source, in_source),
        "section": {"number": section.number, "title": section.title, "recommendations": in_section},
        "categories": sorted(
            ({"kind": c.kind, "slug": c.slug, "label": c.label} for c in categories),
            key=lambda c: (c["kind"], c["slug"]),
        ),
    }


def _ensure_source(session: Session, item: dict[str, Any], result: SeedResult) -> Source:
    source = session.scalar(select(Source).where(col(Source.slug) == item["slug"]))
    if source is None:
        source = Source(
            slug=item["slug"],
            title=item["title"],
            publisher=item["publisher"],
            published_on=item.get("published_on"),
            url=item.get("url"),
            date_note=item.get("date_note"),
            kind=SourceKind(item.get("kind", SourceKind.ngo_report.value)),
            state_under_review=item.get("state_under_review"),
        )
        session.add(source)
        session.flush()
        result.sources += 1
    return source


def _ensure_section(session: Session, source: Source, item: dict[str, Any], result: SeedResult) -> Section:
    section = session.scalar(
        select(Section).where(col(Section.source_id) == source.id, col(Section.number) == item["number"])
    )
    if section is None:
        section = Section(source_id=saved_id(source), number=item["number"], title=item["title"])
        session.add(section)
        session.flush()
        result.sections += 1
    return section


def _ensure_category(
    session: Session, kind: CategoryKind, slug: str, label: str, result: SeedResult
) -> Category:
    category = session.scalar(
        select(Category).where(col(Category.kind) == kind.value, col(Category.slug) == slug)
    )
    if category is None:
        category = Category(kind=kind, slug=slug, label=label)
        session.add(category)
        session.flush()
        result.categories += 1
    return category


def _ensure_recommendation(
    session: Session,
    source: Source,
    section: Section,
    item: dict[str, Any],
    result: SeedResult,
    now: datetime,
) -> tuple[Recommendation, bool]:
    rec = session.scalar(select(Recommendation).where(col(Recommendation.code) == item["code"]))
    if rec is not None:
        return rec, False
    number = int(item["code"].rsplit(".", 1)[1])
    rec = Recommendation(
        code=item["code"],
        source_id=saved_id(source),
        section_id=saved_id(section),
        section_number=section.number,
        number=number,
        text=item["text"],
        search_text=search_text_for(item["code"], item["text"]),
        terms=terms_text(item["text"]),
        status=Status.not_assessed,
        claimed_status=Status.not_assessed,
        created_at=now,
        updated_at=now,
    )
    session.add(rec)
    session.flush()
    result.recommendations += 1
    return rec, True


def _ensure_category_link(
    session: Session, rec: Recommendation, category: Category, result: SeedResult
) -> None:
    if session.get(RecommendationCategory, (rec.id, category.id)) is None:
        session.add(
            RecommendationCategory(
                recommendation_id=saved_id(rec),
                category_id=saved_id(category),
                source_id=rec.source_id,
                section_number=rec.section_number,
                number=rec.number,
            )
        )
        session.flush()
        result.category_links += 1


def _baseline_evidence(
    session: Session, footnotes: list[dict[str, Any]], citing: dict[int, str], result: SeedResult
) -> dict[int, list[tuple[Evidence, str]]]:
    """Evidence items for the footnotes, grouped by the section that cites them, with a note each."""
    by_section: dict[int, list[tuple[Evidence, str]]] = {}
    for note in footnotes:
        normalised = normalise_url(note["url"])
        evidence = session.scalar(select(Evidence).where(col(Evidence.url_normalised) == normalised))
        if evidence is None:
            evidence = Evidence(
                url=note["url"],
                url_normalised=normalised,
                title=note["title"],
                kind=EvidenceKind(note["kind"]),
            )
            session.add(evidence)
            session.flush()
            result.evidence += 1
        link_note = f"Footnote [{note['number']}] of the report: {citing[note['number']]}"
        by_section.setdefault(note["section"], []).append((evidence, link_note))
    return by_section


def _link_baseline_and_genesis(
    session: Session,
    rec: Recommendation,
    baseline: list[tuple[Evidence, str]],
    anchors: dict[str, Any],
    source: Source,
    result: SeedResult,
    now: datetime,
) -> None:
    """Link the report's own sources to a new recommendation and open its history."""
    linked: list[dict[str, Any]] = []
    for evidence, link_note in baseline:
        session.add(
            RecommendationEvidence(
                recommendation_id=saved_id(rec),
                evidence_id=saved_id(evidence),
                relation=Relation.baseline,
                visibility=Visibility.public,
                note=link_note,
                linked_at=now,
                evidence_published_on=evidence.published_on,
            )
        )
        linked.append(
            {
                "evidence_id": evidence.id,
                "url": evidence.url,
                "title": evidence.title,
                "kind": evidence.kind,
                "published_on": evidence.published_on.isoformat() if evidence.published_on else None,
                "relation": Relation.baseline.value,
                "note": link_note,
                "visibility": Visibility.public.value,
                "evidence_visibility": evidence.visibility,
                "evidence_created_at": format_recorded_at(evidence.created_at),
            }
        )
        result.evidence_links += 1
    session.flush()
    append_entry(
        session,
        rec,
        kind=HistoryKind.genesis,
        effective_on=source.published_on,
        recorded_by=None,
        recorded_at=now,
        status=Status.not_assessed,
        payload={
            "source": source.slug,
            **anchors,
            "text": rec.text,
            "status": Status.not_assessed.value,
            "evidence": linked,
            "note": "Recorded from the source report; no assessment yet.",
        },
    )
    result.history_entries += 1
