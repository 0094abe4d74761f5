"""The UPR Info database CSV export: one row a recommendation, one source per state under review and session.

Columns `To, To-Rgrp, To-Org, Text, From, From-Rgrp, From-Org, Response, Action, Issue, Session`
(../shared/DESIGN.md, "Import formats"); names are matched trimmed and case-insensitive, in any order, and
other columns are ignored, except one that holds the text in Russian or Kazakh (`text_ru`, `Text (Russian)`,
`Kazakh text`: app/imports/translated.py), whose cells become translations. Cells are only ever text:
nothing is evaluated.
"""

import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from functools import lru_cache
from typing import Literal

from app.i18n.translation import gettext as _
from app.i18n.translation import ngettext
from app.imports.decoding import decode_text
from app.imports.identity import clean_text, normalise_text, state_code, upr_source_slug
from app.imports.mechanisms import upr_source
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
from app.imports.translated import header_language, origin_for
from app.vocabulary import CategoryKind, Response, label

name = "upr-info"

COLUMNS = (
    "To",
    "To-Rgrp",
    "To-Org",
    "Text",
    "From",
    "From-Rgrp",
    "From-Org",
    "Response",
    "Action",
    "Issue",
    "Session",
)
REQUIRED = ("To", "Text", "From", "Response", "Session")

# The words UPR Info and the UN have used for a state's position, case-folded; any other word is `unclear`.
RESPONSES = {
    "accepted": Response.supported,
    "supported": Response.supported,
    "noted": Response.noted,
    "rejected": Response.noted,
    "not accepted": Response.noted,
    "partially accepted": Response.partially_supported,
    "partially supported": Response.partially_supported,
    "pending": Response.pending,
}
ACTION_CATEGORIES = {"1": 1, "2": 2, "3": 3, "4": 4, "5": 5}
# Excel in many European locales separates cells with semicolons; the header shows which one a file uses.
_DELIMITERS = (",", ";", "\t")
_SESSION = re.compile(r"[0-9]+")
# The names that listed a state in the ISO manner, "Korea, Republic of": a piece like this is never a state.
_QUALIFIER_ENDS = (("of",), ("of", "the"))
_STATES_LISTED = 30


def read(data: bytes, filename: str, options: ReadOptions) -> ReadResult:
    """Read a UPR Info CSV export into rows, one source per (state under review, session)."""
    text, encoding = decode_text(data)
    delimiter = _delimiter(text)
    records = _records(text, delimiter)
    header = next((record for record in records if any(cell.strip() for cell in record[1])), None)
    if header is None:
        raise UnreadableFile(_("The file is empty."))
    columns = _columns(header[1])
    result = ReadResult(format=name, encoding=encoding)
    if delimiter != ",":
        result.notes.append(
            _("The file's cells are separated by “%(delimiter)s”.", delimiter=_shown(delimiter))
        )
    rows = _Rows(columns, len(header[1]), options.state)
    rows.translated = _translation_columns(header[1], options, result)
    for line, cells in records:
        rows.add(line, cells, result)
    if rows.count == 0:
        raise UnreadableFile(_("The file has a header but no rows."))
    if rows.wanted is not None and rows.skipped == rows.count:
        raise UnreadableFile(
            _(
                "No row is about %(state)s; the states under review in the file are: %(states)s.",
                state=options.state,
                states=_listed(list(rows.states_seen.values())),
            )
        )
    if rows.skipped:
        result.notes.append(
            ngettext(
                "%(num)s row about another state than %(state)s was left out.",
                "%(num)s rows about other states than %(state)s were left out.",
                rows.skipped,
                state=rows.kept_state or options.state,
            )
        )
    result.rows = rows.rows
    if options.reviewed_on is not None:
        _date_review(result, options.reviewed_on)
    return result


