"""DOCX: the printed matrix (app/reports/printed.py) as a Word document for a UPR stakeholder submission.

A4 landscape: a title block naming the state, the sources and the organisation; the scorecard by section;
the matrix under group headings; the report's own sources listed once at the end. Every page has a header
(organisation, state, as-of date) and a footer (page X of Y, when and from what it was made).
"""

from typing import IO, Any

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from app.errors import Unprocessable
from app.i18n.formatting import iso_date
from app.i18n.translation import gettext
from app.reports.cells import score_note, section_names
from app.reports.printed import GroupHeading, PrintedMatrix, PrintedRow, StatusBlock
from app.reports.xlsx_report import STATUS_STYLES
from app.scorecards.export import SCORE_COLUMNS, score_cells

DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# python-docx holds the whole document in memory (about 3 ms and 10 kB a row): a Word table is for a
# submission's few hundred recommendations, not a database dump.
MAX_DOCX_ROWS = 5_000
MARGIN_MM = 12
PAGE_WIDTH_MM = 297 - 2 * MARGIN_MM  # a landscape A4 page between its margins
# Every office suite has Arial or a font of its metrics (LibreOffice: Liberation Sans, else DejaVu Sans, which
# is wider: page counts measured with it are an upper bound).
FONT = "Arial"
BODY_PT = 8.0
SMALL_PT = 7.0
GREY = RGBColor(0x59, 0x59, 0x59)
LINK = RGBColor(0x1F, 0x4E, 0x9A)
# Rows are kept on one page unless they are taller (estimated) than a third of the page's text area: a taller
# row kept whole could leave a third of a page blank before it.
KEEP_ROWS_UP_TO_MM = (210 - 2 * (MARGIN_MM - 2)) / 3
# For that estimate: characters a millimetre holds at 1 pt (DejaVu Sans, the widest of the usual fallbacks),
# and a line's height per point of font size at the document's line spacing.
CHARS_PER_MM_AT_1PT = 5.0
LINE_MM_PER_PT = 0.3528 * 1.05
# A field's place in a translated sentence ("Page %(page)s of %(pages)s"): split on it, put the field there.
FIELD_MARK = "\x00"


def ensure_docx_fits(rows: int) -> None:
    """422 when a matrix has too many rows for a Word document."""
    if rows > MAX_DOCX_ROWS:
        raise Unprocessable(
            f"The matrix has {rows:,} rows; a Word document holds at most {MAX_DOCX_ROWS:,}. "
            "Filter it (by source, section, theme, ...) or download it as CSV or XLSX."
        )


def write_matrix_docx(target: str | IO[bytes], printed: PrintedMatrix, scorecard: dict[str, Any]) -> int:
    """Write the printed matrix as a Word document; returns the number of rows printed."""
    context = printed.context
    document = Document()
    _styles(document)
    _page(document, printed)
    properties = document.core_properties
    properties.title = context.title()
    properties.subject = context.source_line()
    properties.author = properties.last_modified_by = context.organisation or "rectrack"
    properties.created = properties.modified = context.generated_at
    properties.comments = properties.keywords = ""
    _title_block(document, printed)
    _heading(document, gettext("Scorecard by section"))
    _scorecard_table(document, scorecard)
    _note(document, score_note(scorecard["formula"]))
    _heading(document, gettext("Recommendations"))
    count = _matrix(document, printed)
    sources = printed.report_sources.listed()
    if sources:
        _heading(document, printed.sources_heading)
        _columns(document, 2)
        for source in sources:
            paragraph = _note(document, f"[{source.number}] ")
            _hyperlink(paragraph, source.url, source.title)
            paragraph.add_run(f" {source.url}").font.color.rgb = GREY
            if source.restricted:
                paragraph.add_run(f" ({gettext('restricted')})")
    document.save(target)
    return count


def _styles(document) -> None:
    normal = document.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    _font(normal, FONT)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = 0.9
    for name, size in (("Title", 15), ("Heading 1", 10)):
        style = document.styles[name]
        style.font.size = Pt(size)
        _font(style, FONT)
        style.paragraph_format.space_before = Pt(6 if name != "Title" else 0)
        style.paragraph_format.space_after = Pt(3)
        style.paragraph_format.keep_with_next = True
        _no_hyphens(style.element.get_or_add_pPr())


