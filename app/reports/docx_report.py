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
from app.reports.cells import cells, description, score_note
from app.reports.xlsx_report import STATUS_STYLES
from app.scorecards.export import SCORE_COLUMNS, score_cells
from app.vocabulary import label

DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# python-docx holds the whole document in memory (about 3 ms and 10 kB a row): a Word table is for a
# submission's few hundred recommendations, not a database dump.
MAX_DOCX_ROWS = 5_000


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
    count = _matrix_table(document, rows, meta["perspective"])
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
    for group in [*scorecard["groups"], None]:
        aggregate = scorecard["totals"] if group is None else group
        values = score_cells(aggregate)
        name = gettext("All sections") if group is None else f"{group['key']}. {group['label']}"
        row = _cells(table, widths)
        row[0].text = name
        for cell, (key, _) in zip(row[1:], SCORE_COLUMNS, strict=True):
            cell.text = values[key]


def _matrix_table(document, rows: Iterable[dict[str, Any]], perspective: str) -> int:
    shows_own_status = perspective not in ("independent", "state")
    assessor = label("assessor", perspective)
    headers = [gettext("Recommendation"), gettext("Addressees"), gettext("State's claim")]
    headers += [gettext("Independent status")]
    headers += [gettext("Status (%(assessor)s)", assessor=assessor)] if shows_own_status else []
    headers += [gettext("Latest assessment (%(assessor)s)", assessor=assessor), gettext("Evidence")]
    # Millimetres of the 267 a landscape A4 page leaves between its margins.
    widths = [Mm(w) for w in ([58, 30, 22, 22, 22, 55, 58] if shows_own_status else [70, 30, 22, 22, 55, 68])]
    table = _table(document, widths)
    _header_row(table.rows[0], headers, widths)
    count = 0
    for row in rows:
        values = cells(row)
        cells_out = _cells(table, widths)
        recommendation = cells_out[0].paragraphs[0]
        recommendation.add_run(row["code"]).bold = True
        recommendation.add_run("\n" + row["text"])
        cells_out[1].text = values["addressees"]
        _status_cell(cells_out[2], values["claimed_status"], row["claimed_status"])
        _status_cell(cells_out[3], values["independent_status"], row["independent_status"])
        next_cell = 4
        if shows_own_status:
            status = (row["assessment"] or {}).get("status") or "not_assessed"
            _status_cell(cells_out[4], values["assessment_status"], status)
            next_cell = 5
        if row["assessment"]:
            cells_out[next_cell].text = f"{values['assessment_summary']} ({values['assessment_date']})"
        cells_out[next_cell + 1].text = values["evidence"]
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