class _Rows:
    """The rows of one file as they are read: each checked, filtered by state, given its source."""

    def __init__(self, columns: dict[str, int], header_width: int, state: str | None) -> None:
        # Absent optional columns read an empty cell just past the header's last, which every row gets.
        self.width = header_width + 1
        self.at = {column.casefold(): columns.get(column.casefold(), header_width) for column in COLUMNS}
        self.wanted = (
            None if state is None or not state.strip() else (normalise_text(state), state_code(state))
        )
        self.rows: list[ImportedRow] = []
        self.sources: dict[tuple[str, int], SourceSpec] = {}
        self.states_seen: dict[str, str] = {}
        self.is_wanted: dict[str, bool] = {}
        self.kept_state: str | None = None  # the wanted state as the file spells it
        self.count = self.skipped = 0
        self.translated: list[tuple[int, str, TranslationOrigin]] = []  # (column, language, whose)

    def add(self, line: int, cells: list[str], result: ReadResult) -> None:
        """Check a record: a row, a refused row, or nothing (an empty record, another state's row)."""
        if len(cells) < self.width:
            cells.extend([""] * (self.width - len(cells)))
        else:
            cells[self.width - 1] = ""  # a row longer than the header: its extra cells are ignored
        if not any(cell.strip() for cell in cells):
            return
        self.count += 1
        at = self.at
        state = _one_line(cells[at["to"]])
        if state and self.wanted is not None and not self._keep(state):
            self.skipped += 1
            return
        problems: list[str] = []
        if not state:
            problems.append(_("The row names no state under review (column To)."))
        session_cell = cells[at["session"]]
        session = _session(session_cell)
        if session is None:
            problems.append(_session_problem(session_cell))
        text = clean_text(cells[at["text"]])
        if not text:
            problems.append(_("The row has no text."))
        recommenders = recommending_states(cells[at["from"]])
        if not recommenders:
            problems.append(_("The row names no recommending state (column From)."))
        action_cell = cells[at["action"]]
        action = _action(action_cell)
        if action is False:
            problems.append(
                _("The action category “%(value)s” is not one of 1 to 5.", value=_one_line(action_cell))
            )
        if problems or session is None or action is False:
            result.refused.append(RefusedRow(line, " ".join(problems)))
            return
        response, response_original = _response(cells[at["response"]])
        self.rows.append(
            ImportedRow(
                line=line,
                source=self._source(state, session),
                text=text,
                recommending_states=recommenders,
                response=response,
                response_original=response_original,
                action_category=action,
                categories=themes(cells[at["issue"]]),
                translations=tuple(
                    TranslationSpec(language, translated, origin.provenance, origin.translator)
                    for column, language, origin in self.translated
                    if (translated := clean_text(cells[column]))
                ),
            )
        )

    def _keep(self, state: str) -> bool:
        if state not in self.is_wanted:
            assert self.wanted is not None
            key, code = self.wanted
            self.states_seen.setdefault(normalise_text(state), state)
            self.is_wanted[state] = normalise_text(state) == key or (
                code is not None and state_code(state) == code
            )
        if self.is_wanted[state]:
            self.kept_state = self.kept_state or state
        return self.is_wanted[state]

    def _source(self, state: str, session: int) -> SourceSpec:
        source = self.sources.get((state, session))
        if source is None:
            slug = upr_source_slug(state, session)
            # Two spellings of one state ("Turkey", "Türkiye") are one review: the first spelling names it.
            same = next((known for known in self.sources.values() if known.slug == slug), None)
            source = same or _source(slug, state, session)
            self.sources[(state, session)] = source
        return source


def _translation_columns(
    header: list[str], options: ReadOptions, result: ReadResult
) -> list[tuple[int, str, TranslationOrigin]]:
    """The columns holding the text in another language (one a language), with whose translations they are."""
    found: dict[str, tuple[int, str]] = {}
    for index, cell in enumerate(header):
        name = cell.strip().lstrip("\ufeff").strip()
        language = header_language(name)
        if language is not None and language not in found:
            found[language] = (index, name)
    if not found:
        return []
    names = ", ".join(f"“{name}”" for _index, name in found.values())
    origin = origin_for(options, _("The column %(columns)s", columns=names))
    for language, (_index, name) in found.items():
        result.notes.append(
            _(
                "The column “%(column)s” is read as the text in %(language)s (a translation).",
                column=name,
                language=label("language", language),
            )
        )
    return [(index, language, origin) for language, (index, _name) in found.items()]


def _date_review(result: ReadResult, reviewed_on: date) -> None:
    """Give the review date to the file's one review; with several reviews, say why it was not used."""
    sources = {row.source.slug for row in result.rows}
    if len(sources) == 1:
        source = replace(result.rows[0].source, reviewed_on=reviewed_on)
        result.rows = [replace(row, source=source) for row in result.rows]
    elif sources:
        result.notes.append(
            _(
                "The review date was not used: the file holds %(count)s reviews (states and sessions), "
                "and one date cannot be right for all of them.",
                count=len(sources),
            )
        )


@lru_cache(maxsize=4096)
def recommending_states(cell: str) -> tuple[str, ...]:
    """The states of a From cell, in file order without repeats: "Hungary; Korea, Republic of" is two states.

    Names are separated by semicolons or commas; a comma inside a name ("Korea, Republic of") is told
    from a separator because the piece after it is no state on its own but completes one.
    """
    names: list[str] = []
    seen: set[str] = set()
    for group in cell.split(";"):
        for state in _joined(_one_line(piece) for piece in group.split(",")):
            key = normalise_text(state)
            if key not in seen:
                seen.add(key)
                names.append(state)
    return tuple(names)