def _font(style, name: str) -> None:
    """The style's font for every script (Latin, Cyrillic, ...), not the theme's."""
    style.font.name = name
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for script in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(script), name)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
        fonts.attrib.pop(qn(theme), None)


def _page(document, printed: PrintedMatrix) -> None:
    """A4 landscape, narrow margins; the header and footer every page repeats."""
    context = printed.context
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Mm(MARGIN_MM))
    # The header and footer sit in the top and bottom margins, which leave them just enough room.
    section.top_margin = section.bottom_margin = Mm(MARGIN_MM - 2)
    section.header_distance = section.footer_distance = Mm(4)
    as_of = gettext("As of %(date)s", date=iso_date(context.as_of))
    header = section.header.paragraphs[0]
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    parts = [context.organisation, ", ".join(context.states), as_of]
    _small(header.add_run(" · ".join(part for part in parts if part)))
    footer = section.footer.paragraphs[0]
    page = gettext(
        "Page %(page)s of %(pages)s",
        page=f"{FIELD_MARK}PAGE{FIELD_MARK}",
        pages=f"{FIELD_MARK}NUMPAGES{FIELD_MARK}",
    )
    for index, part in enumerate(page.split(FIELD_MARK)):
        if index % 2:
            _field(footer, part)
        elif part:
            _small(footer.add_run(part))
    _small(footer.add_run(f" · {context.generated_line()}"))
    _small(section.footer.add_paragraph().add_run(context.provenance_line()))


def _title_block(document, printed: PrintedMatrix) -> None:
    context = printed.context
    document.add_paragraph(context.title(), style="Title")
    lines = [context.source_line(), context.point_line(), context.filter_line()]
    for line in lines:
        document.add_paragraph(line)
    if context.organisation:
        document.add_paragraph().add_run(context.organisation).bold = True


def _heading(document, text: str) -> None:
    document.add_paragraph(text, style="Heading 1")


def _note(document, text: str):
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.space_before = Pt(2)
    _small(paragraph.add_run(text))
    return paragraph


def _columns(document, count: int) -> None:
    """Continue the page in `count` columns (a continuous section break): short lines, less paper."""
    section = document.add_section(WD_SECTION.CONTINUOUS)
    columns = section._sectPr.find(qn("w:cols"))
    if columns is None:
        columns = OxmlElement("w:cols")
        section._sectPr.append(columns)
    columns.set(qn("w:num"), str(count))
    columns.set(qn("w:space"), str(int(Mm(6).twips)))


def _scorecard_table(document, scorecard: dict[str, Any]) -> None:
    widths = [Mm(75)] + [Mm((PAGE_WIDTH_MM - 75) / len(SCORE_COLUMNS))] * len(SCORE_COLUMNS)
    table = _table(document, widths)
    # "Total" for "Recommendations": a word as wide as the column would be broken inside it.
    headers = [gettext("Total") if key == "total" else gettext(header) for key, header in SCORE_COLUMNS]
    _header_row(table.rows[0], [gettext("Section"), *headers], widths)
    names = [*section_names(scorecard), gettext("All sections")]
    for group, name in zip([*scorecard["groups"], None], names, strict=True):
        values = score_cells(scorecard["totals"] if group is None else group)
        row = _row(table, widths)
        row[0].text = name
        if group is None:
            row[0].paragraphs[0].runs[0].bold = True
        for cell, (key, _) in zip(row[1:], SCORE_COLUMNS, strict=True):
            cell.text = values[key]
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _matrix(document, printed: PrintedMatrix) -> int:
    widths = [Mm(PAGE_WIDTH_MM * column.share / 100) for column in printed.columns]
    headers = [column.header for column in printed.columns]
    table = None
    count = 0
    for item in printed.items():
        if isinstance(item, GroupHeading):
            # A table per group, after its heading: the heading keeps with the table's first rows.
            _heading(document, item.title)
            table = _table(document, widths)
            _header_row(table.rows[0], headers, widths)
            continue
        if table is None:  # rows without a group: not produced by grouped_rows, but never lost
            table = _table(document, widths)
            _header_row(table.rows[0], headers, widths)
        cells = _row(table, widths, keep=_height_mm(item, printed) < KEEP_ROWS_UP_TO_MM)
        for column, cell in zip(printed.columns, cells, strict=True):
            _fill(cell, column.key, item, printed)
        count += 1
    return count


