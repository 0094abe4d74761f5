"""What every importer reads a file into: sources and rows, with the rows it refused and why.

Readers never touch the database: `apply.apply_import` matches the rows to what is stored and writes.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from app.vocabulary import CategoryKind, Response, SourceKind


class UnreadableFile(Exception):
    """The file as a whole cannot be read (empty, binary, wrong columns): nothing is imported."""


@dataclass(frozen=True)
class SourceSpec:
    """A source as a file describes it; `slug` identifies it, the rest is used only when it is created."""

    slug: str
    kind: SourceKind
    title: str
    publisher: str
    state_under_review: str | None = None
    cycle: int | None = None
    session: int | None = None
    reviewed_on: date | None = None
    document_symbol: str | None = None
    published_on: date | None = None
    url: str | None = None
    date_note: str | None = None


@dataclass(frozen=True)
class SectionSpec:
    """A source's own grouping, for curated files; imports without sections get section 1."""

    number: int
    title: str


@dataclass(frozen=True)
class CategorySpec:
    """A theme, addressee or SDG target a row is filed under (recommending states have their own field)."""

    kind: CategoryKind
    label: str
    # The editor's slug (curated files, SDG targets such as "16.3"); None: the writer finds the category
    # by its label (themes.py maps labels that mean the same onto one theme) or makes a slug from the label.
    slug: str | None = None


@dataclass(frozen=True)
class TranslationSpec:
    """The row's text in another language (curated files: `text_ru`, ...), and whose translation it is."""

    language: str
    text: str
    provenance: str = "unofficial"
    translator: str | None = None
    # Where it came from when a second file of translations gave it (--translations): that file's
    # SHA-256 and line; None when the import file itself holds it.
    file_sha256: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class TranslationOrigin:
    """Whose the translations of an import are (`--translation-provenance`, `--translator`): the body's own
    version (official), or someone's translation (unofficial), credited to the translator named."""

    provenance: str = "unofficial"
    translator: str | None = None


@dataclass(frozen=True)
class ImportedRow:
    """One recommendation as a file holds it, already cleaned (trimmed, "- " prefixes gone, labels split)."""

    line: int  # where the row starts in the file (1 = the first line, the header's line for spreadsheets)
    source: SourceSpec
    text: str
    paragraph: str | None = None
    recommending_states: tuple[str, ...] = ()
    response: Response | None = None
    response_original: str | None = None  # the word the file used ("Accepted"), kept as written
    action_category: int | None = None
    categories: tuple[CategorySpec, ...] = ()
    # A stable id the format gives the row (UHRI: "uhri:<annotation id>"); None where the format has none.
    external_id: str | None = None
    # Curated files only: the code and section the row is given by its editor.
    code: str | None = None
    section: SectionSpec | None = None
    # Translations of the text; a new recommendation's genesis entry anchors them (known ones: not changed).
    translations: tuple[TranslationSpec, ...] = ()


@dataclass(frozen=True)
class RefusedRow:
    """A row the importer will not take, with the line it starts on and a reason a person can act on."""

    line: int
    reason: str


@dataclass
class ReadResult:
    """A file read through: its rows, the rows refused, and what the reader noticed (the encoding used)."""

    format: str
    rows: list[ImportedRow] = field(default_factory=list)
    refused: list[RefusedRow] = field(default_factory=list)
    encoding: str | None = None
    notes: list[str] = field(default_factory=list)
    # Rows of the second file of translations (--translations) that cannot be used, with their reasons.
    translations_refused: list[RefusedRow] = field(default_factory=list)


@dataclass(frozen=True)
class ReadOptions:
    """What the user said about the file: the one state to keep, a column mapping, a review date, and whose
    its translations are (None: not said; a curated file's [translation] table then says it)."""

    state: str | None = None
    mapping: dict[str, object] | None = None  # a parsed mapping (readers.mapped), for the "mapped" format
    reviewed_on: date | None = None
    translation: TranslationOrigin | None = None


class Reader(Protocol):
    """One import format: reads a file's bytes into rows, or raises UnreadableFile."""

    name: str

    def read(self, data: bytes, filename: str, options: ReadOptions) -> ReadResult: ...
