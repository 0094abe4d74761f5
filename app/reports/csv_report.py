"""The matrix as CSV, every field in a column of its own, streamed a few hundred rows at a time."""

from collections.abc import Collection, Iterable, Iterator
from itertools import islice
from operator import itemgetter

from app.csv_writer import BOM, CsvChunks
from app.i18n.translation import in_current_locale
from app.reports.cells import Column, sheet_columns
from app.reports.sheet_rows import SheetRow, sheet_key_index

ROWS_PER_CHUNK = 200


def matrix_csv(rows: Iterable[SheetRow], perspective: str, optional: Collection[str] = ()) -> Iterator[str]:
    """The matrix (`sheet_rows`) as CSV text chunks in the current locale, a few hundred rows at a time."""
    return in_current_locale(_csv_chunks(rows, sheet_columns(perspective, optional)))


def _csv_chunks(rows: Iterable[SheetRow], columns: list[Column]) -> Iterator[str]:
    out = CsvChunks()
    out.write(column.header for column in columns)
    yield BOM + out.take()
    # Each row's cells in the columns' order, picked in one C call.
    pick = itemgetter(*(sheet_key_index(column.key) for column in columns))
    rows = iter(rows)
    while chunk := list(islice(rows, ROWS_PER_CHUNK)):
        out.write_rows(map(pick, chunk))
        yield out.take()
