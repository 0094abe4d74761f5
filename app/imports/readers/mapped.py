"""The "mapped" format: a CSV or XLSX sheet whose columns a mapping names (app/imports/mapping.py).

Each row is filed under the source of the body that made it: the UPR (one source per state and session,
described as the UPR Info reader describes it, so both formats meet in one source), a treaty body or a
special procedure (one per state, body and document), or another body. Constants in the mapping override
what the rows say. A row is refused with a reason; a file that cannot be read raises UnreadableFile.
"""

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from app.i18n.translation import gettext as _
from app.i18n.translation import ngettext
from app.imports.cells import (
    cell_date,
    cell_text,
    response_of,
    sdg_target,
    single_value,
    split_values,
    whole_number,
)
from app.imports.identity import clean_text, normalise_text, state_code, upr_cycle
from app.imports.mapping import (
    TRANSLATION_FIELDS,
    Mapping,
    MappingError,
    load_mapping,
    mapping_from_options,
    parse_mapping,
)
from app.imports.mechanisms import body_kind, body_source, upr_source
from app.imports.rows import (
    CategorySpec,
    ImportedRow,
    ReadOptions,
    ReadResult,
    RefusedRow,
    SourceSpec,
    TranslationOrigin,
    TranslationSpec,
    UnreadableFile,
)
from app.imports.sheets import Row, open_sheet
from app.imports.translated import origin_for
from app.vocabulary import CategoryKind, SourceKind

NAME = "mapped"
__all__ = ["NAME", "load_mapping", "mapping_from_options", "read"]
_CATEGORY_FIELDS = {"themes": CategoryKind.theme, "addressees": CategoryKind.addressee}
# What a source's description is made from, besides its key; overrides come from the mapping's [source].
_OVERRIDES = ("title", "publisher", "cycle", "reviewed_on", "published_on", "url", "date_note")


@dataclass
class _Draft:
    """A row read and checked, waiting for its source (which depends on the other rows of that source)."""

    row: ImportedRow
    spec: SourceSpec  # the source as this row alone describes it
    symbol: str | None
    published_on: date | None


def read(data: bytes, filename: str, options: ReadOptions) -> ReadResult:
    """Read a mapped CSV or XLSX sheet into rows and refusals; UnreadableFile for a file or mapping unfit."""
    if options.mapping is None:
        raise MappingError(
            _("The mapped format needs a mapping: a built-in one (uhri), a .toml file, or column options.")
        )
    mapping = parse_mapping(options.mapping)
    sheet = open_sheet(data, mapping.sheet, mapping.delimiter)
    result = ReadResult(format=NAME, encoding=sheet.encoding)
    rows = _non_empty(sheet.rows)
    header = next(rows, None)
    if header is None:
        raise UnreadableFile(_("The file is empty."))
    positions = _locate(header[1], mapping, result)
    translated = [mapping.columns[name][0] for name in TRANSLATION_FIELDS if name in mapping.columns]
    origin = (
        origin_for(options, _("The column %(columns)s", columns=", ".join(f"“{c}”" for c in translated)))
        if translated
        else None
    )
    fallback = Path(filename).stem or NAME
    drafts: list[_Draft] = []
    skipped = 0
    for line, values in rows:
        cells = {
            name: [values[i] if i < len(values) else None for i in columns]
            for name, columns in positions.items()
        }
        outcome = _draft(line, cells, mapping, options, fallback, origin)
        if outcome is None:
            skipped += 1
        elif isinstance(outcome, RefusedRow):
            result.refused.append(outcome)
        else:
            drafts.append(outcome)
    result.rows = _with_sources(drafts, mapping, options, result)
    if skipped:
        result.notes.append(
            ngettext(
                "%(num)s row concerns another state than %(state)s and was left out.",
                "%(num)s rows concern other states than %(state)s and were left out.",
                skipped,
                state=options.state,
            )
        )
    return result


def _non_empty(rows: Iterator[Row]) -> Iterator[Row]:
    for line, values in rows:
        if any(cell_text(value).strip() for value in values):
            yield line, values


