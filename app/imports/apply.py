"""Write an import: all of it in one transaction with bulk statements, or nothing (docs/design.md)."""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from sqlalchemy import CursorResult, Table, bindparam, func, insert, select, text, update
from sqlmodel import Session, col

from app.db import is_postgres, utcnow
from app.history.service import ChainHead, EntryFields, chain_heads, entry_fields
from app.i18n.translation import gettext as _
from app.i18n.translation import ngettext
from app.imports.anchors import source_details
from app.imports.categories import CategoryResolver
from app.imports.plan import CHUNK, Plan, PlannedRow, plan_import
from app.imports.report import Change, ImportReport, SourceTally
from app.imports.rows import ImportedRow, ReadResult, SourceSpec, TranslationSpec
from app.models import (
    Category,
    HistoryEntry,
    Recommendation,
    RecommendationCategory,
    Section,
    Source,
    saved_id,
)
from app.recommendations.service import search_text_for
from app.text_terms import terms_text
from app.translations.service import supersede_translations, translation_payload, translation_row
from app.vocabulary import HistoryKind, Status, TranslationSubject

IMPORT_LOCK = 0x7265637472_696D70  # "rectrimp": one import at a time (numbers are given as max + 1)
SECTIONLESS = (1, "Recommendations")


class ImportConflict(Exception):
    """Someone changed a recommendation the import changes, while it ran: nothing was imported."""


@dataclass(frozen=True)
class ApplyOptions:
    """How to apply a file: for real or not, past refused rows or not, texts updated or only reported."""

    filename: str
    file_sha256: str
    dry_run: bool = False
    skip_bad_rows: bool = False
    update_texts: bool = False
    recorded_by: int | None = None  # the admin who imports; None for the command line
    responses_on: date | None = None  # when a changed response was taken (default: today)


Progress = Callable[[int, int], None]  # (rows done, rows in all)
PROGRESS_EVERY = 500


