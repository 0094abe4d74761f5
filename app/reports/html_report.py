"""HTML: the printed matrix (A4 landscape) with the scorecard by section, streamed; the PDF's source too."""

import base64
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from app.i18n.translation import current_locale, in_current_locale
from app.reports.cells import score_note, section_names
from app.reports.page_heading import PageHeading
from app.reports.printed import PrintedMatrix
from app.scorecards.export import SCORE_COLUMNS, score_cells
from app.templating import environment

HTML_MEDIA_TYPE = "text/html; charset=utf-8"
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
        section_names=section_names,
        zip=zip,
        lang=current_locale(),
    )
    return in_current_locale(_buffered(chunks))


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
