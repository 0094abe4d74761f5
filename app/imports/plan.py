"""Match a file's rows to what is stored: which are new, which known, which differ, which repeat.

Reads only, in bulk (a few IN queries), so a dry run and the real import report the same plan.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.imports.identity import match_key
from app.imports.rows import ImportedRow, SourceSpec, TranslationSpec
from app.models import Recommendation, Source, Translation
from app.vocabulary import TranslationSubject

CHUNK = 900  # below SQLite's smallest limit on bound parameters in one statement


@dataclass
class Stored:
    """A stored recommendation a row matched, as far as an import may change it."""

    id: int
    code: str
    source_id: int
    text: str
    response: str | None
    response_original: str | None
    version: int
    external_id: str | None


@dataclass
class PlannedRow:
    """One row of the file and what the import does with it."""

    row: ImportedRow
    key: str | None
    stored: Stored | None = None
    text_differs: bool = False
    response_differs: bool = False
    gives_external_id: bool = False  # a row with an id found by its key: the stored row takes the id
    # Translations of a known row that differ from the current one in their language (text, provenance
    # or translator), each with the current text (None: none in that language yet).
    translations_differ: list[tuple[TranslationSpec, str | None]] = field(default_factory=list)


@dataclass
class Plan:
    """Every row's fate, the sources the file names (stored ones by slug) and the repeats."""

    rows: list[PlannedRow] = field(default_factory=list)
    repeats: list[ImportedRow] = field(default_factory=list)
    sources: dict[str, Source | None] = field(default_factory=dict)
    specs: dict[str, SourceSpec] = field(default_factory=dict)  # each source as the file first describes it

    @property
    def new(self) -> list[PlannedRow]:
        """Rows that become recommendations."""
        return [planned for planned in self.rows if planned.stored is None]

    @property
    def known(self) -> list[PlannedRow]:
        """Rows that match a stored recommendation."""
        return [planned for planned in self.rows if planned.stored is not None]


def identity_key(row: ImportedRow) -> str | None:
    """The match key of a row of a format without codes (curated rows are found by their code alone)."""
    return None if row.code else match_key(row.source.slug, row.recommending_states, row.text)


def plan_import(session: Session, rows: list[ImportedRow]) -> Plan:
    """Find each row's stored recommendation by id, code or key; note what differs; fold repeats."""
    plan = Plan()
    keyed = [(row, identity_key(row)) for row in rows]
    by_external = _stored_by(session, col(Recommendation.external_id), {r.external_id for r, _ in keyed})
    by_code = _stored_by(session, col(Recommendation.code), {r.code for r, _ in keyed})
    by_key = _stored_by(session, col(Recommendation.match_key), {k for _, k in keyed})
    for row in rows:
        plan.specs.setdefault(row.source.slug, row.source)
    found = {
        source.slug: source
        for chunk in _chunks(sorted(plan.specs))
        for source in session.scalars(select(Source).where(col(Source.slug).in_(chunk)))
    }
    plan.sources = {slug: found.get(slug) for slug in sorted(plan.specs)}
    seen: set[tuple[str, str]] = set()
    for row, key in keyed:
        identities = {
            ("external", row.external_id) if row.external_id else None,
            ("code", row.code) if row.code else None,
            ("key", key) if key else None,
        } - {None}
        if identities & seen:
            plan.repeats.append(row)
            continue
        seen.update(i for i in identities if i is not None)
        stored, by_id = _find(row, key, by_external, by_code, by_key)
        planned = PlannedRow(row=row, key=key, stored=stored)
        if stored is not None:
            # Found by key, the texts are equal once normalised; found by id or code, any difference counts.
            planned.text_differs = by_id and row.text != stored.text
            planned.response_differs = row.response is not None and row.response.value != stored.response
            planned.gives_external_id = row.external_id is not None and stored.external_id is None
        plan.rows.append(planned)
    _differing_translations(session, plan.known)
    return plan


def _differing_translations(session: Session, known: list[PlannedRow]) -> None:
    """Note each known row's translations that differ from the current ones (a file lacking one: nothing)."""
    translated = [planned for planned in known if planned.row.translations and planned.stored is not None]
    if not translated:
        return
    current: dict[tuple[int, str], tuple[str, str, str | None]] = {}
    ids = sorted({planned.stored.id for planned in translated if planned.stored is not None})
    for start in range(0, len(ids), CHUNK):
        rows = session.execute(
            select(
                col(Translation.subject_id),
                col(Translation.language),
                col(Translation.text),
                col(Translation.provenance),
                col(Translation.translator),
            ).where(
                col(Translation.subject_kind) == TranslationSubject.recommendation.value,
                col(Translation.subject_id).in_(ids[start : start + CHUNK]),
                col(Translation.superseded_at).is_(None),
            )
        )
        for subject_id, language, text, provenance, translator in rows:
            current[(subject_id, language)] = (text, provenance, translator)
    for planned in translated:
        assert planned.stored is not None
        for spec in planned.row.translations:
            stored = current.get((planned.stored.id, spec.language))
            if stored != (spec.text, spec.provenance, spec.translator):
                planned.translations_differ.append((spec, stored[0] if stored else None))


def _find(
    row: ImportedRow,
    key: str | None,
    by_external: dict[str, Stored],
    by_code: dict[str, Stored],
    by_key: dict[str, Stored],
) -> tuple[Stored | None, bool]:
    """The stored recommendation a row names, and whether it was found by a stable id (or code)."""
    if row.external_id and row.external_id in by_external:
        return by_external[row.external_id], True
    if row.code and row.code in by_code:
        return by_code[row.code], True
    if key and key in by_key:
        return by_key[key], False
    return None, False


def _stored_by(session: Session, column: Any, values: Iterable[str | None]) -> dict[str, Stored]:
    wanted = sorted(value for value in values if value)
    found: dict[str, Stored] = {}
    for chunk in _chunks(wanted):
        rows = session.execute(
            select(
                column,
                col(Recommendation.id),
                col(Recommendation.code),
                col(Recommendation.source_id),
                col(Recommendation.text),
                col(Recommendation.response),
                col(Recommendation.response_original),
                col(Recommendation.version),
                col(Recommendation.external_id),
            ).where(column.in_(chunk))
        )
        for value, *fields in rows:
            found[value] = Stored(*fields)
    return found


def _chunks(values: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]