def _fill(cell, key: str, row: PrintedRow, printed: PrintedMatrix) -> None:
    first = cell.paragraphs[0]
    if key == "recommendation":
        first.add_run(row.code).bold = True
        if row.paragraph:
            first.add_run(f" ({row.paragraph})")
        cell.add_paragraph(row.text)
    elif key == "source":
        for index, line in enumerate(row.source_lines):
            _small((first if index == 0 else cell.add_paragraph()).add_run(line))
    elif key == "assessment":
        if row.assessment is None:
            _small(first.add_run(printed.not_assessed)).italic = True
        else:
            _status(cell, row.assessment)
    elif key == "claim":
        if row.claim is not None:
            _status(cell, row.claim, size=SMALL_PT)
    elif key == "evidence":
        paragraph = first
        for index, link in enumerate(row.evidence):
            paragraph = first if index == 0 else cell.add_paragraph()
            _hyperlink(paragraph, link.url, link.title, size=SMALL_PT)
            details = ", ".join(part for part in (link.relation_label, link.published_on) if part)
            restricted = f", {gettext('restricted')}" if link.restricted else ""
            _small(paragraph.add_run(f" ({details}{restricted})")).font.color.rgb = GREY
        if row.report_sources_line:
            paragraph = first if not row.evidence else cell.add_paragraph()
            _small(paragraph.add_run(row.report_sources_line)).font.color.rgb = GREY
    elif key == "comments":
        for index, comment in enumerate(row.comments):
            paragraph = first if index == 0 else cell.add_paragraph()
            _small(paragraph.add_run(comment.text)).italic = comment.kind != "claim_gap"


def _height_mm(row: PrintedRow, printed: PrintedMatrix) -> float:
    """A rough height of a row: its tallest cell's lines, from text lengths and column widths."""
    texts: dict[str, list[tuple[str, float]]] = {
        "recommendation": [(row.code, BODY_PT), (row.text, BODY_PT)],
        "source": [(line, SMALL_PT) for line in row.source_lines],
        "assessment": [(_block_text(row.assessment), BODY_PT)],
        "evidence": [
            (f"{link.title} ({link.relation_label}, {link.published_on})", SMALL_PT) for link in row.evidence
        ]
        + [(row.report_sources_line, SMALL_PT)],
        "claim": [(_block_text(row.claim), SMALL_PT)],
        "comments": [(comment.text, SMALL_PT) for comment in row.comments],
    }
    tallest = 0.0
    for column in printed.columns:
        width = PAGE_WIDTH_MM * column.share / 100 - 2
        height = 0.0
        for text, size in texts.get(column.key, []):
            per_line = max(1, int(width * CHARS_PER_MM_AT_1PT / size))
            height += -(-len(text) // per_line) * size * LINE_MM_PER_PT
        tallest = max(tallest, height)
    return tallest


def _block_text(block: StatusBlock | None) -> str:
    return f"{block.label} {block.effective_on} {block.summary}" if block else ""


def _status(cell, block: StatusBlock, size: float = BODY_PT) -> None:
    """The status label on its colour, then its date and the summary, run on in one paragraph."""
    fill, font = STATUS_STYLES.get(block.status, STATUS_STYLES["not_assessed"])
    first = cell.paragraphs[0]
    run = first.add_run(f"\u00a0{block.label}\u00a0")
    run.bold = True
    run.font.size = Pt(size)
    run.font.color.rgb = RGBColor.from_string(font)
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    run._r.get_or_add_rPr().append(shading)
    if block.effective_on:
        dated = first.add_run(f" {block.effective_on}")
        dated.bold = True
        dated.font.size = Pt(size)
    if block.summary:
        first.add_run(f" {block.summary}").font.size = Pt(size)


def _table(document, widths: list):
    table = document.add_table(rows=1, cols=len(widths))
    table.style = "Table Grid"
    table.autofit = False
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    # Word reads each cell's width, LibreOffice the grid and the table's width: all three are set.
    grid = table._tbl.tblGrid
    for column, width in zip(grid.findall(qn("w:gridCol")), widths, strict=True):
        column.set(qn("w:w"), str(int(width.twips)))
    table_width = table._tbl.tblPr.find(qn("w:tblW"))
    if table_width is None:
        table_width = OxmlElement("w:tblW")
        table._tbl.tblPr.append(table_width)
    table_width.set(qn("w:w"), str(sum(int(width.twips) for width in widths)))
    table_width.set(qn("w:type"), "dxa")
    _cell_margins(table)
    return table


def _cell_margins(table) -> None:
    """Narrow cell padding (1 mm a side): the page's width goes to the texts."""
    margins = OxmlElement("w:tblCellMar")
    for side, twips in (("top", 20), ("bottom", 20), ("left", 57), ("right", 57)):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), str(twips))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    table._tbl.tblPr.append(margins)


