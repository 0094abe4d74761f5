"""A scorecard's figures as text cells, shared by its CSV, the documents and the terminal table.

Headers are English message ids: translate them (`gettext(header)`) where they are written.
"""

from collections.abc import Iterator
from datetime import date
from typing import Any

from app.csv_writer import BOM, CsvChunks
from app.i18n.formatting import percent, score
from app.i18n.translation import N_, current_locale, gettext, in_current_locale
from app.vocabulary import Status, label, status_label

SCORE_COLUMNS = [
    ("total", N_("Recommendations")),
    ("implemented", N_("Implemented")),
    ("partially_implemented", N_("Partially implemented")),
    ("not_implemented", N_("Not implemented")),
    ("regressed", N_("Regressed")),
    ("not_assessed", N_("Not assessed")),
    ("score", N_("Score")),
    ("evidence_coverage", N_("Evidence coverage (progress or regression links)")),
    ("stale", N_("Stale")),
]

# The CSV's last columns: how the recommendations the state committed to at its UPR stand.
COMMITMENT_COLUMNS = [
    ("committed", N_("Committed at the UPR")),
    ("partially", N_("Committed, partially supported only")),
    ("not_implemented_or_regressed", N_("Commitments not implemented or regressed")),
    ("not_assessed", N_("Commitments not assessed")),
    ("noted", N_("Noted at the UPR")),
]


# A series' table (the overview's and the documents'): one row per step, the totals' figures.
SERIES_COLUMNS = [
    ("as_of", N_("Period end")),
    ("score", N_("Score")),
    ("implemented", N_("Implemented")),
    ("partially_implemented", N_("Partially implemented")),
    ("not_implemented", N_("Not implemented")),
    ("regressed", N_("Regressed")),
    ("not_assessed", N_("Not assessed")),
    ("total", N_("Recommendations")),
]


def series_cells(series: dict[str, Any]) -> list[list[str]]:
    """A series as text rows in SERIES_COLUMNS order: period end, score (the locale's way), counts, total."""
    rows = []
    for step in series["steps"]:
        totals = step["totals"]
        as_of = step["as_of"]
        cells = {
            "as_of": as_of.isoformat() if isinstance(as_of, date) else str(as_of),
            "score": "" if totals["score"] is None else score(totals["score"], current_locale()),
            "total": str(totals["total"]),
            **{status.value: str(totals["by_status"][status.value]) for status in Status},
        }
        rows.append([cells[key] for key, _ in SERIES_COLUMNS])
    return rows


SERIES_TITLES = {
    "month": N_("Progress over time, at the end of each month"),
    "quarter": N_("Progress over time, at the end of each quarter"),
    "year": N_("Progress over time, at the end of each year"),
}


def series_title(series: dict[str, Any]) -> str:
    """The heading of a series' table in the current locale, naming its interval."""
    return gettext(SERIES_TITLES[str(series["interval"])])


def score_cells(aggregate: dict[str, Any]) -> dict[str, str]:
    """A scorecard group or total as text cells keyed like SCORE_COLUMNS, numbers the locale's way."""
    counts = aggregate["by_status"]
    value, coverage = aggregate["score"], aggregate["evidence_coverage"]
    locale = current_locale()
    return {
        "total": str(aggregate["total"]),
        **{status.value: str(counts[status.value]) for status in Status},
        "score": "" if value is None else score(value, locale),
        "evidence_coverage": "" if coverage is None else percent(coverage, locale),
        "stale": str(aggregate["stale"]),
    }


def scorecard_csv(scorecard: dict[str, Any]) -> Iterator[str]:
    """A scorecard as CSV in the current locale: one row per group, then the totals; shares as decimals.

    The commitment columns follow the scores.
    """
    return in_current_locale(_csv_chunks(scorecard))


def _csv_chunks(scorecard: dict[str, Any]) -> Iterator[str]:
    out = CsvChunks()
    out.write(
        [
            gettext("Group"),
            gettext("Label"),
            gettext("Source"),
            *(gettext(header) for _, header in SCORE_COLUMNS + COMMITMENT_COLUMNS),
        ]
    )
    for group in scorecard["groups"]:
        label = group_label(group, scorecard["group_by"])
        out.write([group["key"] or "", label, group["source"] or "", *_numbers(group)])
    out.write(["total", gettext("All recommendations"), "", *_numbers(scorecard["totals"])])
    yield BOM + out.take()


def group_label(group: dict[str, Any], group_by: str) -> str:
    """A group's label as people read it: statuses, responses, "No theme" translated; data as it is."""
    if group_by == "status":
        return status_label(group["key"])
    if group_by == "response" and group["key"] is not None:
        return label("response", group["key"])
    return gettext(group["label"]) if group["key"] is None else group["label"]


def _numbers(aggregate: dict[str, Any]) -> list[str]:
    values = aggregate | aggregate["by_status"]
    scores = ["" if values[key] is None else str(values[key]) for key, _ in SCORE_COLUMNS]
    return scores + [str(aggregate["commitments"][key]) for key, _ in COMMITMENT_COLUMNS]
