"""DOCX: the printed matrix (app/reports/printed.py) as a Word document for a UPR stakeholder submission.

A4 landscape: a title block naming the state, the sources and the organisation; the scorecard by section;
the matrix under group headings; the report's own sources listed once at the end. Every page has a header
(organisation, state, as-of date) and a footer (page X of Y, when and from what it was made).
"""

from typing import IO, Any

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from app.errors import Unprocessable
from app.i18n.formatting import iso_date
from app.i18n.translation import current_locale, gettext
from app.reports.cells import score_note, section_names
from app.reports.printed import GroupHeading, PrintedMatrix, PrintedRow, StatusBlock
from app.reports.xlsx_report import STATUS_STYLES
from app.scorecards.export import SCORE_COLUMNS, SERIES_COLUMNS, score_cells, series_cells, series_title
from app.vocabulary import label

DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# python-docx holds the whole document in memory (about 3 ms and 10 kB a row): a Word table is for a
# submission's few hundred recommendations, not a database dump.
MAX_DOCX_ROWS = 5_000
MARGIN_MM = 12
PAGE_WIDTH_MM = 297 - 2 * MARGIN_MM  # a landscape A4 page between its margins
# Every office suite has Arial or a font of its metrics (LibreOffice: Liberation Sans, else DejaVu Sans, which
# is wider: page counts measured with it are an upper bound).
FONT = "Arial"
BODY_PT = 7.5
SMALL_PT = 6.5
GREY = RGBColor(0x59, 0x59, 0x59)
LINK = RGBColor(0x1F, 0x4E, 0x9A)
# Rows are kept on one page unless they are taller (estimated) than a third of the page's text area: a taller
# row kept whole could leave a third of a page blank before it.
KEEP_ROWS_UP_TO_MM = (210 - 2 * (MARGIN_MM - 2)) / 3
# For that estimate: characters a millimetre holds at 1 pt (DejaVu Sans, the widest of the usual fallbacks),
# and a line's height per point of font size at the document's line spacing.
CHARS_PER_MM_AT_1PT = 5.0
LINE_MM_PER_PT = 0.3528 * 1.05
MAX_PROPERTY = 255
# Style ids (python-docx makes a style's id from its name without spaces: these names have none).
SMALL = "MatrixSmall"
NOTE = "MatrixNote"
LINK_STYLE = "MatrixLink"
STATUS_STYLE_IDS = {status: "Status" + status.title().replace("_", "") for status in STATUS_STYLES}
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
    properties.title = _property(context.title())
    properties.subject = _property(context.source_line())
    properties.author = properties.last_modified_by = _property(context.organisation or "rectrack")
    properties.created = properties.modified = context.generated_at
    properties.comments = properties.keywords = ""
    properties.language = current_locale()
    _document_language(document, current_locale())
    _title_block(document, printed)
    _heading(document, gettext("Scorecard by section"))
    _scorecard_table(document, scorecard)
    _note(document, score_note(scorecard["formula"]))
    if len(scorecard.get("series", {}).get("steps", [])) > 1:
        _heading(document, series_title(scorecard["series"]))
        _series_table(document, scorecard["series"])
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
                paragraph.add_run(f" ({label('visibility', 'restricted')})")
    document.save(target)
    return count


def _property(text: str) -> str:
    """A document property's text: the format holds at most 255 characters."""
    return text if len(text) <= MAX_PROPERTY else text[: MAX_PROPERTY - 1] + "…"


def _styles(document) -> None:
    """Normal at 8 pt; a 7 pt paragraph style, and character styles for notes, links and each status."""
    styles = document.styles
    small = styles.add_style(SMALL, WD_STYLE_TYPE.PARAGRAPH)
    small.base_style = styles["Normal"]
    small.font.size = Pt(SMALL_PT)
    styles.add_style(NOTE, WD_STYLE_TYPE.CHARACTER).font.color.rgb = GREY
    link = styles.add_style(LINK_STYLE, WD_STYLE_TYPE.CHARACTER)
    link.font.color.rgb = LINK
    link.font.underline = True
    for status, style_id in STATUS_STYLE_IDS.items():
        fill, font = STATUS_STYLES[status]
        style = styles.add_style(style_id, WD_STYLE_TYPE.CHARACTER)
        style.font.bold = True
        style.font.color.rgb = RGBColor.from_string(font)
        shading = OxmlElement("w:shd")
        shading.set(qn("w:val"), "clear")
        shading.set(qn("w:color"), "auto")
        shading.set(qn("w:fill"), fill)
        style.element.get_or_add_rPr().append(shading)
    normal = styles["Normal"]
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
    _small_run(header.add_run(" · ".join(part for part in parts if part)))
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
            _small_run(footer.add_run(part))
    _small_run(footer.add_run(f" · {context.generated_line()}"))
    _small_run(section.footer.add_paragraph().add_run(context.provenance_line()))


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
    _small_run(paragraph.add_run(text))
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
        row = _row(table)
        row[0].text = name
        if group is None:
            row[0].paragraphs[0].runs[0].bold = True
        for cell, (key, _) in zip(row[1:], SCORE_COLUMNS, strict=True):
            cell.text = values[key]
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _series_table(document, series: dict[str, Any]) -> None:
    widths = [Mm(PAGE_WIDTH_MM / len(SERIES_COLUMNS))] * len(SERIES_COLUMNS)
    table = _table(document, widths)
    _header_row(table.rows[0], [gettext(header) for _, header in SERIES_COLUMNS], widths)
    for values in series_cells(series):
        for index, (cell, value) in enumerate(zip(_row(table), values, strict=True)):
            cell.text = value
            if index:
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
        cells = _row(table, keep=_height_mm(item, printed) < KEEP_ROWS_UP_TO_MM)
        for column, cell in zip(printed.columns, cells, strict=True):
            _fill(cell, column.key, item, printed)
        count += 1
    return count


