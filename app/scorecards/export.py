"""A scorecard's figures as text cells, shared by its CSV, the documents and the terminal table."""

from collections.abc import Iterator
from typing import Any

from app.csv_writer import BOM, CsvChunks
from app.vocabulary import Status

SCORE_COLUMNS = [
    ("total", "Recommendations"),
    ("implemented", "Implemented"),
    ("partially_implemented", "Partially implemented"),
    ("not_implemented", "Not implemented"),
    ("regressed", "Regressed"),
    ("not_assessed", "Not assessed"),
    ("score", "Score"),
    ("evidence_coverage", "Evidence coverage"),
    ("stale", "Stale"),
]


def score_cells(aggregate: dict[str, Any]) -> dict[str, str]:
    """A scorecard group or total as text cells keyed like SCORE_COLUMNS."""
    counts = aggregate["by_status"]
    score, coverage = aggregate["score"], aggregate["evidence_coverage"]
    return {
        "total": str(aggregate["total"]),
        **{status.value: str(counts[status.value]) for status in Status},
        "score": "" if score is None else f"{score:.2f}",
        "evidence_coverage": "" if coverage is None else f"{coverage:.0%}",
        "stale": str(aggregate["stale"]),
    }


def scorecard_csv(scorecard: dict[str, Any]) -> Iterator[str]:
    """A scorecard as CSV: one row per group, then the totals; shares as decimals for spreadsheets."""
    out = CsvChunks()
    out.write(["Group", "Label", "Source", *(header for _, header in SCORE_COLUMNS)])
    for group in scorecard["groups"]:
        out.write([group["key"] or "", group["label"], group["source"] or "", *_numbers(group)])
    out.write(["total", "All recommendations", "", *_numbers(scorecard["totals"])])
    yield BOM + out.take()


def _numbers(aggregate: dict[str, Any]) -> list[str]:
    values = aggregate | aggregate["by_status"]
    return ["" if values[key] is None else str(values[key]) for key, _ in SCORE_COLUMNS]
