"""XLSX: a summary sheet (title block, scorecard by section), then the matrix, both set up to print.

Both sheets print A4 landscape, one page wide, with the header row repeated on every page, a header naming the
organisation and the document, page numbers, and a footer with the point in time and the generation time.
"""

import math
from collections.abc import Iterable
from typing import IO, Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from app.i18n.translation import gettext
from app.reports.cells import Column, score_note, section_names, sheet_columns
from app.reports.context import DocumentContext
from app.reports.sheet_rows import SheetRow, sheet_key_index, status_code_index
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
FONT_SIZE = 10
CELL = {"text_wrap": True, "valign": "top", "border": 1, "border_color": "#BFBFBF", "font_size": FONT_SIZE}
# The columns a printed matrix shows, in this order, first in the sheet; the others follow, outside the
# print area, for sorting and filtering. A page of all of them would print too small to read.
PRINTED_KEYS = (
    "code",
    "paragraph",
    "text",
    "addressees",
    "recommending_states",
    "response",
    "upr_commitments",
    "claimed_status",
    "independent_status",
    "assessment_status",
    "assessment_summary",
    "assessment_date",
    "new_evidence",
)
# Row heights: XlsxWriter cannot measure text, and neither Excel nor LibreOffice sizes a row it did not lay
# out itself, so a row's lines are estimated from its texts' lengths. A unit of column width holds about 1.2
# characters of 10-point Calibri in Excel and 1.5 of DejaVu Sans in LibreOffice (measured on rendered pages):
# the estimate takes the narrower, since a cut text is worse than a gap.
CHARS_PER_WIDTH = 1.15
LINE_HEIGHT = 12.75  # points a line of 10-point text takes (Excel's default row height for that size)
MAX_ROW_HEIGHT = 409  # Excel's largest row height, in points
MAX_LINKS = 65_530  # Excel's limit of hyperlinks a worksheet
MAX_URL = 2_079  # Excel's limit of a hyperlink's length
CODE = "\x00"  # stands for the '&' of a page header's own codes (page numbers) until the text is escaped
MAX_HEADER = 255  # Excel's limit of a page header or footer, codes included
SUMMARY_COLUMNS = 1 + len(SCORE_COLUMNS)


class _Formats:
    """The workbook's few cell formats, made once: per-cell styles are what makes large sheets slow."""

    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        self.text = workbook.add_format(CELL)
        self.link = workbook.add_format(CELL | {"font_color": "#1F4E9E", "underline": 1})
        self.bold = workbook.add_format(CELL | {"bold": True})
        self.title = workbook.add_format({"bold": True, "font_size": 14, "valign": "top"})
        self.line = workbook.add_format({"text_wrap": True, "valign": "top", "font_size": FONT_SIZE})
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
    rows: Iterable[SheetRow],
    scorecard: dict[str, Any],
    meta: dict[str, Any],
    context: DocumentContext,
) -> int:
    """The summary sheet and the matrix (`sheet_rows`) as an XLSX workbook, row by row (bounded memory)."""
    # constant_memory flushes each row to a temporary file as soon as the next one starts.
    workbook = xlsxwriter.Workbook(target, {"constant_memory": True})
    workbook.set_properties(
        {
            "title": context.title(),
            "subject": context.source_line(),
            "author": context.organisation,
            "company": context.organisation,
            "comments": context.point_line(),
            "created": context.generated_at,
        }
    )
    formats = _Formats(workbook)
    _summary_sheet(workbook, formats, scorecard, context)
    columns = _sheet_order(sheet_columns(meta["perspective"], meta["columns"]))
    count = _matrix_sheet(workbook, formats, rows, columns, context)
    workbook.close()
    return count


def _sheet_order(columns: list[Column]) -> list[Column]:
    printed = [column for key in PRINTED_KEYS for column in columns if column.key == key]
    return printed + [column for column in columns if column.key not in PRINTED_KEYS]


def _page_setup(sheet: Worksheet, context: DocumentContext, header_row: int) -> None:
    """A4 landscape, one page wide, the header row on every page, a page header and footer."""
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(header_row)
    sheet.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.7)
    page = gettext("Page %(page)s of %(pages)s", page=CODE + "P", pages=CODE + "N")
    sheet.set_header(_band(context.organisation, context.title(), page), margin=0.3)
    sheet.set_footer(_band(context.point_line(), "", context.generated_line()), margin=0.3)


def _band(left: str, centre: str, right: str) -> str:
    """A page header or footer: three texts, each cut to its share of Excel's 255 characters."""
    share = (MAX_HEADER - 6) // sum(1 for text in (left, centre, right) if text)
    parts = [_header_text(text, share) for text in (left, centre, right)]
    return "".join(f"&{code}{text}" for code, text in zip("LCR", parts, strict=True) if text)


def _header_text(text: str, limit: int) -> str:
    # '&' starts a code in page headers: a literal one is doubled (and counts twice), CODE becomes one.
    escaped = _escaped(text)
    while len(escaped) > limit:
        text = text[: len(text) - (len(escaped) - limit) - 1].rstrip() + "…"
        escaped = _escaped(text)
    return escaped


def _escaped(text: str) -> str:
    return text.replace("&", "&&").replace(CODE, "&")


