"""Scorecards and matrix exports for the command line: a rich table, and files written with a progress bar.

What people read is in the current locale (app/i18n); data (codes, labels from the database) as it is.
"""

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from sqlmodel import Session

from app.i18n.translation import N_, gettext
from app.reports.cells import description
from app.reports.csv_report import matrix_csv
from app.reports.documents import matrix_meta, section_scorecard
from app.reports.docx_report import ensure_docx_fits, write_matrix_docx
from app.reports.html_report import matrix_html
from app.reports.json_report import matrix_json
from app.reports.matrix import count_rows, matrix_rows
from app.reports.xlsx_report import write_matrix_xlsx
from app.scorecards.export import SCORE_COLUMNS, group_label, score_cells
from app.scorecards.params import PointInTimeParams
from app.upr_text import commitment_line
from app.vocabulary import ClaimGapClass, label, status_label

STATUS_COLOURS = {
    "implemented": "green",
    "partially_implemented": "yellow",
    "not_implemented": "red",
    "regressed": "bold red",
    "not_assessed": "dim",
}
MATRIX_FORMATS = ("csv", "xlsx", "html", "docx", "json")


# The terminal table's narrow column headers.
SHORT_HEADERS = {
    "total": N_("Total"),
    "implemented": N_("Impl."),
    # TRANSLATORS: a narrow column header of the terminal table; the line break keeps it narrow.
    "partially_implemented": N_("Part.\nimpl."),
    "not_implemented": N_("Not\nimpl."),
    "regressed": N_("Regr."),
    "not_assessed": N_("Not\nass."),
    "score": N_("Score"),
    "evidence_coverage": N_("Evid."),
    "stale": N_("Stale"),
}
LEGEND = N_(
    "Evid. = share with progress or regression evidence; score: implemented 1, partially 0.5, others 0."
)
TITLES = {
    "section": N_("Scorecard by section"),
    "theme": N_("Scorecard by theme"),
    "addressee": N_("Scorecard by addressee"),
    "sdg": N_("Scorecard by SDG target"),
    "status": N_("Scorecard by status"),
    "source": N_("Scorecard by source"),
    "recommending_state": N_("Scorecard by recommending state"),
    "response": N_("Scorecard by the state's response"),
}


def scorecard_table(scorecard: dict[str, Any], width: int = 80) -> Table:
    """A scorecard as a rich table, one row per group and a totals footer, fitting the terminal's width."""
    meta = {key: scorecard[key] for key in ("as_of", "known_at", "perspective")}
    table = Table(
        title=gettext(TITLES[scorecard["group_by"]]),
        caption=f"{description(meta)}\n{gettext(LEGEND)}",
        show_footer=True,
        box=box.SIMPLE_HEAD,
        show_edge=False,
        padding=(0, 0, 0, 1),
    )
    totals = score_cells(scorecard["totals"])
    table.add_column(
        gettext("Group"),
        footer=gettext("All"),
        max_width=max(12, width - 7 * len(SCORE_COLUMNS) - 2),
        no_wrap=True,
        overflow="ellipsis",
    )
    for key, _ in SCORE_COLUMNS:
        table.add_column(
            gettext(SHORT_HEADERS[key]),
            footer=totals[key],
            justify="right",
            no_wrap=True,
            min_width=5,
            style=STATUS_COLOURS.get(key),
        )
    for group in scorecard["groups"]:
        values = score_cells(group)
        name = _group_name(group) if scorecard["group_by"] in ("section", "sdg") else None
        name = name or group_label(group, scorecard["group_by"])
        table.add_row(name, *(values[key] for key, _ in SCORE_COLUMNS))
    return table


def _group_name(group: dict[str, Any]) -> str | None:
    return f"{group['key']}. {group['label']}" if group["key"] else None


