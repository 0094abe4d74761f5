"""CSV as spreadsheets read it: UTF-8 with a byte-order mark, RFC 4180, no cell run as a formula."""

import csv
import io
import re
from collections.abc import Iterable, Sequence

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
BOM = "\ufeff"  # so Excel reads Cyrillic and typographic quotes
# A spreadsheet runs a cell that starts with one of these as a formula: text from monitors must not.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A cell that starts with one of them, in a row's cells joined with NULs: one search a row finds those to fix.
_FORMULA_CELL = re.compile("\x00[" + re.escape("".join(FORMULA_STARTS)) + "]")


def safe(value: str) -> str:
    """The cell text, with a leading apostrophe when a spreadsheet would otherwise run it as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


class CsvChunks:
    """A csv writer over a string buffer that is emptied each time it is read, for streamed responses."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="\r\n")  # RFC 4180: CRLF, minimal quoting

    def write(self, values: Iterable[str]) -> None:
        """Add one row of cells."""
        # `safe` inlined: this runs for every cell of a matrix export.
        self.writer.writerow(["'" + value if value.startswith(FORMULA_STARTS) else value for value in values])

    def write_rows(self, rows: Iterable[Sequence[str]]) -> None:
        """Add rows of cells at once."""
        self.writer.writerows(map(_safe_row, rows))

    def take(self) -> str:
        """The text written since the last take."""
        text = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return text


def _safe_row(row: Sequence[str]) -> Sequence[str]:
    if _FORMULA_CELL.search("\x00" + "\x00".join(row)) is None:
        return row
    return ["'" + value if value.startswith(FORMULA_STARTS) else value for value in row]
