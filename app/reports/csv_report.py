"""The matrix as CSV, every field in a column of its own, streamed a few hundred rows at a time."""

from collections.abc import Collection, Iterable, Iterator
from typing import Any

from app.csv_writer import BOM, CsvChunks
from app.i18n.translation import in_current_locale
from app.reports.cells import Column, cells, sheet_columns

ROWS_PER_CHUNK = 200


def matrix_csv(
    rows: Iterable[dict[str, Any]], perspective: str, optional: Collection[str] = ()
) -> Iterator[str]:
    """The matrix as CSV text chunks in the current locale, a few hundred rows at a time."""
    return in_current_locale(_csv_chunks(rows, sheet_columns(perspective, optional)))


def _csv_chunks(rows: Iterable[dict[str, Any]], columns: list[Column]) -> Iterator[str]:
    out = CsvChunks()
    out.write(column.header for column in columns)
    yield BOM + out.take()
    keys = [column.key for column in columns]
    for count, row in enumerate(rows, start=1):
        values = cells(row)
        out.write([values[key] for key in keys])
        if count % ROWS_PER_CHUNK == 0:
            yield out.take()
    yield out.take()