def _locate(header: tuple[object, ...], mapping: Mapping, result: ReadResult) -> dict[str, list[int]]:
    """Each mapped field's column positions, headers compared as normalised text; the sheet must have all."""
    found = [clean_text(cell_text(value)) for value in header]
    index: dict[str, int] = {}
    for position, name in enumerate(found):
        index.setdefault(normalise_text(name), position)
    missing = [h for headers in mapping.columns.values() for h in headers if normalise_text(h) not in index]
    if missing:
        raise UnreadableFile(
            _(
                "The sheet lacks columns the mapping names: %(missing)s. Its columns are: %(found)s.",
                missing=", ".join(missing),
                found=", ".join(name for name in found if name) or _("none"),
            )
        )
    positions = {
        name: [index[normalise_text(header)] for header in headers]
        for name, headers in mapping.columns.items()
    }
    used = {position for columns in positions.values() for position in columns}
    unused = [name for position, name in enumerate(found) if name and position not in used]
    if unused:
        result.notes.append(_("Columns not imported: %(columns)s.", columns=", ".join(unused)))
    return positions


def _draft(
    line: int,
    cells: dict[str, list[object]],
    mapping: Mapping,
    options: ReadOptions,
    fallback: str,
    origin: TranslationOrigin | None,
) -> _Draft | RefusedRow | None:
    """A row checked field by field; a refusal with every reason found; None when --state leaves it out."""
    reasons: list[str] = []
    constants = mapping.source

    def one(name: str) -> object:
        return cells[name][0] if name in cells else None

    def many(name: str) -> list[str]:
        values: list[str] = []
        for cell in cells.get(name, []):
            values.extend(v for v in split_values(cell, mapping.multi_value) if v not in values)
        return values

    states = [constants["state"]] if "state" in constants else many("state")
    if options.state and states and not any(_same_state(state, options.state) for state in states):
        return None
    if len(states) > 1:
        reasons.append(
            _(
                "The row concerns several states (%(states)s); rectrack files a recommendation under one "
                "state under review: split the row, or leave it out with --skip-bad-rows.",
                states=", ".join(states),
            )
        )
    state = states[0] if states else options.state
    text = clean_text(cell_text(one("text")))
    if not text:
        reasons.append(_("The row has no text."))
    session = _number(
        one("session"),
        constants.get("session"),
        reasons,
        _("The session must be a number such as 20, not %(value)s."),
    )
    if session == 0:
        reasons.append(_("The session must be a number such as 20, not %(value)s.", value="0"))
    action = _number(
        one("action_category"),
        None,
        reasons,
        _("The action category must be a digit from 1 to 5, not %(value)s."),
    )
    if action is not None and not 1 <= action <= 5:
        reasons.append(_("The action category must be a digit from 1 to 5, not %(value)s.", value=action))
    published_on = _date(one("document_date"), reasons)
    bodies = [constants["body"]] if "body" in constants else many("body")
    body = ", ".join(bodies) or None
    symbol = constants.get("document_symbol") or single_value(one("document_symbol")) or None
    kind = constants.get("kind") or body_kind(body, session)
    if "slug" not in constants and not state:
        reasons.append(
            _(
                "The row does not say which state it concerns: map the state column, or give the state "
                '(state = "Kazakhstan" under [source], or --state).'
            )
        )
    elif "slug" not in constants and kind is SourceKind.upr_review and session is None:
        reasons.append(
            _(
                "A UPR recommendation needs its session: map the session column "
                "or give session under [source]."
            )
        )
    if reasons:
        return RefusedRow(line, " ".join(reasons))
    if "slug" in constants:
        spec = _constant_source(constants, options)
    else:
        spec = _source_for(kind, state, session, body, symbol, fallback)
    word = single_value(one("response"))
    external = single_value(one("external_id"))
    row = ImportedRow(
        line=line,
        source=spec,  # described again once every row of the source is read
        text=text,
        paragraph=single_value(one("paragraph")) or None,
        recommending_states=tuple(many("recommending_states")),
        response=response_of(word),
        response_original=word or None,
        action_category=action,
        categories=_categories(many),
        external_id=(f"{mapping.id_prefix}:{external}" if mapping.id_prefix else external)
        if external
        else None,
        translations=_translations(one, origin),
    )
    return _Draft(row, spec, symbol, published_on)


