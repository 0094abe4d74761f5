"""Read a file with its format's reader and apply it: what the CLI, the API and the web form share."""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from app.imports.apply import ApplyOptions, apply_import
from app.imports.formats import reader_for
from app.imports.mapping import load_mapping, mapping_from_toml
from app.imports.report import ImportReport
from app.imports.rows import ReadOptions, ReadResult
from app.imports.translation_file import attach_translations

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ImportRequest:
    """One file to import and how."""

    format: str
    data: bytes
    filename: str
    read: ReadOptions
    dry_run: bool = False
    skip_bad_rows: bool = False
    update_texts: bool = False
    recorded_by: int | None = None
    responses_on: date | None = None
    translations: bytes | None = None  # a second file of translations keyed by paragraph (--translations)


def read_file(request: ImportRequest) -> ReadResult:
    """The file read by its format's reader, with the translations file's texts; UnreadableFile when either
    cannot be read."""
    result = reader_for(request.format)(request.data, request.filename, request.read)
    if request.translations is not None:
        attach_translations(result, request.translations, request.read)
    return result


def run_import(
    session: Session,
    request: ImportRequest,
    result: ReadResult | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Read (unless already read) and apply the file; the caller's session commits or rolls back."""
    read = result if result is not None else read_file(request)
    options = ApplyOptions(
        filename=request.filename,
        file_sha256=hashlib.sha256(request.data).hexdigest(),
        dry_run=request.dry_run,
        skip_bad_rows=request.skip_bad_rows,
        update_texts=request.update_texts,
        recorded_by=request.recorded_by,
        responses_on=request.responses_on,
    )
    return apply_import(session, read, options, progress=progress)


def mapping_option(name: str | None, uploaded: bytes | None) -> dict[str, object] | None:
    """A column mapping from a built-in name (e.g. "uhri") or an uploaded TOML file."""
    if uploaded:
        return mapping_from_toml(uploaded)
    return load_mapping(name) if name else None