def apply_import(
    session: Session, result: ReadResult, options: ApplyOptions, progress: Progress | None = None
) -> ImportReport:
    """Import what the reader read (or only report it); flushes, and the caller commits or rolls back."""
    report = ImportReport(
        format=result.format,
        filename=options.filename,
        file_sha256=options.file_sha256,
        encoding=result.encoding,
        dry_run=options.dry_run,
        refused=list(result.refused),
        translations_refused=list(result.translations_refused),
        notes=list(result.notes),
    )
    refused = bool(result.refused or result.translations_refused)
    writing = not options.dry_run and (options.skip_bad_rows or not refused)
    if writing and is_postgres(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": IMPORT_LOCK})
    plan = plan_import(session, result.rows)
    _tally(report, plan, options)
    if result.refused and not options.skip_bad_rows:
        report.notes.append(
            ngettext(
                "%(num)d row was refused, so nothing was imported; fix it, or pass --skip-bad-rows.",
                "%(num)d rows were refused, so nothing was imported; fix them, or pass --skip-bad-rows.",
                len(result.refused),
            )
        )
    if result.translations_refused and not options.skip_bad_rows:
        report.notes.append(
            ngettext(
                "%(num)d row of the translations file was refused, so nothing was imported; fix it, or "
                "pass --skip-bad-rows.",
                "%(num)d rows of the translations file were refused, so nothing was imported; fix them, "
                "or pass --skip-bad-rows.",
                len(result.translations_refused),
            )
        )
    if not writing:
        return report
    _write(session, plan, report, options, progress)
    report.applied = True
    return report


def _tally(report: ImportReport, plan: Plan, options: ApplyOptions) -> None:
    tallies: dict[str, SourceTally] = {}
    for planned in plan.rows:
        spec = planned.row.source
        stored = plan.sources[spec.slug]
        tally = tallies.setdefault(
            spec.slug,
            SourceTally(
                slug=spec.slug,
                title=stored.title if stored else spec.title,
                kind=stored.kind if stored else spec.kind.value,
                created=stored is None,
            ),
        )
        if planned.stored is None:
            tally.new += 1
            report.new += 1
            report.translations_added += len(planned.row.translations)
            continue
        for _spec, stored_text in planned.translations_differ:
            if stored_text is None:
                report.translations_added += 1
            else:
                report.translations_updated += 1
        changes = _changes(planned, options)
        report.changes.extend(changes)
        if changes:
            tally.changed += 1
            report.changed += 1
        else:
            tally.unchanged += 1
            report.unchanged += 1
    report.sources = sorted(tallies.values(), key=lambda tally: tally.slug)
    report.repeats = len(plan.repeats)
    if plan.repeats:
        report.notes.append(
            ngettext(
                "%(num)d row repeats an earlier row of the file; each pair is one recommendation.",
                "%(num)d rows repeat earlier rows of the file; each pair is one recommendation.",
                len(plan.repeats),
            )
        )
    if not options.update_texts and any(change.field == "text" for change in report.changes):
        report.notes.append(_("Changed texts are reported, not applied: pass --update-texts to apply them."))


def _changes(planned: PlannedRow, options: ApplyOptions) -> list[Change]:
    stored, row = planned.stored, planned.row
    assert stored is not None
    changes = []
    if planned.text_differs:
        changes.append(Change(row.line, stored.code, "text", stored.text, row.text, options.update_texts))
    if planned.response_differs and row.response is not None:
        changes.append(Change(row.line, stored.code, "response", stored.response, row.response.value, True))
    for spec, stored_text in planned.translations_differ:
        changes.append(Change(row.line, stored.code, f"text_{spec.language}", stored_text, spec.text, True))
    return changes


def _write(
    session: Session, plan: Plan, report: ImportReport, options: ApplyOptions, progress: Progress | None
) -> None:
    created = {slug: _new_source(plan.specs[slug]) for slug, stored in plan.sources.items() if stored is None}
    session.add_all(created.values())
    session.flush()
    sources = {slug: stored or created[slug] for slug, stored in plan.sources.items()}
    new_rows = plan.new
    sections = _sections(session, sources, new_rows)
    resolver = CategoryResolver(session)
    categories = {id(planned): resolver.resolve(planned.row) for planned in new_rows}
    resolver.flush()
    numbered = _number(session, sources, sections, new_rows)
    ids = _insert_recommendations(session, numbered, sources, sections)
    _link_categories(session, ids, _positions(numbered, sources), categories)
    entries = _genesis_entries(
        session, numbered, ids, sources, sections, categories, resolver, options, progress
    )
    entries += _change_entries(session, plan, report, options)
    _give_external_ids(session, plan)
    if entries:
        _insert_many(session, HistoryEntry.__table__, [vars(entry) for entry in entries])
    report.texts_updated = sum(1 for c in report.changes if c.field == "text" and c.applied)
    report.responses_recorded = sum(1 for c in report.changes if c.field == "response")


def _insert_many(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows: COPY on PostgreSQL (an executemany there is a statement a row, and a multi-row
    INSERT spends most of its time in the driver's parsing of the statement); executemany on SQLite."""
    if not rows:
        return
    if not is_postgres(session):
        session.execute(insert(table), rows)
        return
    columns = list(rows[0])
    names = ", ".join(f'"{name}"' for name in columns)
    driver = session.connection().connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[name] for name in columns])


def _new_source(spec: SourceSpec) -> Source:
    return Source(
        slug=spec.slug,
        title=spec.title,
        publisher=spec.publisher,
        published_on=spec.published_on,
        url=spec.url,
        date_note=spec.date_note,
        kind=spec.kind,
        state_under_review=spec.state_under_review,
        cycle=spec.cycle,
        session=spec.session,
        reviewed_on=spec.reviewed_on,
        document_symbol=spec.document_symbol,
    )


def _sections(
    session: Session, sources: dict[str, Source], new_rows: list[PlannedRow]
) -> dict[tuple[str, int], Section]:
    wanted: dict[tuple[str, int], str] = {}
    for planned in new_rows:
        number, title = (
            (planned.row.section.number, planned.row.section.title) if planned.row.section else SECTIONLESS
        )
        wanted.setdefault((planned.row.source.slug, number), title)
    source_ids = {saved_id(sources[slug]) for slug, _ in wanted}
    stored = {
        (section.source_id, section.number): section
        for section in session.scalars(select(Section).where(col(Section.source_id).in_(source_ids)))
    }
    found: dict[tuple[str, int], Section] = {}
    for (slug, number), title in wanted.items():
        source_id = saved_id(sources[slug])
        section = stored.get((source_id, number))
        if section is None:
            section = Section(source_id=source_id, number=number, title=title)
            session.add(section)
        found[(slug, number)] = section
    session.flush()
    return found


def _section_number(planned: PlannedRow) -> int:
    return planned.row.section.number if planned.row.section else SECTIONLESS[0]


def _number(
    session: Session,
    sources: dict[str, Source],
    sections: dict[tuple[str, int], Section],
    new_rows: list[PlannedRow],
) -> list[tuple[PlannedRow, str, int]]:
    """Each new row with its code and number: curated rows keep theirs, others count on in file order."""
    slugs = {saved_id(source): slug for slug, source in sources.items()}
    counted = session.execute(
        select(
            col(Recommendation.source_id),
            col(Recommendation.section_number),
            func.max(col(Recommendation.number)),
        )
        .where(col(Recommendation.source_id).in_(slugs))
        .group_by(col(Recommendation.source_id), col(Recommendation.section_number))
    ).tuples()
    highest = dict.fromkeys(sections, 0)
    for source_id, section_number, number in counted:
        highest[(slugs[source_id], section_number)] = number
    numbered = []
    for planned in new_rows:
        slug, section = planned.row.source.slug, _section_number(planned)
        if planned.row.code:
            number = int(planned.row.code.rsplit(".", 1)[1])
            numbered.append((planned, planned.row.code, number))
            continue
        highest[(slug, section)] += 1
        number = highest[(slug, section)]
        numbered.append((planned, f"{slug}-{section}.{number}", number))
    return numbered


def _insert_recommendations(
    session: Session,
    numbered: list[tuple[PlannedRow, str, int]],
    sources: dict[str, Source],
    sections: dict[tuple[str, int], Section],
) -> dict[int, int]:
    """Insert the new recommendations in one statement; their ids by the planned row's id()."""
    if not numbered:
        return {}
    now = utcnow()
    values = []
    for planned, code, number in numbered:
        row = planned.row
        section_number = _section_number(planned)
        values.append(
            {
                "code": code,
                "source_id": saved_id(sources[row.source.slug]),
                "section_id": saved_id(sections[(row.source.slug, section_number)]),
                "section_number": section_number,
                "number": number,
                "text": row.text,
                "search_text": search_text_for(code, row.text),
                "terms": terms_text(row.text),
                "status": Status.not_assessed.value,
                "claimed_status": Status.not_assessed.value,
                "version": 1,
                "created_at": now,
                "updated_at": now,
                "paragraph": row.paragraph,
                "response": row.response.value if row.response else None,
                "response_original": row.response_original,
                "action_category": row.action_category,
                "external_id": row.external_id,
                "match_key": planned.key,
            }
        )
    # A plain executemany, then the ids by code: RETURNING made SQLite insert one row per statement.
    _insert_many(session, Recommendation.__table__, values)
    ids_by_code: dict[str, int] = {}
    codes = [code for _, code, _ in numbered]
    for start in range(0, len(codes), CHUNK):
        chunk = codes[start : start + CHUNK]
        found = session.execute(
            select(col(Recommendation.code), col(Recommendation.id)).where(
                col(Recommendation.code).in_(chunk)
            )
        ).tuples()
        ids_by_code.update(found.all())
    return {id(planned): ids_by_code[code] for planned, code, _ in numbered}


def _positions(
    numbered: list[tuple[PlannedRow, str, int]], sources: dict[str, Source]
) -> dict[int, dict[str, int]]:
    """Each new recommendation's place in natural order, by the planned row's id(), for its category links."""
    return {
        id(planned): {
            "source_id": saved_id(sources[planned.row.source.slug]),
            "section_number": _section_number(planned),
            "number": number,
        }
        for planned, _, number in numbered
    }


def _link_categories(
    session: Session,
    ids: dict[int, int],
    positions: dict[int, dict[str, int]],
    categories: dict[int, list[Category]],
) -> None:
    links = [
        {"recommendation_id": ids[key], "category_id": category_id, **positions[key]}
        for key, filed in categories.items()
        for category_id in sorted({saved_id(category) for category in filed})
    ]
    if links:
        _insert_many(session, RecommendationCategory.__table__, links)


def _genesis_entries(
    session: Session,
    numbered: list[tuple[PlannedRow, str, int]],
    ids: dict[int, int],
    sources: dict[str, Source],
    sections: dict[tuple[str, int], Section],
    categories: dict[int, list[Category]],
    resolver: CategoryResolver,
    options: ApplyOptions,
    progress: Progress | None,
) -> list[EntryFields]:
    """One genesis entry a new recommendation, anchoring what the public sees of it (docs/design.md)."""
    if not numbered:
        return []
    in_source, in_section = _counts(session, sources, sections)
    entries = []
    for planned, code, _number in numbered:
        row = planned.row
        source = sources[row.source.slug]
        section = sections[(row.source.slug, _section_number(planned))]
        payload = {
            "source": source.slug,
            "source_details": source_details(source, in_source[saved_id(source)]),
            "section": {
                "number": section.number,
                "title": section.title,
                "recommendations": in_section[saved_id(section)],
            },
            "categories": resolver.anchors(categories[id(planned)]),
            "text": row.text,
            "paragraph": row.paragraph,
            "response": row.response.value if row.response else None,
            "response_original": row.response_original,
            "action_category": row.action_category,
            "recommending_states": list(row.recommending_states),
            "status": Status.not_assessed.value,
            "evidence": [],
            "import": _provenance(row.line, row.external_id, options),
            "note": "Imported from the source; no assessment yet.",
        }
        translated = [
            translation_payload(
                TranslationSubject.recommendation, spec.language, spec.text, spec.provenance, spec.translator
            )
            for spec in row.translations
        ]
        if translated:
            payload["translations"] = translated
        entry = entry_fields(
            ids[id(planned)],
            code,
            None,
            kind=HistoryKind.genesis,
            effective_on=source.reviewed_on or source.published_on or utcnow().date(),
            recorded_by=options.recorded_by,
            status=Status.not_assessed,
            payload=payload,
            response=row.response,
        )
        entries.append(entry)
        for recorded in translated:
            session.add(
                translation_row(
                    TranslationSubject.recommendation,
                    entry.recommendation_id,
                    recorded,
                    entry.recorded_at,
                    entry.recorded_by,
                )
            )
        if progress is not None and len(entries) % PROGRESS_EVERY == 0:
            progress(len(entries), len(numbered))
    if progress is not None:
        progress(len(entries), len(numbered))
    return entries


def _provenance(line: int, external_id: str | None, options: ApplyOptions) -> dict[str, Any]:
    # The file's SHA-256 and the row's line, never its name: a file name can say more than its owner meant.
    return {"file_sha256": options.file_sha256, "line": line, "external_id": external_id}


def _counts(
    session: Session, sources: dict[str, Source], sections: dict[tuple[str, int], Section]
) -> tuple[dict[int, int], dict[int, int]]:
    source_ids = [saved_id(source) for source in sources.values()]
    section_ids = [saved_id(section) for section in sections.values()]
    by_source = session.execute(
        select(col(Recommendation.source_id), func.count())
        .where(col(Recommendation.source_id).in_(source_ids))
        .group_by(col(Recommendation.source_id))
    ).tuples()
    by_section = session.execute(
        select(col(Recommendation.section_id), func.count())
        .where(col(Recommendation.section_id).in_(section_ids))
        .group_by(col(Recommendation.section_id))
    ).tuples()
    return dict(by_source.all()), dict(by_section.all())


def _change_entries(
    session: Session, plan: Plan, report: ImportReport, options: ApplyOptions
) -> list[EntryFields]:
    """A text_changed, a response_recorded and translation_recorded entries where a known row differs; each
    claims its row."""
    changing = [
        planned
        for planned in plan.known
        if planned.response_differs
        or (planned.text_differs and options.update_texts)
        or planned.translations_differ
    ]
    if not changing:
        return []
    # In id order, as every writer claims rows, so that an import and a monitor never wait on each other.
    changing.sort(key=lambda planned: cast(int, planned.stored and planned.stored.id))
    heads: dict[int, ChainHead | None] = defaultdict(
        lambda: None,
        chain_heads(
            session, col(Recommendation.id).in_([cast(int, p.stored and p.stored.id) for p in changing])
        ),
    )
    effective_on = options.responses_on or utcnow().date()
    entries: list[EntryFields] = []
    translated: list[tuple[int, EntryFields, dict[str, Any]]] = []
    claims: list[tuple[int, int, int, dict[str, Any]]] = []
    for planned in changing:
        stored, row = planned.stored, planned.row
        assert stored is not None
        head = heads[stored.id]
        values: dict[str, Any] = {}
        appended = 0
        if planned.text_differs and options.update_texts:
            entry = entry_fields(
                stored.id,
                stored.code,
                head,
                kind=HistoryKind.text_changed,
                effective_on=utcnow().date(),
                recorded_by=options.recorded_by,
                payload={
                    "text": row.text,
                    "previous_text": stored.text,
                    "import": _provenance(row.line, row.external_id, options),
                },
            )
            entries.append(entry)
            appended += 1
            head = ChainHead(entry.seq, entry.hash)
            values.update(
                text=row.text, search_text=search_text_for(stored.code, row.text), terms=terms_text(row.text)
            )
        if planned.response_differs and row.response is not None:
            entry = entry_fields(
                stored.id,
                stored.code,
                head,
                kind=HistoryKind.response_recorded,
                effective_on=effective_on,
                recorded_by=options.recorded_by,
                payload={
                    "response": row.response.value,
                    "response_original": row.response_original,
                    "previous_response": stored.response,
                    "import": _provenance(row.line, row.external_id, options),
                },
                response=row.response,
            )
            entries.append(entry)
            appended += 1
            head = ChainHead(entry.seq, entry.hash)
            values.update(response=row.response.value, response_original=row.response_original)
        for spec, _stored_text in planned.translations_differ:
            payload = _translation_payload(spec, row, options)
            entry = entry_fields(
                stored.id,
                stored.code,
                head,
                kind=HistoryKind.translation_recorded,
                effective_on=utcnow().date(),
                recorded_by=options.recorded_by,
                payload=payload,
            )
            entries.append(entry)
            appended += 1
            head = ChainHead(entry.seq, entry.hash)
            translated.append((stored.id, entry, payload))
        claims.append((stored.id, stored.version, appended, values))
    _claim_all(session, claims)
    _record_translations(session, translated)
    return entries


def _translation_payload(spec: TranslationSpec, row: ImportedRow, options: ApplyOptions) -> dict[str, Any]:
    """What a translation_recorded entry commits to, as a monitor's (app/translations/service.py), and the
    file and line it came from (the translations file's, when that file gave it)."""
    payload = translation_payload(
        TranslationSubject.recommendation, spec.language, spec.text, spec.provenance, spec.translator
    )
    if spec.file_sha256 is not None:
        payload["import"] = {
            "file_sha256": spec.file_sha256,
            "line": spec.line,
            "external_id": row.external_id,
        }
    else:
        payload["import"] = _provenance(row.line, row.external_id, options)
    return payload


def _record_translations(session: Session, translated: list[tuple[int, EntryFields, dict[str, Any]]]) -> None:
    """The translations rows the entries record, each superseding the current one in its language."""
    if not translated:
        return
    subject = TranslationSubject.recommendation
    # Superseded first: the partial unique index holds one current translation per language.
    supersede_translations(
        session,
        subject,
        [(rec_id, payload["language"], entry.recorded_at) for rec_id, entry, payload in translated],
    )
    session.add_all(
        translation_row(subject, rec_id, payload, entry.recorded_at, entry.recorded_by)
        for rec_id, entry, payload in translated
    )


def _claim_all(session: Session, claims: list[tuple[int, int, int, dict[str, Any]]]) -> None:
    """Bump each row's version by the entries appended, if it is still the one planned with.

    Claims (rec_id, version, appended, changed values) come in id order and are made in that order, a run
    of rows changing the same columns in one executemany (a re-import changing thousands of translations
    or responses claims them in one statement, not one round trip a row)."""
    table = Recommendation.__table__
    now = utcnow()
    start = 0
    while start < len(claims):
        keys = sorted(claims[start][3])
        end = start
        while end < len(claims) and sorted(claims[end][3]) == keys:
            end += 1
        run = claims[start:end]
        statement = (
            update(table)
            .where(table.c.id == bindparam("claim_id"), table.c.version == bindparam("claim_version"))
            .values(
                version=bindparam("claim_new_version"),
                updated_at=bindparam("claim_at"),
                **{key: bindparam(f"claim_{key}") for key in keys},
            )
        )
        params = [
            {"claim_id": rec_id, "claim_version": version, "claim_new_version": version + appended}
            | {"claim_at": now}
            | {f"claim_{key}": values[key] for key in keys}
            for rec_id, version, appended, values in run
        ]
        claimed = cast(CursorResult[Any], session.execute(statement, params)).rowcount
        if claimed != len(run):
            raise ImportConflict(
                _(
                    "A recommendation the import changes was changed meanwhile; nothing was imported. "
                    "Run it again."
                )
            )
        start = end


def _give_external_ids(session: Session, plan: Plan) -> None:
    given = [
        {"rec_id": planned.stored.id, "external_id": planned.row.external_id}
        for planned in plan.known
        if planned.gives_external_id and planned.stored is not None
    ]
    if given:
        table = Recommendation.__table__
        session.execute(
            update(table)
            .where(table.c.id == bindparam("rec_id"), table.c.external_id.is_(None))
            .values(external_id=bindparam("external_id")),
            given,
        )
