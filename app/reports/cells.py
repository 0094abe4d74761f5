"""The matrix's columns and the texts beside its rows that the tabular formats (CSV, XLSX, DOCX, HTML) share.

Headers, labels and sentences are in the current locale (app/i18n): call these while rendering.
"""

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from app.i18n.formatting import iso_date, number, utc_timestamp
from app.i18n.translation import current_locale, gettext
from app.vocabulary import label, status_label


@dataclass(frozen=True)
class Column:
    """A column of the matrix in every tabular format: its header, its key (sheet_rows.SHEET_KEYS), widths.

    `width` is in characters (spreadsheets); `printed` is its share of a printed page (HTML, DOCX) in
    percent, 0 when printed documents show it inside another column or not at all. The columns that `grow`
    (the long texts) share what the others leave, in proportion to their `printed`. `sheets` is False for a
    column only printed documents show: spreadsheets (CSV, XLSX) split it into columns of their own.
    """

    key: str
    header: str
    width: int
    is_status: bool = False
    printed: int = 0
    grows: bool = False
    sheets: bool = True


# Shown only when a recommendation in the matrix's scope has one: a report without them keeps its columns.
OPTIONAL_COLUMNS = ("paragraph", "recommending_states", "response", "upr_commitments")


def matrix_columns(perspective: str, optional: Collection[str] = ()) -> list[Column]:
    """The matrix columns, declared once for every format; `optional` names the OPTIONAL_COLUMNS to show."""
    assessor = label("assessor", perspective)
    # Spreadsheet widths keep the columns a printed sheet shows (xlsx_report.PRINTED_KEYS) about 210
    # characters wide in all, so a landscape page one column wide is still readable.
    columns = [
        Column("code", gettext("Code"), 16, printed=9),
        Column("source", gettext("Source"), 14),
        Column("paragraph", gettext("Paragraph"), 10),  # printed under the code
        Column("section", gettext("Section"), 22),
        Column("text", gettext("Recommendation"), 40, printed=27, grows=True),
        Column("addressees", gettext("Addressees"), 16, printed=10),
        Column("recommending_states", gettext("Recommending states"), 18, printed=10),
        Column("themes", gettext("Themes"), 28),
        Column("sdg_targets", gettext("SDG targets"), 12),
        Column("response", gettext("Response"), 12, printed=8),
        Column("upr_commitments", gettext("UPR commitments"), 36, printed=14, grows=True),
        Column("claimed_status", gettext("State's claim"), 13, is_status=True, printed=9),
        Column("claim_date", gettext("Date of the state's claim"), 12),
        Column("claim_summary", gettext("What the state's claim says"), 40),
        Column("independent_status", gettext("Independent status"), 13, is_status=True, printed=9),
        Column("claim_gap", gettext("Claim gap"), 16),
    ]
    # A UN view adds its own status column; the other two views already have one.
    if perspective not in ("independent", "state"):
        header = gettext("Status (%(assessor)s)", assessor=assessor)
        columns.append(Column("assessment_status", header, 13, is_status=True, printed=9))
    columns += [
        Column(
            "assessment_summary",
            gettext("Latest assessment (%(assessor)s)", assessor=assessor),
            60,
            printed=18,
            grows=True,
        ),
        Column("assessment_date", gettext("Assessment date"), 11),
        # Printed documents show all evidence in one column; spreadsheets split the report's own sources off.
        Column("evidence", gettext("Evidence"), 60, printed=18, grows=True, sheets=False),
        Column("new_evidence", gettext("Evidence"), 44),
        Column("evidence_url", gettext("Newest evidence link"), 30),
        Column("baseline_sources", gettext("Sources cited in the report"), 60),
    ]
    return [column for column in columns if column.key not in OPTIONAL_COLUMNS or column.key in optional]


def sheet_columns(perspective: str, optional: Collection[str] = ()) -> list[Column]:
    """The matrix columns of spreadsheets (CSV, XLSX): every field in a column of its own."""
    return [column for column in matrix_columns(perspective, optional) if column.sheets]


def printed_shares(columns: list[Column]) -> list[tuple[Column, float]]:
    """The columns a printed document shows, each with its share of the page width in percent."""
    printed = [column for column in columns if column.printed]
    fixed = sum(column.printed for column in printed if not column.grows)
    growing = sum(column.printed for column in printed if column.grows)
    left = max(100 - fixed, growing / 2)  # never squeeze the texts below half their width
    shares = [
        (column, column.printed * left / growing if column.grows else column.printed) for column in printed
    ]
    total = sum(share for _, share in shares)
    return [(column, share * 100 / total) for column, share in shares]


def paragraph_note(row: dict[str, Any]) -> str:
    """The paragraph as printed under the code ('para. 106.12'), or nothing."""
    return gettext("para. %(paragraph)s", paragraph=row["paragraph"]) if row["paragraph"] else ""


def section_names(scorecard: dict[str, Any]) -> list[str]:
    """Each group of a scorecard by section as '2. Title', led by its source when it has several."""
    several = len({group["source"] for group in scorecard["groups"]}) > 1
    return [
        f"{group['source']} {group['key']}. {group['label']}"
        if several
        else f"{group['key']}. {group['label']}"
        for group in scorecard["groups"]
    ]


def score_note(formula: dict[str, Any]) -> str:
    """How the score is computed, in one sentence: the index and each status's weight."""
    # A list separator that cannot be mistaken for a decimal comma ("0,5" in Russian).
    weights = "; ".join(
        f"{status_label(status)} = {number(weight, current_locale())}"
        for status, weight in formula["weights"].items()
    )
    return gettext(
        "Score: %(index)s (%(weights)s); recommendations not yet assessed are left out of the score.",
        index=gettext(formula["source"]),
        weights=weights,
    )


def description(meta: dict[str, Any]) -> str:
    """One sentence saying what a report shows: the date, the recording time and the perspective."""
    values = {"date": iso_date(meta["as_of"]), "assessor": label("assessor", meta["perspective"])}
    if meta.get("known_at"):
        return gettext(
            "Status as of %(date)s, as assessed by %(assessor)s, from what was recorded by %(time)s.",
            time=utc_timestamp(meta["known_at"]),
            **values,
        )
    return gettext("Status as of %(date)s, as assessed by %(assessor)s.", **values)