def _fill(cell, key: str, row: PrintedRow, printed: PrintedMatrix) -> None:
    first = cell.paragraphs[0]
    if key == "recommendation":
        _run(first, row.code, bold=True)
        if row.paragraph:
            _run(first, f" ({row.paragraph})")
        _run(cell.add_paragraph(), row.text, language=row.text_language)
        if row.text_note:
            _run(_small(cell.add_paragraph()), row.text_note, italic=True)
    elif key == "source":
        for index, line in enumerate(row.source_lines):
            _run(_small(first if index == 0 else cell.add_paragraph()), line)
    elif key == "assessment":
        if row.assessment is None:
            _run(_small(first), printed.not_assessed, italic=True)
        else:
            _status(first, row.assessment)
    elif key == "claim":
        if row.claim is not None:
            _status(_small(first), row.claim)
    elif key == "evidence":
        for index, link in enumerate(row.evidence):
            paragraph = _small(first if index == 0 else cell.add_paragraph())
            _hyperlink(paragraph, link.url, link.title)
            details = ", ".join(part for part in (link.relation_label, link.published_on) if part)
            restricted = f", {label('visibility', 'restricted')}" if link.restricted else ""
            _run(paragraph, f" ({details}{restricted})", style=NOTE)
        if row.report_sources_line:
            paragraph = _small(first if not row.evidence else cell.add_paragraph())
            _run(paragraph, row.report_sources_line, style=NOTE)
    elif key == "comments":
        for index, comment in enumerate(row.comments):
            paragraph = _small(first if index == 0 else cell.add_paragraph())
            _run(paragraph, comment.text, italic=comment.kind != "claim_gap")


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


def _status(paragraph, block: StatusBlock) -> None:
    """The status label on its colour, then its date and the summary, run on in one paragraph."""
    style = STATUS_STYLE_IDS.get(block.status, STATUS_STYLE_IDS["not_assessed"])
    _run(paragraph, f"\u00a0{block.label}\u00a0", style=style)
    if block.effective_on:
        _run(paragraph, f" {block.effective_on}", bold=True)
    if block.summary:
        _run(paragraph, f" {block.summary}")


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


def _row(table, *, keep: bool = True) -> list:
    """A new row's cells, kept on one page if `keep`."""
    row = table.add_row()  # each cell gets its width from the table's grid
    if keep:
        _row_property(row, "w:cantSplit")
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


def _run(
    target,
    text: str,
    *,
    style: str | None = None,
    bold: bool = False,
    italic: bool = False,
    language: str | None = None,
) -> None:
    """Append a run to a paragraph (or a hyperlink element), built directly: python-docx's run API took
    most of a row's time. `language` marks data written in a language other than the document's."""
    run = OxmlElement("w:r")
    if style or bold or italic or language:
        properties = OxmlElement("w:rPr")
        if style:
            style_element = OxmlElement("w:rStyle")
            style_element.set(qn("w:val"), style)
            properties.append(style_element)
        if bold:
            properties.append(OxmlElement("w:b"))
        if italic:
            properties.append(OxmlElement("w:i"))
        if language:
            properties.append(_language_element(language))
        run.append(properties)
    for index, line in enumerate(text.split("\n")):
        if index:
            run.append(OxmlElement("w:br"))
        element = OxmlElement("w:t")
        element.set(qn("xml:space"), "preserve")
        element.text = line
        run.append(element)
    getattr(target, "_p", target).append(run)


def _document_language(document, language: str) -> None:
    """The language of the document's own words (spelling, hyphenation, screen readers)."""
    for element in document.styles.element.xpath("w:docDefaults/w:rPrDefault/w:rPr/w:lang"):
        element.set(qn("w:val"), language)
        element.set(qn("w:eastAsia"), language)


def _language_element(language: str):
    element = OxmlElement("w:lang")
    element.set(qn("w:val"), language)
    return element


def _small(paragraph):
    """The paragraph in the small (7 pt) style of secondary texts."""
    properties = paragraph._p.get_or_add_pPr()
    style = OxmlElement("w:pStyle")
    style.set(qn("w:val"), SMALL)
    properties.insert(0, style)
    return paragraph


def _small_run(run):
    run.font.size = Pt(SMALL_PT)
    return run


def _hyperlink(paragraph, url: str, text: str) -> None:
    """A titled external link (blue, underlined) at the end of a paragraph."""
    relationship = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), relationship)
    paragraph._p.append(link)
    _run(link, text, style=LINK_STYLE)


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
        _small_run(run)
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
