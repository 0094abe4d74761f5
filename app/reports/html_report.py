"""HTML: the printed matrix (A4 landscape) with the scorecard by section, streamed; the PDF's source too."""

import base64
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from app.i18n.translation import current_locale, in_current_locale
from app.reports.cells import score_note, section_names
from app.reports.page_heading import PageHeading
from app.reports.printed import PrintedColumn, PrintedMatrix, PrintedRow, StatusBlock
from app.scorecards.export import SCORE_COLUMNS, SERIES_COLUMNS, score_cells, series_cells, series_title
from app.templating import environment

HTML_MEDIA_TYPE = "text/html; charset=utf-8"
# For keeping a row on one page (matrix_report.css, print): the text area of a landscape A4 page between
# its margins, the matrix's font size and line height, and DejaVu Sans's average character width.
TEXT_WIDTH_MM, TEXT_HEIGHT_MM = 297 - 20, 210 - 22
FONT_PT, LINE_HEIGHT = 6.8, 1.1
CHAR_EM = 0.55
MM_PER_PT = 25.4 / 72
# A row taller than this is let break across pages: kept whole, it could leave this much blank before it.
KEEP_ROWS_UP_TO_MM = TEXT_HEIGHT_MM / 3
# The report is often saved and opened from disk, so its styles are inline; the policy allows exactly them.
# The matrix's column widths in whole percent (app/reports/printed.py declares each column's share).
WIDTH_CLASSES = "".join(f"  col.w{share} {{ width: {share}%; }}\n" for share in range(1, 101))
REPORT_STYLE = (Path(__file__).parent / "templates" / "matrix_report.css").read_text(
    encoding="utf-8"
) + WIDTH_CLASSES
_STYLE_HASH = base64.b64encode(hashlib.sha256(REPORT_STYLE.encode()).digest()).decode()
HTML_REPORT_HEADERS = {
    "Content-Security-Policy": (
        f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; img-src data:; "
        "form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def matrix_html(layout: PrintedMatrix, scorecard: dict[str, Any], heading: PageHeading) -> Iterator[str]:
    """The printed matrix as text chunks in the current locale, rendered while the rows stream in."""
    template = environment.get_template("matrix_report.html")
    chunks = template.generate(
        layout=layout,
        report_style=REPORT_STYLE,
        scorecard=scorecard,
        heading=heading,
        score_text=score_note(scorecard["formula"]),
        score_columns=SCORE_COLUMNS,
        score_cells=score_cells,
        series_columns=SERIES_COLUMNS,
        series_cells=series_cells,
        series_title=series_title,
        section_names=section_names,
        zip=zip,
        keeps_whole=keeps_whole,
        lang=current_locale(),
    )
    return in_current_locale(_buffered(chunks))


def keeps_whole(row: PrintedRow, columns: list[PrintedColumn]) -> bool:
    """Whether a row is short enough (estimated from its texts) to be kept on one page when printed."""
    texts = {
        "recommendation": [f"{row.code} {row.paragraph}", row.text],
        "source": row.source_lines,
        "assessment": [_block_text(row.assessment)],
        "evidence": [
            f"{link.title} ({link.relation_label}, {link.published_on}) ({link.url})" for link in row.evidence
        ]
        + [row.report_sources_line],
        "claim": [_block_text(row.claim)],
        "comments": [comment.text for comment in row.comments],
    }
    char_mm = FONT_PT * CHAR_EM * MM_PER_PT
    line_mm = FONT_PT * LINE_HEIGHT * MM_PER_PT
    tallest = 0.0
    for column in columns:
        per_line = max(1, int(TEXT_WIDTH_MM * column.share / 100 / char_mm) - 1)
        lines = sum(-(-len(text) // per_line) for text in texts.get(column.key, []))
        tallest = max(tallest, lines * line_mm)
    return tallest <= KEEP_ROWS_UP_TO_MM


def _block_text(block: StatusBlock | None) -> str:
    return f"{block.label} {block.effective_on} {block.summary}" if block else ""


def _buffered(chunks: Iterator[str], size: int = 32_768) -> Iterator[str]:
    """Jinja yields a chunk per statement: join them so the response is written in fewer, larger pieces."""
    pending: list[str] = []
    length = 0
    for chunk in chunks:
        pending.append(chunk)
        length += len(chunk)
        if length >= size:
            yield "".join(pending)
            pending, length = [], 0
    yield "".join(pending)
