"""Matrix rows as the plain-text cells that the tabular formats (CSV, XLSX, DOCX, HTML) share."""

from dataclasses import dataclass
from typing import Any

from app.i18n.formatting import iso_date
from app.vocabulary import status_label

PERSPECTIVE_LABELS = {"independent": "independent monitors", "state": "the state", "un": "UN bodies"}


@dataclass(frozen=True)
class Column:
    """A column of the tabular matrix: its header, its key in `cells()`, and a width in characters."""

    key: str
    header: str
    width: int
    is_status: bool = False


def matrix_columns(perspective: str) -> list[Column]:
    """The matrix columns; a UN view adds its own status column (the other two views already have one)."""
    columns = [
        Column("code", "Code", 18),
        Column("section", "Section", 22),
        Column("text", "Recommendation", 60),
        Column("addressees", "Addressees", 28),
        Column("themes", "Themes", 28),
        Column("sdg_targets", "SDG targets", 12),
        Column("claimed_status", "State's claim", 16, is_status=True),
        Column("independent_status", "Independent status", 16, is_status=True),
    ]
    if perspective not in ("independent", "state"):
        columns.append(Column("assessment_status", f"Status ({PERSPECTIVE_LABELS[perspective]})", 16, True))
    return [
        *columns,
        Column("assessment_summary", f"Latest assessment ({PERSPECTIVE_LABELS[perspective]})", 50),
        Column("assessment_date", "Assessment date", 12),
        Column("evidence", "Evidence", 60),
    ]


def evidence_line(item: dict[str, Any]) -> str:
    """One evidence item on one line: title, relation, date and URL."""
    details = ", ".join(part for part in (item["relation"], iso_date(item["published_on"])) if part)
    restricted = " [restricted]" if item["visibility"] == "restricted" else ""
    return f"{item['title']} ({details}){restricted}: {item['url']}"


def cells(row: dict[str, Any]) -> dict[str, str]:
    """A matrix row as text cells keyed like `matrix_columns`; statuses as readable labels."""
    assessment = row["assessment"] or {}
    return {
        "code": row["code"],
        "section": f"{row['section']}. {row['section_title']}",
        "text": row["text"],
        "addressees": "; ".join(item["label"] for item in row["addressees"]),
        "themes": "; ".join(item["label"] for item in row["themes"]),
        "sdg_targets": "; ".join(item["slug"] for item in row["sdg_targets"]),
        "claimed_status": status_label(row["claimed_status"]),
        "independent_status": status_label(row["independent_status"]),
        "assessment_status": status_label(assessment.get("status")),
        "assessment_summary": assessment.get("summary") or "",
        "assessment_date": iso_date(assessment.get("effective_on")),
        "evidence": "\n".join(evidence_line(item) for item in row["evidence"]),
    }


def status_of_cell(row: dict[str, Any], key: str) -> str:
    """The status code behind a status cell (for colours)."""
    if key == "assessment_status":
        return (row["assessment"] or {}).get("status") or "not_assessed"
    return row[key]


def description(meta: dict[str, Any]) -> str:
    """One sentence saying what a report shows: the date, the recording time and the perspective."""
    text = f"Status as of {iso_date(meta['as_of'])}, as assessed by {PERSPECTIVE_LABELS[meta['perspective']]}"
    if meta.get("known_at"):
        text += f", from what was recorded by {meta['known_at']:%Y-%m-%d %H:%M} UTC"
    return text + "."
