"""The review file of suggested links: written as XLSX or CSV, one row a candidate pair, and read back.

A reviewer marks `decision` accept or reject (or leaves it empty) and may change `strength` and write a
`note`; `rectrack links apply` records the accepted rows (app/suggestions/review_apply.py). Cells are text
only: XLSX cells are written as strings, CSV cells formula-safe (app/csv_writer.py); reading evaluates
nothing.
"""

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xlsxwriter
from pydantic import ValidationError

from app.csv_writer import BOM, safe
from app.i18n.translation import gettext as _
from app.imports.cells import cell_text
from app.imports.rows import UnreadableFile
from app.imports.sheets import open_sheet
from app.links.schemas import LinkIn
from app.vocabulary import LinkStrength, label

COLUMNS = (
    "from_code",
    "from_text",
    "to_code",
    "to_text",
    "to_recommending_states",
    "to_response",
    "score",
    "matched",
    "already_linked",
    "decision",
    "strength",
    "note",
)
# What `apply` needs; the other columns are there for the reviewer and may be removed.
REQUIRED = ("from_code", "to_code", "decision", "strength")
DECISIONS = ("accept", "reject")
STRENGTHS = tuple(strength.value for strength in LinkStrength)
FORMATS = (".xlsx", ".csv")
YES, NO = "yes", "no"
# Column widths in characters, for the XLSX sheet.
_WIDTHS = {"from_text": 60, "to_text": 60, "to_recommending_states": 24, "matched": 24, "note": 30}
_CELL = {"text_wrap": True, "valign": "top"}


class ReviewFileError(ValueError):
    """The review file cannot be applied: wrong columns or cells, each problem with its line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class ReviewRow:
    """One row of a review file as read back: a candidate pair and the reviewer's decision."""

    line: int
    from_code: str
    to_code: str
    decision: str  # "accept", "reject" or ""
    strength: str
    note: str | None


def review_rows(
    suggestions: Iterable[tuple[Mapping[str, Any], list[dict[str, Any]]]],
) -> list[dict[str, str | float]]:
    """One row a candidate pair, in the order ranked: decision empty, strength pre-filled same_measure."""
    rows: list[dict[str, str | float]] = []
    for query, candidates in suggestions:
        for candidate in candidates:
            rows.append(
                {
                    "from_code": query["code"],
                    "from_text": query["text"],
                    "to_code": candidate["code"],
                    "to_text": candidate["text"],
                    "to_recommending_states": "; ".join(
                        state["label"] for state in candidate["recommending_states"]
                    ),
                    "to_response": label("response", candidate["response"])
                    if candidate.get("response")
                    else "",
                    "score": round(float(candidate["score"]), 3),
                    "matched": ", ".join(candidate.get("matched") or ()),
                    "already_linked": YES if candidate.get("linked") else NO,
                    "decision": "",
                    "strength": LinkStrength.same_measure.value,
                    "note": "",
                }
            )
    return rows


def write_review(path: Path, rows: list[dict[str, str | float]]) -> None:
    """Write the rows as XLSX or CSV, by the file's suffix."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        write_review_xlsx(path, rows)
    elif suffix == ".csv":
        path.write_text(review_csv(rows), encoding="utf-8", newline="")
    else:
        raise ValueError(_("The review file must end in .xlsx or .csv, not “%(name)s”.", name=path.name))


def review_csv(rows: list[dict[str, str | float]]) -> str:
    """The rows as CSV text: BOM, header, RFC 4180, every text cell formula-safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_csv_cell(row[column]) for column in COLUMNS])
    return BOM + buffer.getvalue()


