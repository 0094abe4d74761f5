"""A second file of translations keyed by paragraph (`--translations FILE`), given to the rows of the import.

A CSV (any encoding) or XLSX sheet whose first non-empty row is the header; names are compared ignoring case:

    paragraph           the recommendation's paragraph as the source numbers it (118.12): required
    source              the source's slug (upr-kz-s20): needed only when a paragraph is in several sources
    text_ru, text_kk    the text in that language (or "Text (Russian)", "Kazakh text"...), a column a language
 or language, text      one translation a row: the language (ru, kk, Russian...) and its text

A paragraph is looked for among the rows of the import file (after --state); a row that finds no
recommendation, or several, or contradicts the import file, is refused with its line and the reason, and
like a refused row of the import file it stops the import unless --skip-bad-rows. Empty cells give nothing.
"""

import hashlib
from dataclasses import dataclass, replace

from app.i18n.translation import gettext as _
from app.i18n.translation import ngettext
from app.imports.cells import cell_text
from app.imports.identity import clean_text, normalise_text
from app.imports.rows import (
    ImportedRow,
    ReadOptions,
    ReadResult,
    RefusedRow,
    TranslationOrigin,
    TranslationSpec,
    UnreadableFile,
)
from app.imports.sheets import open_sheet
from app.imports.translated import TRANSLATION_LANGUAGES, header_language, language_of, origin_for
from app.vocabulary import label


@dataclass
class _Columns:
    paragraph: int
    source: int | None
    texts: dict[str, int]  # language -> column (the wide form)
    language: int | None = None  # the long form: a language column and a text column
    text: int | None = None


def attach_translations(result: ReadResult, data: bytes, options: ReadOptions) -> ReadResult:
    """The import's rows with the translations file's texts added; its unusable rows in
    `translations_refused`. UnreadableFile when the file as a whole cannot be used."""
    origin = origin_for(options, _("The translations file"))
    sheet = open_sheet(data)
    digest = hashlib.sha256(data).hexdigest()
    rows = ((line, values) for line, values in sheet.rows if any(cell_text(v).strip() for v in values))
    header = next(rows, None)
    if header is None:
        raise UnreadableFile(_("The translations file is empty."))
    columns = _columns([clean_text(cell_text(value)) for value in header[1]])
    index = _Index(result.rows)
    given = 0
    for line, values in rows:
        cells = [cell_text(value) for value in values]
        refusal = index.take(line, _read_row(line, cells, columns), origin, digest)
        if refusal is None:
            given += 1
        else:
            result.translations_refused.append(refusal)
    result.rows = index.rows()
    result.notes.append(
        ngettext(
            "The translations file gives %(num)d row of translations.",
            "The translations file gives %(num)d rows of translations.",
            given,
        )
    )
    if sheet.encoding:
        result.notes.append(_("The translations file was read as %(encoding)s.", encoding=sheet.encoding))
    return result


def _columns(header: list[str]) -> _Columns:
    named = {normalise_text(name): position for position, name in reversed(list(enumerate(header)))}
    texts: dict[str, int] = {}
    for position, name in enumerate(header):
        language = header_language(name)
        if language is not None:
            texts.setdefault(language, position)
    paragraph = named.get("paragraph")
    long_form = "language" in named and "text" in named
    if paragraph is None or not (texts or long_form):
        raise UnreadableFile(
            _(
                "The translations file needs a paragraph column and the texts: a column a language "
                "(%(columns)s) or the columns language and text. Its columns are: %(found)s.",
                columns=", ".join(f"text_{language}" for language in TRANSLATION_LANGUAGES),
                found=", ".join(name for name in header if name) or _("none"),
            )
        )
    if texts:
        return _Columns(paragraph, named.get("source"), texts)
    return _Columns(paragraph, named.get("source"), {}, named["language"], named["text"])


@dataclass
class _Given:
    paragraph: str
    source: str | None
    texts: list[tuple[str, str]]  # (language, text)
    problem: str | None = None


