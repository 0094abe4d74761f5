"""Matrix rows as the plain-text cells that the tabular formats (CSV, XLSX, DOCX, HTML) share.

Headers, labels and sentences are in the current locale (app/i18n): call these while rendering.
"""

from dataclasses import dataclass
from typing import Any

from app.i18n.formatting import iso_date, utc_timestamp
from app.i18n.translation import gettext
from app.vocabulary import label, status_label


@dataclass(frozen=True)
class Column:
    """A column of the tabular matrix: its header, its key in `cells()`, and a width in characters."""

    key: str
    header: str
    width: int
    is_status: bool = False


def matrix_columns(perspective: str) -> list[Column]:
    """The matrix columns; a UN view adds its own status column (the other two views already have one)."""
    assessor = label("assessor", perspective)
    columns = [
        Column("code", gettext("Code"), 18),
        Column("section", gettext("Section"), 22),
        Column("text", gettext("Recommendation"), 60),
        Column("addressees", gettext("Addressees"), 28),
        Column("themes", gettext("Themes"), 28),
        Column("sdg_targets", gettext("SDG targets"), 12),
        Column("claimed_status", gettext("State's claim"), 16, is_status=True),
        Column("independent_status", gettext("Independent status"), 16, is_status=True),
    ]
    if perspective not in ("independent", "state"):
        columns.append(
            Column("assessment_status", gettext("Status (%(assessor)s)", assessor=assessor), 16, True)
        )
    return [
        *columns,
        Column("assessment_summary", gettext("Latest assessment (%(assessor)s)", assessor=assessor), 50),
        Column("assessment_date", gettext("Assessment date"), 12),
        Column("evidence", gettext("Evidence"), 60),
    ]


def evidence_line(item: dict[str, Any]) -> str:
    """One evidence item on one line: title, relation, date and URL."""
    relation = label("relation", item["relation"])
    details = ", ".join(part for part in (relation, iso_date(item["published_on"])) if part)
    restricted = f" [{label('visibility', 'restricted')}]" if item["visibility"] == "restricted" else ""
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


def score_note(formula: dict[str, Any]) -> str:
    """How the score is computed, in one sentence: the index and each status's weight."""
    weights = ", ".join(
        f"{status_label(status)} = {weight:g}" for status, weight in formula["weights"].items()
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
