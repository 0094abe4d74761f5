"""CSV: UTF-8 with a byte-order mark (so Excel reads Cyrillic and typographic quotes), RFC 4180, streamed."""

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from app.reports.cells import SCORE_COLUMNS, cells, matrix_columns

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
BOM = "\ufeff"
ROWS_PER_CHUNK = 200
# A spreadsheet runs a cell that starts with one of these as a formula: text from monitors must not.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe(value: str) -> str:
    """The cell text, with a leading apostrophe when a spreadsheet would otherwise run it as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


class _Buffer:
    """A csv writer over a string buffer that is emptied each time it is read."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="\r\n")  # RFC 4180: CRLF, minimal quoting

    def write(self, values: Iterable[str]) -> None:
        self.writer.writerow([safe(value) for value in values])

    def take(self) -> str:
        text = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return text


def matrix_csv(rows: Iterable[dict[str, Any]], perspective: str) -> Iterator[str]:
    """The matrix as CSV text chunks, a few hundred rows at a time."""
    columns = matrix_columns(perspective)
    out = _Buffer()
    out.write(column.header for column in columns)
    yield BOM + out.take()
    for count, row in enumerate(rows, start=1):
        values = cells(row)
        out.write(values[column.key] for column in columns)
        if count % ROWS_PER_CHUNK == 0:
            yield out.take()
    yield out.take()


def scorecard_csv(scorecard: dict[str, Any]) -> Iterator[str]:
    """A scorecard as CSV: one row per group, then the totals; shares as decimals for spreadsheets."""
    out = _Buffer()
    out.write(["Group", "Label", "Source", *(header for _, header in SCORE_COLUMNS)])
    for group in scorecard["groups"]:
        out.write([group["key"] or "", group["label"], group["source"] or "", *_numbers(group)])
    out.write(["total", "All recommendations", "", *_numbers(scorecard["totals"])])
    yield BOM + out.take()


def _numbers(aggregate: dict[str, Any]) -> list[str]:
    values = aggregate | aggregate["by_status"]
    return ["" if values[key] is None else str(values[key]) for key, _ in SCORE_COLUMNS]
