"""The scorecard as a printed document (PDF): the title block, the groups' figures, then the gaps."""

from typing import IO, Any

from app.i18n.translation import current_locale, gettext
from app.reports.cells import score_note
from app.reports.console import (
    TITLES,
    claim_gap_lines,
    claim_gap_note,
    commitment_gap_lines,
    commitment_gap_note,
)
from app.reports.html_report import REPORT_STYLE
from app.reports.page_heading import PageHeading
from app.reports.pdf_report import html_to_pdf
from app.scorecards.export import SCORE_COLUMNS, group_label, score_cells
from app.templating import environment


def scorecard_html(scorecard: dict[str, Any], heading: PageHeading) -> str:
    """The scorecard's printed page, in the current locale (the PDF's source)."""
    group_by = scorecard["group_by"]
    rows = [(_group_name(group, group_by), score_cells(group)) for group in scorecard["groups"]]
    return environment.get_template("scorecard_report.html").render(
        report_style=REPORT_STYLE,
        heading=heading,
        table_title=gettext(TITLES[group_by]),
        score_text=score_note(scorecard["formula"]),
        score_columns=SCORE_COLUMNS,
        rows=rows,
        totals=score_cells(scorecard["totals"]),
        claim_gaps=claim_gap_lines(scorecard),
        claim_gaps_note=claim_gap_note(scorecard),
        commitment_gaps=commitment_gap_lines(scorecard),
        commitment_gaps_note=commitment_gap_note(scorecard),
        lang=current_locale(),
    )


def write_scorecard_pdf(target: str | IO[bytes], scorecard: dict[str, Any], heading: PageHeading) -> None:
    """Write the scorecard as a PDF: title, author (the organisation) and creation time set."""
    html_to_pdf(scorecard_html(scorecard, heading), target)


def _group_name(group: dict[str, Any], group_by: str) -> str:
    """'2. Legislative measures' for sections and SDG targets (led by the source when there are several)."""
    if group_by in ("section", "sdg") and group["key"]:
        return f"{group['key']}. {group['label']}"
    return group_label(group, group_by)
