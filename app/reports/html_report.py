"""HTML: a printable page (A4 landscape) with the scorecard by section and the matrix, streamed."""

import base64
import hashlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from app.reports.cells import PERSPECTIVE_LABELS, cells, description
from app.scorecards.export import SCORE_COLUMNS, score_cells
from app.templating import environment

HTML_MEDIA_TYPE = "text/html; charset=utf-8"
# The report is often saved and opened from disk, so its styles are inline; the policy allows exactly them.
REPORT_STYLE = (Path(__file__).parent / "templates" / "matrix_report.css").read_text(encoding="utf-8")
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


def matrix_html(
    rows: Iterable[dict[str, Any]], scorecard: dict[str, Any], meta: dict[str, Any]
) -> Iterator[str]:
    """The printable matrix page as text chunks, rendered while the rows stream in."""
    template = environment.get_template("matrix_report.html")
    chunks = template.generate(
        rows=((row, cells(row)) for row in rows),
        report_style=REPORT_STYLE,
        scorecard=scorecard,
        meta=meta,
        meta_text=description(meta),
        score_columns=SCORE_COLUMNS,
        score_cells=score_cells,
        perspective_label=PERSPECTIVE_LABELS[meta["perspective"]],
        show_assessment_status=meta["perspective"] not in ("independent", "state"),
    )
    return _buffered(chunks)


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