def _translations(one: Any, origin: TranslationOrigin | None) -> tuple[TranslationSpec, ...]:
    """The row's text in the languages the mapping names columns for; an empty cell is no translation."""
    if origin is None:
        return ()
    found = []
    for name, language in TRANSLATION_FIELDS.items():
        text = clean_text(cell_text(one(name)))
        if text:
            found.append(TranslationSpec(language, text, origin.provenance, origin.translator))
    return tuple(found)


def _same_state(name: str, wanted: str) -> bool:
    code = state_code(name)
    return normalise_text(name) == normalise_text(wanted) or (code is not None and code == state_code(wanted))


def _number(value: object, constant: object, reasons: list[str], message: str) -> int | None:
    if isinstance(constant, int):
        return constant
    try:
        return whole_number(value)
    except ValueError:
        reasons.append(message % {"value": single_value(value)})
        return None


def _date(value: object, reasons: list[str]) -> date | None:
    try:
        return cell_date(value)
    except (ValueError, OverflowError):
        reasons.append(
            _(
                "The document date %(value)s is neither a date, an Excel day number nor YYYY-MM-DD.",
                value=single_value(value),
            )
        )
        return None


def _categories(many: Any) -> tuple[CategorySpec, ...]:
    categories: list[CategorySpec] = []
    for name, kind in _CATEGORY_FIELDS.items():
        categories.extend(CategorySpec(kind, label) for label in many(name))
    for value in many("sdg_targets"):
        target, label = sdg_target(value)
        categories.append(CategorySpec(CategoryKind.sdg, label, slug=target))
    unique: list[CategorySpec] = []
    for category in categories:
        if category not in unique:
            unique.append(category)
    return tuple(unique)


def _source_for(
    kind: SourceKind,
    state: str | None,
    session: int | None,
    body: str | None,
    symbol: str | None,
    fallback: str,
) -> SourceSpec:
    if kind is SourceKind.upr_review and state and session is not None:
        return upr_source(state, session, document_symbol=symbol)
    return body_source(kind, state, body, symbol, fallback_name=fallback)


def _constant_source(constants: dict[str, Any], options: ReadOptions) -> SourceSpec:
    """The one source of a sheet whose mapping gives the source's slug."""
    kind = constants["kind"]
    session = constants.get("session")
    return SourceSpec(
        slug=constants["slug"],
        kind=kind,
        title=constants["title"],
        publisher=constants["publisher"],
        state_under_review=constants.get("state") or options.state,
        session=session,
        cycle=upr_cycle(session) if session and kind is SourceKind.upr_review else None,
    )


def _with_sources(
    drafts: list[_Draft], mapping: Mapping, options: ReadOptions, result: ReadResult
) -> list[ImportedRow]:
    """Every row with its source, described once per source from the first row that says each thing."""
    firsts: dict[str, _Draft] = {}
    symbols: dict[str, list[str]] = {}
    dates: dict[str, date] = {}
    for draft in drafts:
        firsts.setdefault(draft.spec.slug, draft)
        seen = symbols.setdefault(draft.spec.slug, [])
        if draft.symbol and draft.symbol not in seen:
            seen.append(draft.symbol)
        if draft.published_on:
            dates.setdefault(draft.spec.slug, draft.published_on)
    sources = {
        slug: _describe(first.spec, symbols[slug], dates.get(slug), mapping, options)
        for slug, first in firsts.items()
    }
    for slug, seen in symbols.items():
        if len(seen) > 1:
            result.notes.append(
                _(
                    "Rows of the source %(source)s name several documents (%(symbols)s); "
                    "the source is described by the first.",
                    source=slug,
                    symbols=", ".join(seen),
                )
            )
    return [replace(draft.row, source=sources[draft.spec.slug]) for draft in drafts]


def _describe(
    spec: SourceSpec, symbols: list[str], published_on: date | None, mapping: Mapping, options: ReadOptions
) -> SourceSpec:
    """A source as its rows and the mapping's constants describe it."""
    described = replace(spec, document_symbol=symbols[0] if symbols else None, published_on=published_on)
    overrides = {key: mapping.source[key] for key in _OVERRIDES if key in mapping.source}
    if described.kind is SourceKind.upr_review and "reviewed_on" not in overrides and options.reviewed_on:
        overrides["reviewed_on"] = options.reviewed_on
    return replace(described, **overrides)