def claim_gap_lines(scorecard: dict[str, Any]) -> list[str]:
    """One line per claim gap: the code, the state's claim and the independent status."""
    return [
        gettext(
            "%(code)s: the state claims %(claimed)s (%(claimed_on)s), monitors find %(found)s (%(found_on)s)",
            code=gap["code"],
            claimed=status_label(gap["claimed"]["status"]),
            claimed_on=gap["claimed"]["effective_on"],
            found=status_label(gap["independent"]["status"]),
            found_on=gap["independent"]["effective_on"],
        )
        for gap in scorecard["claim_gaps"]
    ]


def claim_gap_class_line(scorecard: dict[str, Any]) -> str:
    """The claim gaps by class in one line: each class's label and count."""
    counts = scorecard["totals"]["claim_gap_counts"]
    return " · ".join(f"{label('claim_gap', name)}: {counts[name]:,}" for name in ClaimGapClass)


def claim_gap_note(scorecard: dict[str, Any]) -> str | None:
    """'first N of M' and where the rest are, when the scorecard holds only some of its claim gaps."""
    shown, total = len(scorecard["claim_gaps"]), scorecard["claim_gaps_total"]
    if shown >= total:
        return None
    counts = {"shown": f"{shown:,}", "total": f"{total:,}"}
    url = scorecard["claim_gaps_next"]
    return gettext("claim gaps: first %(shown)s of %(total)s; the rest: GET %(url)s", url=url, **counts)


def commitment_gap_lines(scorecard: dict[str, Any]) -> list[str]:
    """One line per broken commitment: the code, its status, and the UPR recommendations committing to it."""
    return [
        gettext(
            "%(code)s is %(status)s; %(commitments)s",
            code=gap["code"],
            status=status_label(gap["status"]),
            commitments="; ".join(f"{commitment_line(item)} ({item['code']})" for item in gap["commitments"]),
        )
        for gap in scorecard["commitment_gaps"]
    ]


def commitment_gap_note(scorecard: dict[str, Any]) -> str | None:
    """'first N of M' and where the rest are, when the scorecard holds only some of its broken commitments."""
    shown, total = len(scorecard["commitment_gaps"]), scorecard["commitment_gaps_total"]
    if shown >= total:
        return None
    counts = {"shown": f"{shown:,}", "total": f"{total:,}"}
    url = scorecard["commitment_gaps_next"]
    return gettext(
        "broken commitments: first %(shown)s of %(total)s; the rest: GET %(url)s", url=url, **counts
    )


def write_matrix(
    session: Session,
    params: PointInTimeParams,
    format_: str,
    out: Path,
    *,
    include_restricted: bool,
    console: Console,
) -> int:
    """Write the matrix in a format to a file, with a progress bar; returns the number of rows."""
    meta = matrix_meta(session, params)
    total = count_rows(session, params)
    if format_ == "docx":
        ensure_docx_fits(total)
    columns = (TextColumn(gettext("matrix")), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("rows", total=total)
        rows = _counted(matrix_rows(session, params, include_restricted=include_restricted), progress, task)
        if format_ in ("csv", "json"):
            chunks = (
                matrix_csv(rows, params.perspective, meta["columns"])
                if format_ == "csv"
                else matrix_json(rows, meta)
            )
            _write_text(out, chunks)
            return total
        scorecard = section_scorecard(session, params, include_restricted=include_restricted)
        if format_ == "html":
            _write_text(out, matrix_html(rows, scorecard, meta))
        elif format_ == "xlsx":
            write_matrix_xlsx(str(out), rows, scorecard, meta)
        else:
            write_matrix_docx(str(out), rows, scorecard, meta)
    return total


def _counted(rows: Iterable[dict[str, Any]], progress: Progress, task) -> Iterator[dict[str, Any]]:
    for row in rows:
        yield row
        progress.advance(task)


def _write_text(out: Path, chunks: Iterable[str]) -> None:
    # newline="" keeps the CSV's CRLF line ends as they are; the BOM is part of the first chunk.
    with out.open("w", encoding="utf-8", newline="") as handle:
        for chunk in chunks:
            handle.write(chunk)