def _summary_sheet(
    workbook: xlsxwriter.Workbook, formats: _Formats, scorecard: dict[str, Any], context: DocumentContext
) -> None:
    # TRANSLATORS: an Excel sheet name: at most 31 characters, none of []:*?/\
    sheet = workbook.add_worksheet(gettext("Summary"))
    widths = [44] + [16] * len(SCORE_COLUMNS)
    for index, width in enumerate(widths):
        sheet.set_column(index, index, width)
    lines = [
        context.source_line(),
        context.point_line(),
        context.filter_line(),
        context.generated_line(),
        context.provenance_line(),
        score_note(scorecard["formula"]),
    ]
    sheet.set_row(0, 24)
    sheet.merge_range(0, 0, 0, SUMMARY_COLUMNS - 1, context.title(), formats.title)
    for row, text in enumerate(lines, start=1):
        sheet.set_row(row, _height([(text, sum(widths))]))
        sheet.merge_range(row, 0, row, SUMMARY_COLUMNS - 1, _fit(text), formats.line)
    header_row = len(lines) + 2
    headers = [gettext("Section"), *(gettext(header) for _, header in SCORE_COLUMNS)]
    sheet.set_row(header_row, _height(list(zip(headers, widths, strict=True))))
    for index, header in enumerate(headers):
        sheet.write_string(header_row, index, header, formats.header)
    names = section_names(scorecard)
    groups = [(name, group, formats.text) for name, group in zip(names, scorecard["groups"], strict=True)]
    groups.append((gettext("All sections"), scorecard["totals"], formats.bold))
    for row, (label, aggregate, label_format) in enumerate(groups, start=header_row + 1):
        sheet.set_row(row, _height([(label, widths[0])]))
        sheet.write_string(row, 0, label, label_format)
        numbers = aggregate | aggregate["by_status"]
        for index, (key, _) in enumerate(SCORE_COLUMNS, start=1):
            value = numbers[key]
            if value is None:
                sheet.write_blank(row, index, None, formats.number)
            else:
                sheet.write_number(row, index, value, _number_format(formats, key, value))
    _page_setup(sheet, context, header_row)


def _matrix_sheet(
    workbook: xlsxwriter.Workbook,
    formats: _Formats,
    rows: Iterable[SheetRow],
    columns: list[Column],
    context: DocumentContext,
) -> int:
    # TRANSLATORS: an Excel sheet name: at most 31 characters, none of []:*?/\
    sheet = workbook.add_worksheet(gettext("Matrix"))
    for index, column in enumerate(columns):
        sheet.set_column(index, index, column.width)
    # The header row and the code stay in view.
    sheet.freeze_panes(1, 1)
    sheet.set_row(0, _height([(column.header, column.width) for column in columns]))
    for index, column in enumerate(columns):
        sheet.write_string(0, index, column.header, formats.header)
    printed = [column for column in columns if column.key in PRINTED_KEYS]
    # Per column: where its cell is in a row, and where the status behind it is (status columns only).
    cells = [(sheet_key_index(column.key), column) for column in columns]
    statuses = {column.key: status_code_index(column.key) for column in columns if column.is_status}
    count = links = 0
    for count, row in enumerate(rows, start=1):
        values = {column.key: _fit(row[at]) for at, column in cells}
        # constant_memory writes a row out when the next one starts: its height is set before its cells.
        # The printed columns set it: the others (the report's many sources above all) would stretch every
        # printed row; they wrap within it, whole in the cell.
        sheet.set_row(count, _height([(values[column.key], column.width) for column in printed]))
        for index, column in enumerate(columns):
            text = values[column.key]
            if column.key == "evidence_url" and _linkable(text) and links < MAX_LINKS:
                sheet.write_url(count, index, text, formats.link, string=text)
                links += 1
                continue
            style = formats.status[row[statuses[column.key]]] if column.is_status else formats.text
            # write_string: text from monitors is never taken for a formula, even when it starts with "=".
            sheet.write_string(count, index, text, style)
    sheet.autofilter(0, 0, count, len(columns) - 1)
    sheet.print_area(0, 0, max(count, 1), len(printed) - 1)
    _page_setup(sheet, context, 0)
    return count


def _linkable(url: str) -> bool:
    """Only web addresses within Excel's length become hyperlinks; anything else stays text."""
    return url.startswith(("https://", "http://")) and len(url) <= MAX_URL


def _height(texts: list[tuple[str, int]]) -> float:
    """A row's height in points: enough lines for its longest text in its column's width, capped."""
    lines = max((_lines(text, width) for text, width in texts), default=1)
    return min(MAX_ROW_HEIGHT, lines * LINE_HEIGHT + 3)


def _lines(text: str, width: int) -> int:
    per_line = max(1, int(width * CHARS_PER_WIDTH))
    return sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n"))


def _number_format(formats: _Formats, key: str, value: float) -> Format:
    if key == "evidence_coverage":
        return formats.share
    if key == "score":
        return formats.score
    return formats.status[key] if key in STATUS_STYLES and value else formats.number


def _fit(text: str) -> str:
    return text if len(text) <= MAX_CELL_TEXT else text[:MAX_CELL_TEXT] + "…"