def write_review_xlsx(path: Path, rows: list[dict[str, str | float]]) -> None:
    """The rows as a workbook: header row, frozen panes, wrapped text, drop-down lists for the decisions."""
    workbook = xlsxwriter.Workbook(str(path))
    # TRANSLATORS: an Excel sheet name: at most 31 characters, none of []:*?/\
    sheet = workbook.add_worksheet(_("Suggested links"))
    text = workbook.add_format(_CELL)
    header = workbook.add_format(_CELL | {"bold": True, "bg_color": "#D9E1F2"})
    score = workbook.add_format(_CELL | {"num_format": "0.000"})
    for index, column in enumerate(COLUMNS):
        sheet.set_column(index, index, _WIDTHS.get(column, 14))
        sheet.write_string(0, index, column, header)
    for number, row in enumerate(rows, start=1):
        for index, column in enumerate(COLUMNS):
            value = row[column]
            if isinstance(value, float):
                sheet.write_number(number, index, value, score)
            else:
                # write_string: a text starting with "=" stays text, never a formula.
                sheet.write_string(number, index, value, text)
    # The header and the pair's two codes stay in view while the reviewer scrolls through the texts.
    sheet.freeze_panes(1, 1)
    last = max(len(rows), 1)
    for column, values in (("decision", DECISIONS), ("strength", STRENGTHS)):
        index = COLUMNS.index(column)
        sheet.data_validation(
            1, index, last, index, {"validate": "list", "source": list(values), "ignore_blank": True}
        )
    sheet.autofilter(0, 0, len(rows), len(COLUMNS) - 1)
    workbook.close()


def read_review(data: bytes) -> list[ReviewRow]:
    """The rows of a review file (XLSX or CSV); ReviewFileError listing every problem with its line."""
    try:
        sheet = open_sheet(data)
        records = [(line, [cell_text(value).strip() for value in values]) for line, values in sheet.rows]
    except UnreadableFile as error:
        raise ReviewFileError([str(error)]) from None
    records = [(line, cells) for line, cells in records if any(cells)]
    if not records:
        raise ReviewFileError([_("The file is empty.")])
    header_line, header = records[0]
    at = {
        name.lstrip("\ufeff").strip().casefold(): index for index, name in reversed(list(enumerate(header)))
    }
    missing = [column for column in REQUIRED if column not in at]
    if missing:
        raise ReviewFileError(
            [
                _(
                    "Line %(line)s: the file is not a review file of suggested links: it lacks the columns "
                    "%(missing)s (a review file has the columns %(columns)s).",
                    line=header_line,
                    missing=", ".join(missing),
                    columns=", ".join(COLUMNS),
                )
            ]
        )
    rows: list[ReviewRow] = []
    problems: list[str] = []
    for line, cells in records[1:]:
        row = _row(line, cells, at, problems)
        if row is not None:
            rows.append(row)
    if problems:
        raise ReviewFileError(problems)
    return rows


def _row(line: int, cells: list[str], at: dict[str, int], problems: list[str]) -> ReviewRow | None:
    def cell(column: str) -> str:
        index = at.get(column)
        return cells[index] if index is not None and index < len(cells) else ""

    decision = cell("decision").casefold()
    strength = cell("strength").casefold()
    found = len(problems)
    if decision not in (*DECISIONS, ""):
        problems.append(
            _(
                "Line %(line)s: the decision “%(value)s” is not accept, reject or empty.",
                line=line,
                value=cell("decision"),
            )
        )
    if decision == "accept":
        if not cell("from_code") or not cell("to_code"):
            problems.append(_("Line %(line)s: an accepted row needs from_code and to_code.", line=line))
        if strength not in STRENGTHS:
            problems.append(
                _(
                    "Line %(line)s: the strength “%(value)s” is not one of %(strengths)s.",
                    line=line,
                    value=cell("strength"),
                    strengths=", ".join(STRENGTHS),
                )
            )
    if decision == "accept" and len(problems) == found:
        _check_link(line, cell("to_code"), strength, cell("note") or None, problems)
    if len(problems) > found:
        return None
    return ReviewRow(line, cell("from_code"), cell("to_code"), decision, strength, cell("note") or None)


def _check_link(line: int, other: str, strength: str, note: str | None, problems: list[str]) -> None:
    """An accepted row's link checked by the API's own rules (a note of visible text, 2,000 characters)."""
    try:
        LinkIn(other=other, other_version=1, strength=LinkStrength(strength), note=note)
    except ValidationError as error:
        for issue in error.errors():
            where = ".".join(str(part) for part in issue["loc"])
            problems.append(
                _("Line %(line)s: %(column)s: %(message)s", line=line, column=where, message=issue["msg"])
            )


def _csv_cell(value: str | float) -> str:
    return f"{value:.3f}" if isinstance(value, float) else safe(value)
