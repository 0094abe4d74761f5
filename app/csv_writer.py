"""CSV as spreadsheets read it: UTF-8 with a byte-order mark, RFC 4180, no cell run as a formula."""

import csv
import io
from collections.abc import Iterable

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
BOM = "\ufeff"  # so Excel reads Cyrillic and typographic quotes
# A spreadsheet runs a cell that starts with one of these as a formula: text from monitors must not.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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

    def take(self) -> str:
        """The text written since the last take."""
        text = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return text