@lru_cache(maxsize=4096)
def themes(cell: str) -> tuple[CategorySpec, ...]:
    """The Issue labels of a row, split on commas, as themes in file order without repeats."""
    labels: dict[str, CategorySpec] = {}
    for piece in cell.split(","):
        label = _one_line(piece)
        if label:
            labels.setdefault(normalise_text(label), CategorySpec(kind=CategoryKind.theme, label=label))
    return tuple(labels.values())


def _joined(pieces: Iterator[str]) -> list[str]:
    names: list[str] = []
    for piece in pieces:
        if not piece:
            continue
        if names and (_is_qualifier(piece) or _completes(names[-1], piece)):
            names[-1] = f"{names[-1]}, {piece}"
        else:
            names.append(piece)
    return names


def _is_qualifier(piece: str) -> bool:
    words = tuple(normalise_text(piece).split())
    if not words:
        return False
    return words[0] == "the" or any(words[-len(end) :] == end for end in _QUALIFIER_ENDS)


def _completes(before: str, piece: str) -> bool:
    return state_code(piece) is None and state_code(f"{before}, {piece}") is not None


def _source(slug: str, state: str, session: int) -> SourceSpec:
    # As every UPR format describes a review, so that a UHRI export and this one meet in one source.
    return replace(upr_source(state, session), slug=slug)


@lru_cache(maxsize=1024)
def _session(cell: str) -> int | None:
    value = _one_line(cell)
    if not _SESSION.fullmatch(value) or int(value) == 0:
        return None
    return int(value)


def _session_problem(cell: str) -> str:
    value = _one_line(cell)
    if not value:
        return _("The row has no session number (column Session).")
    return _("The session “%(value)s” is not a session number such as 20.", value=value)


@lru_cache(maxsize=256)
def _action(cell: str) -> int | None | Literal[False]:
    """The action category, None when the cell is empty, False when it is no category."""
    value = _one_line(cell)
    if not value:
        return None
    return ACTION_CATEGORIES.get(value, False)


@lru_cache(maxsize=256)
def _response(cell: str) -> tuple[Response | None, str | None]:
    word = _one_line(cell)
    if not word:
        return None, None
    return RESPONSES.get(normalise_text(word), Response.unclear), word


def _columns(header: list[str]) -> dict[str, int]:
    """Where each known column is (lower-case name -> index); UnreadableFile naming what is missing."""
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        found.setdefault(cell.strip().lstrip("\ufeff").strip().casefold(), index)
    missing = [column for column in REQUIRED if column.casefold() not in found]
    if missing:
        present = [cell.strip() for cell in header if cell.strip()]
        raise UnreadableFile(
            _(
                "The file is not a UPR Info export: it lacks the columns %(missing)s (its columns are: "
                "%(found)s). A UPR Info export has the columns %(columns)s.",
                missing=", ".join(missing),
                found=_listed(present) or _("none"),
                columns=", ".join(COLUMNS),
            )
        )
    return {column.casefold(): found[column.casefold()] for column in COLUMNS if column.casefold() in found}


def _delimiter(text: str) -> str:
    """The separator that makes the header name the required columns; a comma when none does."""
    first = next((line for line in io.StringIO(text, newline="") if line.strip()), "")
    for delimiter in _DELIMITERS:
        names = {
            cell.strip().lstrip("\ufeff").strip().casefold()
            for cell in next(csv.reader([first], delimiter=delimiter), [])
        }
        if all(column.casefold() in names for column in REQUIRED):
            return delimiter
    return ","


def _records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Each record with the line it starts on; a quoted cell may span lines (LF, CRLF or a bare CR)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    start = 1
    try:
        for cells in reader:
            yield start, cells
            start = reader.line_num + 1
    except csv.Error as error:
        raise UnreadableFile(
            _(
                "The row that begins on line %(line)s cannot be read as CSV (%(error)s): "
                "is a quote mark missing?",
                line=start,
                error=str(error),
            )
        ) from None


def _one_line(cell: str) -> str:
    """A cell as one line: NFC, runs of spaces and line breaks made one space (as clean_text, on one line)."""
    return unicodedata.normalize("NFC", " ".join(cell.split()))


def _listed(names: list[str]) -> str:
    if len(names) <= _STATES_LISTED:
        return ", ".join(names)
    more = len(names) - _STATES_LISTED
    return ngettext(
        "%(names)s and %(num)s more",
        "%(names)s and %(num)s more",
        more,
        names=", ".join(names[:_STATES_LISTED]),
    )


def _shown(delimiter: str) -> str:
    return {"\t": _("tab")}.get(delimiter, delimiter)
