"""Scorecards and matrix exports for the command line: a rich table, and files written with a progress bar.

What people read is in the current locale (app/i18n); data (codes, labels from the database) as it is.
"""

from collections.abc import Iterable, Iterator
from typing import IO, Any, TypeVar, cast

from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from sqlmodel import Session

from app.config import Settings
from app.csv_writer import BOM
from app.i18n.translation import N_, gettext
from app.reports.cells import description
from app.reports.context import document_context
from app.reports.csv_report import matrix_csv
from app.reports.documents import matrix_meta, section_scorecard
from app.reports.docx_report import ensure_docx_fits, write_matrix_docx
from app.reports.html_report import matrix_html
from app.reports.json_report import matrix_json
from app.reports.matrix import count_rows, grouped_rows, matrix_rows
from app.reports.page_heading import page_heading
from app.reports.pdf_report import ensure_pdf_fits, write_matrix_pdf
from app.reports.printed import PrintedMatrix
from app.reports.sheet_rows import sheet_rows
from app.reports.xlsx_report import write_matrix_xlsx
from app.scorecards.export import SCORE_COLUMNS, group_label, score_cells
from app.scorecards.params import MatrixParams
from app.upr_text import commitment_line
from app.vocabulary import ClaimGapClass, label, status_label

T = TypeVar("T")
STATUS_COLOURS = {
    "implemented": "green",
    "partially_implemented": "yellow",
    "not_implemented": "red",
    "regressed": "bold red",
    "not_assessed": "dim",
}
MATRIX_FORMATS = ("csv", "xlsx", "html", "docx", "pdf", "json")
# Written as text (also to standard output); the others are binary files.
TEXT_FORMATS = ("csv", "json", "html")


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


# Left out first when the terminal is too narrow for every column (named in a note under the table).
DROPPED_FIRST = ("stale", "evidence_coverage")
NUMBER_WIDTH = 6  # a number column: five characters and the space between columns
GROUP_MIN_WIDTH = 14


def scorecard_table(scorecard: dict[str, Any], width: int = 80) -> Table:
    """A scorecard as a rich table, one row per group and a totals footer, fitting the terminal's width.

    Group names wrap rather than being cut; when even so the numbers do not fit, the stale count and the
    evidence coverage are left out (`left_out` names them).
    """
    keys = shown_score_keys(width)
    table = Table(
        title=gettext(TITLES[scorecard["group_by"]]),
        show_footer=True,
        box=box.SIMPLE_HEAD,
        show_edge=False,
        padding=0,
    )
    totals = score_cells(scorecard["totals"])
    table.add_column(
        gettext("Group"),
        footer=gettext("All"),
        min_width=GROUP_MIN_WIDTH,
        max_width=max(GROUP_MIN_WIDTH, width - NUMBER_WIDTH * len(keys)),
        overflow="fold",
    )
    for key in keys:
        table.add_column(
            gettext(SHORT_HEADERS[key]),
            footer=totals[key],
            justify="right",
            no_wrap=True,
            min_width=NUMBER_WIDTH - 1,
            style=STATUS_COLOURS.get(key),
        )
    for group in scorecard["groups"]:
        values = score_cells(group)
        name = _group_name(group) if scorecard["group_by"] in ("section", "sdg") else None
        name = name or group_label(group, scorecard["group_by"])
        table.add_row(name, *(values[key] for key in keys))
    return table


def shown_score_keys(width: int) -> list[str]:
    """The scorecard columns a terminal this wide shows, in order."""
    keys = [key for key, _ in SCORE_COLUMNS]
    for key in DROPPED_FIRST:
        if GROUP_MIN_WIDTH + NUMBER_WIDTH * len(keys) <= width:
            break
        keys.remove(key)
    return keys


def scorecard_notes(scorecard: dict[str, Any], filters: str, width: int) -> list[str]:
    """The lines under the scorecard table: its point in time, its filters, the legend, what was left out."""
    meta = {key: scorecard[key] for key in ("as_of", "known_at", "perspective")}
    lines = [description(meta), filters, gettext(LEGEND)]
    left_out = [key for key, _ in SCORE_COLUMNS if key not in shown_score_keys(width)]
    if left_out:
        names = ", ".join(gettext(header) for key, header in SCORE_COLUMNS if key in left_out)
        lines.append(
            gettext(
                "Left out at this terminal width: %(columns)s (widen the terminal, or use --format csv).",
                columns=names,
            )
        )
    return lines


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
    params: MatrixParams,
    format_: str,
    out: IO[str] | IO[bytes],
    *,
    include_restricted: bool,
    console: Console,
    settings: Settings,
    bom: bool = True,
) -> int:
    """Write the matrix in a format to an open file (text for TEXT_FORMATS), with a progress bar.

    Returns the number of rows. `bom`: a CSV starts with a byte-order mark (for spreadsheets; not in a pipe).
    """
    meta = matrix_meta(session, params)
    total = count_rows(session, params)
    if format_ == "docx":
        ensure_docx_fits(total)
    elif format_ == "pdf":
        ensure_pdf_fits(total)
    columns = (TextColumn(gettext("matrix")), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("rows", total=total)
        if format_ == "json":
            rows = matrix_rows(session, params, include_restricted=include_restricted)
            chunks = matrix_json(_counted(rows, progress, task), meta)
            _write_text(cast(IO[str], out), chunks if bom else _without_bom(chunks))
            return total
        # The spreadsheets read their rows as text cells, the optional columns only when shown.
        sheet = _counted(
            sheet_rows(session, params, include_restricted=include_restricted, optional=meta["columns"]),
            progress,
            task,
        )
        if format_ == "csv":
            chunks = matrix_csv(sheet, params.perspective, meta["columns"])
            _write_text(cast(IO[str], out), chunks if bom else _without_bom(chunks))
            return total
        scorecard = section_scorecard(
            session, params, include_restricted=include_restricted, progress=format_ != "xlsx"
        )
        if format_ == "xlsx":
            context = document_context(session, params, settings)
            write_matrix_xlsx(cast(IO[bytes], out), sheet, scorecard, meta, context)
            return total
        # The bar counts printed rows: grouped by theme, a recommendation may be printed more than once.
        groups = grouped_rows(session, params, include_restricted=include_restricted)
        context = document_context(session, params, settings)
        printed = PrintedMatrix(_counted(groups, progress, task), context, meta["columns"])
        if format_ == "docx":
            write_matrix_docx(cast(IO[bytes], out), printed, scorecard)
            return total
        heading = page_heading(context, gettext("Implementation matrix"), settings.timezone)
        if format_ == "html":
            _write_text(cast(IO[str], out), matrix_html(printed, scorecard, heading))
        else:
            write_matrix_pdf(cast(IO[bytes], out), printed, scorecard, heading)
    return total


def _counted(rows: Iterable[T], progress: Progress, task) -> Iterator[T]:
    for row in rows:
        yield row
        progress.advance(task)


def _without_bom(chunks: Iterable[str]) -> Iterator[str]:
    for count, chunk in enumerate(chunks):
        yield chunk.removeprefix(BOM) if count == 0 else chunk


def _write_text(out: IO[str], chunks: Iterable[str]) -> None:
    for chunk in chunks:
        out.write(chunk)
