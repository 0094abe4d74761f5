"""The spreadsheet matrix as it was rendered before `sheet_rows`: a dict row from `matrix_rows`, cell by cell.

Kept only to compare against (tests/test_sheet_rows.py): the code of app/reports/cells.py's `cells()` and
csv_report.py's chunks as they were, so the tuple path must give the same bytes for the same data.
"""

from datetime import date
from typing import Any

from app.csv_writer import BOM, CsvChunks
from app.i18n.formatting import iso_date
from app.reports.cells import Column
from app.upr_text import commitment_line
from app.vocabulary import Relation, claim_gap_class, label, status_label


def reference_csv(rows, columns: list[Column]) -> str:
    """The CSV text of dict rows, as the matrix CSV was written: header, then every row's cells."""
    out = CsvChunks()
    out.write(column.header for column in columns)
    text = BOM + out.take()
    keys = [column.key for column in columns]
    for row in rows:
        values = cells(row)
        out.write([values[key] for key in keys])
    return text + out.take()


def evidence_line(item: dict[str, Any]) -> str:
    """One evidence item on one line: title, relation, date and URL."""
    relation = label("relation", item["relation"])
    details = ", ".join(part for part in (relation, iso_date(item["published_on"])) if part)
    restricted = f" [{label('visibility', 'restricted')}]" if item["visibility"] == "restricted" else ""
    return f"{item['title']} ({details}){restricted}: {item['url']}"


def source_line(item: dict[str, Any]) -> str:
    """One of the report's own sources on one line, led by its footnote number when known: '[12] ...'."""
    footnote = item.get("footnote")
    return f"[{footnote}] {evidence_line(item)}" if footnote else evidence_line(item)


def newest_evidence(row: dict[str, Any]) -> list[dict[str, Any]]:
    """The row's evidence except the report's own sources (baseline), newest first, undated last."""
    found = [item for item in reversed(row["evidence"]) if item["relation"] != Relation.baseline]
    return sorted(found, key=lambda item: item["published_on"] or date.min, reverse=True)


def cells(row: dict[str, Any]) -> dict[str, str]:
    """A matrix row as text cells keyed like `sheet_columns`; statuses as readable labels."""
    assessment = row["assessment"] or {}
    claim = row.get("claim") or {}
    new = newest_evidence(row)
    gap = claim_gap_class(row["claimed_status"], row["independent_status"])
    return {
        "code": row["code"],
        "source": row["source"],
        "paragraph": row["paragraph"] or "",
        "section": f"{row['section']}. {row['section_title']}",
        "text": row["text"],
        "addressees": "; ".join(item["label"] for item in row["addressees"]),
        "recommending_states": "; ".join(item["label"] for item in row["recommending_states"]),
        "response": label("response", row["response"]) if row["response"] else "",
        "themes": "; ".join(item["label"] for item in row["themes"]),
        "sdg_targets": "; ".join(item["slug"] for item in row["sdg_targets"]),
        "claimed_status": status_label(row["claimed_status"]),
        "claim_date": iso_date(claim.get("effective_on")),
        "claim_summary": claim.get("summary") or "",
        "independent_status": status_label(row["independent_status"]),
        "claim_gap": label("claim_gap", gap) if gap else "",
        "assessment_status": status_label(assessment.get("status")),
        "assessment_summary": assessment.get("summary") or "",
        "assessment_date": iso_date(assessment.get("effective_on")),
        "new_evidence": "\n".join(evidence_line(item) for item in new),
        "evidence_url": new[0]["url"] if new else "",
        "baseline_sources": "\n".join(
            source_line(item) for item in row["evidence"] if item["relation"] == Relation.baseline
        ),
        "upr_commitments": "\n".join(commitment_line(item) for item in row["upr_commitments"]),
    }


def status_of_cell(row: dict[str, Any], key: str) -> str:
    """The status code behind a status cell (for colours)."""
    if key == "assessment_status":
        return (row["assessment"] or {}).get("status") or "not_assessed"
    return row[key]