def _read_row(line: int, cells: list[str], columns: _Columns) -> _Given:
    def at(position: int | None) -> str:
        return cells[position] if position is not None and position < len(cells) else ""

    paragraph = " ".join(at(columns.paragraph).split())
    source = " ".join(at(columns.source).split()) or None
    texts = [(language, clean_text(at(position))) for language, position in columns.texts.items()]
    given = _Given(paragraph, source, [(language, text) for language, text in texts if text])
    if columns.language is not None:
        word, text = at(columns.language).strip(), clean_text(at(columns.text))
        language = language_of(word) if word else None
        if text and language is None:
            given.problem = _(
                "The language %(value)s is not one a translation can be in (%(languages)s).",
                value=repr(word),
                languages=", ".join(TRANSLATION_LANGUAGES),
            )
        elif text and language is not None:
            given.texts.append((language, text))
    if not paragraph:
        given.problem = _("The row gives no paragraph.")
    elif not given.texts and given.problem is None:
        given.problem = _("The row gives no translation.")
    return given


class _Index:
    """The import's rows by paragraph, taking translations one row of the translations file at a time."""

    def __init__(self, rows: list[ImportedRow]) -> None:
        self._rows = list(rows)
        self._added: dict[int, dict[str, TranslationSpec]] = {}
        self._by_paragraph: dict[str, list[int]] = {}
        for position, row in enumerate(rows):
            if row.paragraph:
                self._by_paragraph.setdefault(_key(row.paragraph), []).append(position)

    def take(self, line: int, given: _Given, origin: TranslationOrigin, digest: str) -> RefusedRow | None:
        """Give the row's translations to the recommendation its paragraph names, or say why not."""
        if given.problem is not None:
            return RefusedRow(line, given.problem)
        found = self._by_paragraph.get(_key(given.paragraph), [])
        if given.source is not None:
            found = [p for p in found if self._rows[p].source.slug == given.source]
        if not found:
            sources = sorted({row.source.slug for row in self._rows})
            return RefusedRow(
                line,
                _(
                    "No recommendation of the import has the paragraph %(paragraph)s (sources: %(sources)s).",
                    paragraph=given.paragraph,
                    sources=given.source or ", ".join(sources) or _("none"),
                ),
            )
        if len({(self._rows[p].source.slug, normalise_text(self._rows[p].text)) for p in found}) > 1:
            return RefusedRow(
                line,
                _(
                    "Several recommendations of the import have the paragraph %(paragraph)s (lines "
                    "%(lines)s of the import file); add a source column, or give each its own paragraph.",
                    paragraph=given.paragraph,
                    lines=", ".join(str(self._rows[p].line) for p in found),
                ),
            )
        for language, text in given.texts:
            clash = self._clash(found[0], language, text)
            if clash is not None:
                return RefusedRow(line, clash)
        for position in found:
            added = self._added.setdefault(position, {})
            for language, text in given.texts:
                added[language] = TranslationSpec(
                    language, text, origin.provenance, origin.translator, file_sha256=digest, line=line
                )
        return None

    def _clash(self, position: int, language: str, text: str) -> str | None:
        """Why the text cannot be taken: the import file or an earlier line gives another one."""
        row = self._rows[position]
        own = next((spec for spec in row.translations if spec.language == language), None)
        earlier = self._added.get(position, {}).get(language)
        if own is not None and own.text != text:
            return _(
                "The import file gives another %(language)s text for this paragraph (its line %(line)d).",
                language=label("language", language),
                line=row.line,
            )
        if earlier is not None and earlier.text != text:
            return _(
                "Line %(line)d already gives another %(language)s text for this paragraph.",
                line=earlier.line,
                language=label("language", language),
            )
        return None

    def rows(self) -> list[ImportedRow]:
        """The rows with the translations taken (the import file's own ones kept first)."""
        rows = list(self._rows)
        for position, added in self._added.items():
            row = rows[position]
            own = {spec.language for spec in row.translations}
            extra = tuple(spec for language, spec in added.items() if language not in own)
            rows[position] = replace(row, translations=row.translations + extra)
        return rows


def _key(paragraph: str) -> str:
    return " ".join(paragraph.split()).casefold()
