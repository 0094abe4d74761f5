"""DOCX: a title, the scorecard by section and the matrix as a Word table for a UPR stakeholder submission."""

from collections.abc import Iterable
from typing import IO, Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from app.errors import Unprocessable
from app.i18n.translation import gettext
from app.reports.cells import (
    cells,
    description,
    matrix_columns,
    paragraph_note,
    printed_shares,
    score_note,
    section_names,
    status_of_cell,
)
from app.reports.xlsx_report import STATUS_STYLES
from app.scorecards.export import SCORE_COLUMNS, score_cells

DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# python-docx holds the whole document in memory (about 3 ms and 10 kB a row): a Word table is for a
# submission's few hundred recommendations, not a database dump.
MAX_DOCX_ROWS = 5_000
PAGE_WIDTH_MM = 267  # a landscape A4 page between its margins


def ensure_docx_fits(rows: int) -> None:
    """422 when a matrix has too many rows for a Word document."""
    if rows > MAX_DOCX_ROWS:
        raise Unprocessable(
            f"The matrix has {rows:,} rows; a Word document holds at most {MAX_DOCX_ROWS:,}. "
            "Filter it (by source, section, theme, ...) or download it as CSV or XLSX."
        )


def write_matrix_docx(
    target: str | IO[bytes],
    rows: Iterable[dict[str, Any]],
    scorecard: dict[str, Any],
    meta: dict[str, Any],
) -> int:
    """Write the matrix as a Word document: a title, the scorecard summary, a row per recommendation."""
    document = Document()
    _landscape_a4(document)
    document.styles["Normal"].font.size = Pt(9)
    document.core_properties.title = gettext("Implementation matrix")
    document.add_heading(gettext("Implementation matrix"), level=0)
    document.add_paragraph(description(meta))
    document.add_paragraph(score_note(scorecard["formula"]))
    document.add_heading(gettext("Scorecard by section"), level=1)
    _scorecard_table(document, scorecard)
    document.add_heading(gettext("Recommendations"), level=1)
    count = _matrix_table(document, rows, meta)
    document.save(target)
    return count


def _landscape_a4(document) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(15))


def _scorecard_table(document, scorecard: dict[str, Any]) -> None:
    widths = [Mm(60)] + [Mm(23)] * len(SCORE_COLUMNS)
    table = _table(document, widths)
    _header_row(
        table.rows[0], [gettext("Section"), *(gettext(header) for _, header in SCORE_COLUMNS)], widths
    )
    names = [*section_names(scorecard), gettext("All sections")]
    for group, name in zip([*scorecard["groups"], None], names, strict=True):
        aggregate = scorecard["totals"] if group is None else group
        values = score_cells(aggregate)
        row = _cells(table, widths)
        row[0].text = name
        for cell, (key, _) in zip(row[1:], SCORE_COLUMNS, strict=True):
            cell.text = values[key]


def _matrix_table(document, rows: Iterable[dict[str, Any]], meta: dict[str, Any]) -> int:
    columns = printed_shares(matrix_columns(meta["perspective"], meta["columns"]))
    # The code heads the recommendation's cell: a Word page has no room for a column of its own.
    code_share = sum(share for column, share in columns if column.key == "code")
    columns = [
        (column, share + (code_share if column.key == "text" else 0))
        for column, share in columns
        if column.key != "code"
    ]
    widths = [Mm(PAGE_WIDTH_MM * share / 100) for _, share in columns]
    table = _table(document, widths)
    _header_row(table.rows[0], [column.header for column, _ in columns], widths)
    count = 0
    for row in rows:
        values = cells(row)
        for (column, _), cell in zip(columns, _cells(table, widths), strict=True):
            if column.key == "text":
                recommendation = cell.paragraphs[0]
                recommendation.add_run(row["code"]).bold = True
                if row["paragraph"]:
                    recommendation.add_run(f" ({paragraph_note(row)})")
                recommendation.add_run("\n" + row["text"])
            elif column.is_status:
                _status_cell(cell, values[column.key], status_of_cell(row, column.key))
            elif column.key == "assessment_summary":
                if row["assessment"]:
                    cell.text = f"{values['assessment_summary']} ({values['assessment_date']})"
            else:
                cell.text = values[column.key]
        count += 1
    return count


def _table(document, widths: list[Mm]):
    table = document.add_table(rows=1, cols=len(widths))
    table.style = "Table Grid"
    table.autofit = False
    return table


def _cells(table, widths: list[Mm]) -> list:
    """A new row's cells, with the column widths Word reads from each cell."""
    cells_out = table.add_row().cells
    for cell, width in zip(cells_out, widths, strict=True):
        cell.width = width
    return cells_out


def _header_row(row, headers: list[str], widths: list[Mm]) -> None:
    for cell, header, width in zip(row.cells, headers, widths, strict=True):
        cell.text = ""
        cell.width = width
        cell.paragraphs[0].add_run(header).bold = True
    # Repeat the header row at the top of every page.
    properties = row._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    properties.append(repeat)


def _status_cell(cell, label: str, status: str) -> None:
    fill, font = STATUS_STYLES.get(status, STATUS_STYLES["not_assessed"])
    run = cell.paragraphs[0].add_run(label)
    run.font.color.rgb = RGBColor.from_string(font)
    run.bold = status == "regressed"
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)
