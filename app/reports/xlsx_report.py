"""XLSX: the matrix (frozen, filterable header; coloured, labelled statuses) and the scorecard by section."""

from collections.abc import Iterable
from typing import IO, Any

import xlsxwriter
from xlsxwriter.format import Format

from app.i18n.translation import gettext
from app.reports.cells import (
    Column,
    cells,
    description,
    matrix_columns,
    score_note,
    section_names,
    status_of_cell,
)
from app.scorecards.export import SCORE_COLUMNS

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_CELL_TEXT = 32_000  # Excel's limit is 32,767 characters a cell
# Light fills with dark text of the same hue; the label is always written too, so colour is never the
# only signal.
STATUS_STYLES = {
    "implemented": ("C6EFCE", "006100"),
    "partially_implemented": ("FFEB9C", "7F4F00"),
    "not_implemented": ("FFC7CE", "9C0006"),
    "regressed": ("E6A0A0", "5C0000"),
    "not_assessed": ("EDEDED", "404040"),
}
CELL = {"text_wrap": True, "valign": "top", "border": 1, "border_color": "#BFBFBF"}


class _Formats:
    """The workbook's few cell formats, made once: per-cell styles are what makes large sheets slow."""

    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        self.text = workbook.add_format(CELL)
        self.bold = workbook.add_format(CELL | {"bold": True})
        self.plain_bold = workbook.add_format({"bold": True})
        self.header = workbook.add_format(
            CELL | {"bold": True, "font_color": "#FFFFFF", "bg_color": "#1F3864"}
        )
        self.number = workbook.add_format(CELL)
        self.score = workbook.add_format(CELL | {"num_format": "0.00"})
        self.share = workbook.add_format(CELL | {"num_format": "0%"})
        self.status = {
            status: workbook.add_format(
                CELL | {"bg_color": f"#{fill}", "font_color": f"#{font}", "bold": status == "regressed"}
            )
            for status, (fill, font) in STATUS_STYLES.items()
        }


def write_matrix_xlsx(
    target: str | IO[bytes],
    rows: Iterable[dict[str, Any]],
    scorecard: dict[str, Any],
    meta: dict[str, Any],
) -> int:
    """Write the matrix and the scorecard by section as an XLSX workbook, row by row (bounded memory)."""
    # constant_memory flushes each row to a temporary file as soon as the next one starts.
    workbook = xlsxwriter.Workbook(target, {"constant_memory": True})
    workbook.set_properties({"title": gettext("Implementation matrix"), "comments": description(meta)})
    formats = _Formats(workbook)
    count = _matrix_sheet(workbook, formats, rows, matrix_columns(meta["perspective"], meta["columns"]))
    _scorecard_sheet(workbook, formats, scorecard, meta)
    workbook.close()
    return count


def _matrix_sheet(
    workbook: xlsxwriter.Workbook, formats: _Formats, rows: Iterable[dict], columns: list[Column]
) -> int:
    # TRANSLATORS: an Excel sheet name: at most 31 characters, none of []:*?/\
    sheet = workbook.add_worksheet(gettext("Matrix"))
    for index, column in enumerate(columns):
        sheet.set_column(index, index, column.width)
    # The header row and the code (with its paragraph) and section stay in view.
    sheet.freeze_panes(1, 1 + [column.key for column in columns].index("section"))
    for index, column in enumerate(columns):
        sheet.write_string(0, index, column.header, formats.header)
    count = 0
    for count, row in enumerate(rows, start=1):
        values = cells(row)
        for index, column in enumerate(columns):
            style = formats.status[status_of_cell(row, column.key)] if column.is_status else formats.text
            # write_string: text from monitors is never taken for a formula, even when it starts with "=".
            sheet.write_string(count, index, _fit(values[column.key]), style)
    sheet.autofilter(0, 0, count, len(columns) - 1)
    return count


def _scorecard_sheet(
    workbook: xlsxwriter.Workbook, formats: _Formats, scorecard: dict[str, Any], meta: dict[str, Any]
) -> None:
    # TRANSLATORS: an Excel sheet name: at most 31 characters, none of []:*?/\
    sheet = workbook.add_worksheet(gettext("Scorecard by section"))
    sheet.set_column(0, 0, 40)
    sheet.set_column(1, len(SCORE_COLUMNS), 14)
    sheet.write_string(0, 0, description(meta), formats.plain_bold)
    sheet.write_string(1, 0, score_note(scorecard["formula"]))
    sheet.write_string(3, 0, gettext("Section"), formats.header)
    for index, (_, header) in enumerate(SCORE_COLUMNS, start=1):
        sheet.write_string(3, index, gettext(header), formats.header)
    names = section_names(scorecard)
    groups = [(name, group, formats.text) for name, group in zip(names, scorecard["groups"], strict=True)]
    groups.append((gettext("All sections"), scorecard["totals"], formats.bold))
    for row, (label, aggregate, label_format) in enumerate(groups, start=4):
        sheet.write_string(row, 0, label, label_format)
        numbers = aggregate | aggregate["by_status"]
        for index, (key, _) in enumerate(SCORE_COLUMNS, start=1):
            value = numbers[key]
            if value is None:
                sheet.write_blank(row, index, None, formats.number)
            else:
                sheet.write_number(row, index, value, _number_format(formats, key, value))


def _number_format(formats: _Formats, key: str, value: float) -> Format:
    if key == "evidence_coverage":
        return formats.share
    if key == "score":
        return formats.score
    return formats.status[key] if key in STATUS_STYLES and value else formats.number


def _fit(text: str) -> str:
    return text if len(text) <= MAX_CELL_TEXT else text[:MAX_CELL_TEXT] + "…"
