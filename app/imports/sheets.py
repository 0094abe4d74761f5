"""A spreadsheet's rows, from an XLSX workbook (recognised by its content) or a CSV file in any encoding.

openpyxl reads cell values without evaluating anything: with `data_only=False` a formula cell arrives as
the text of its formula ("=1+1"), never as a result. Whatever a damaged file makes openpyxl raise is an
UnreadableFile, never an error of the server.
"""

import csv
import io
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from openpyxl import load_workbook

from app.i18n.translation import gettext as _
from app.imports.decoding import decode_text
from app.imports.rows import UnreadableFile

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls (and .doc) container
DELIMITERS = (",", ";", "\t")

Row = tuple[
    int, tuple[object, ...]
]  # the row's number in the sheet (the line it starts on in a CSV), its cells


@dataclass
class Sheet:
    """One sheet of a file: where its rows come from and the encoding a CSV file was read in."""

    kind: str  # "xlsx" or "csv"
    encoding: str | None
    rows: Iterator[Row]


def is_xlsx(data: bytes) -> bool:
    """Whether the bytes are a zip archive, as an XLSX workbook is (whatever the file is named)."""
    return data.startswith(ZIP_MAGIC)


def open_sheet(data: bytes, sheet_name: str | None = None, delimiter: str | None = None) -> Sheet:
    """The file's sheet (the first, or the one named) as rows of cell values; UnreadableFile if none."""
    if is_xlsx(data):
        return Sheet("xlsx", None, _xlsx_rows(data, sheet_name))
    if data.startswith(OLE_MAGIC):
        raise UnreadableFile(
            _("The file is an old Excel workbook (.xls): save it as .xlsx or CSV and try again.")
        )
    text, encoding = decode_text(data)
    return Sheet("csv", encoding, _csv_rows(text, delimiter))


def _xlsx_rows(data: bytes, sheet_name: str | None) -> Iterator[Row]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it skips
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as error:  # zipfile, XML and openpyxl's own errors: the file is damaged or no workbook
        raise _not_a_workbook(error) from error
    try:
        sheet = _pick_sheet(workbook, sheet_name)
        # Some writers record a wrong size (e.g. "A1"): read what the sheet holds, not what it claims.
        sheet.reset_dimensions()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # Missing rows come back empty, so counting gives each row's number in the sheet.
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield number, tuple(values)
    except UnreadableFile:
        raise
    except Exception as error:
        raise _not_a_workbook(error) from error
    finally:
        workbook.close()


def _pick_sheet(workbook: Any, name: str | None) -> Any:
    sheets = workbook.worksheets
    if name is None:
        if not sheets:
            raise UnreadableFile(_("The workbook has no worksheet."))
        return sheets[0]
    for sheet in sheets:
        if sheet.title == name:
            return sheet
    raise UnreadableFile(
        _(
            "The workbook has no sheet named %(name)s; its sheets are: %(sheets)s.",
            name=name,
            sheets=", ".join(sheet.title for sheet in sheets),
        )
    )


def _not_a_workbook(error: Exception) -> UnreadableFile:
    detail = str(error) or type(error).__name__
    if isinstance(error, zipfile.BadZipFile):
        return UnreadableFile(
            _("The file is a damaged zip archive, not a readable workbook (%(detail)s).", detail=detail)
        )
    return UnreadableFile(
        _(
            "The file could not be read as an Excel workbook (.xlsx): %(detail)s. "
            "Save it as .xlsx or CSV and try again.",
            detail=detail,
        )
    )


def sniff_delimiter(text: str) -> str:
    """The delimiter of a CSV file's header line: whichever of comma, semicolon or tab it holds most of."""
    first = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    return max(DELIMITERS, key=first.count) if first else ","


def _csv_rows(text: str, delimiter: str | None) -> Iterator[Row]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter or sniff_delimiter(text))
    start = 1
    try:
        for values in reader:
            yield start, tuple(values)
            start = reader.line_num + 1
    except csv.Error as error:
        raise UnreadableFile(
            _(
                "The CSV file cannot be read at line %(line)s: %(detail)s.",
                line=reader.line_num,
                detail=str(error),
            )
        ) from error
