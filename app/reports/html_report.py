"""HTML: a printable page (A4 landscape) with the scorecard by section and the matrix, streamed."""

from collections.abc import Iterable, Iterator
from typing import Any

from app.reports.cells import PERSPECTIVE_LABELS, cells, description
from app.scorecards.export import SCORE_COLUMNS, score_cells
from app.templating import environment

HTML_MEDIA_TYPE = "text/html; charset=utf-8"


def matrix_html(
    rows: Iterable[dict[str, Any]], scorecard: dict[str, Any], meta: dict[str, Any]
) -> Iterator[str]:
    """The printable matrix page as text chunks, rendered while the rows stream in."""
    template = environment.get_template("matrix_report.html")
    chunks = template.generate(
        rows=((row, cells(row)) for row in rows),
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