def _row(table, widths: list, *, keep: bool = True) -> list:
    """A new row's cells, with the column widths Word reads from each cell; kept on one page if `keep`."""
    row = table.add_row()
    if keep:
        _row_property(row, "w:cantSplit")
    for cell, width in zip(row.cells, widths, strict=True):
        cell.width = width
    return row.cells


def _header_row(row, headers: list[str], widths: list) -> None:
    for cell, header, width in zip(row.cells, headers, widths, strict=True):
        cell.text = ""
        cell.width = width
        paragraph = cell.paragraphs[0]
        _no_hyphens(paragraph._p.get_or_add_pPr())
        paragraph.paragraph_format.keep_with_next = True
        run = paragraph.add_run(header)
        run.bold = True
        run.font.size = Pt(SMALL_PT + 0.5)
        shading = OxmlElement("w:shd")
        shading.set(qn("w:val"), "clear")
        shading.set(qn("w:color"), "auto")
        shading.set(qn("w:fill"), "E7E6E6")
        cell._tc.get_or_add_tcPr().append(shading)
    # Repeated at the top of every page, and kept with the first row.
    _row_property(row, "w:tblHeader")
    _row_property(row, "w:cantSplit")


def _row_property(row, name: str) -> None:
    element = OxmlElement(name)
    element.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(element)


def _no_hyphens(paragraph_properties) -> None:
    suppress = OxmlElement("w:suppressAutoHyphens")
    suppress.set(qn("w:val"), "true")
    paragraph_properties.append(suppress)


def _small(run):
    run.font.size = Pt(SMALL_PT)
    return run


def _hyperlink(paragraph, url: str, text: str, size: float | None = None) -> None:
    """A titled external link (blue, underlined) at the end of a paragraph."""
    relationship = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), relationship)
    run = OxmlElement("w:r")
    properties = OxmlElement("w:rPr")
    colour = OxmlElement("w:color")
    colour.set(qn("w:val"), str(LINK))
    underline = OxmlElement("w:u")
    underline.set(qn("w:val"), "single")
    properties.extend([colour, underline])
    if size is not None:
        half_points = OxmlElement("w:sz")
        half_points.set(qn("w:val"), str(int(size * 2)))
        properties.append(half_points)
    run.append(properties)
    text_element = OxmlElement("w:t")
    text_element.text = text
    text_element.set(qn("xml:space"), "preserve")
    run.append(text_element)
    link.append(run)
    paragraph._p.append(link)


def _field(paragraph, instruction: str) -> None:
    """A field (PAGE, NUMPAGES) that Word and LibreOffice compute when they lay the document out."""
    for kind, text in (
        ("begin", None),
        ("instr", instruction),
        ("separate", None),
        ("text", "1"),
        ("end", None),
    ):
        run = paragraph.add_run()
        _small(run)
        if kind == "instr":
            code = OxmlElement("w:instrText")
            code.set(qn("xml:space"), "preserve")
            code.text = f" {text} "
            run._r.append(code)
        elif kind == "text":
            run.text = text or ""
        else:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
