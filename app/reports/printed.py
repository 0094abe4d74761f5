"""The printed matrix's layout, shared by DOCX and HTML (PDF): its columns, group headings, each row's blocks,
and the report's own sources numbered once per document in an appendix.

Plain data, no markup: each format renders it. Texts are in the current locale: build while rendering.
Modelled on UPR Info's mid-term implementation assessment and OHCHR's matrices (docs/design.md).
"""

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from app.i18n.formatting import iso_date
from app.i18n.translation import gettext, ngettext
from app.reports.context import DocumentContext, DocumentSource
from app.reports.matrix import MatrixGroup
from app.upr_text import commitment_line
from app.vocabulary import Perspective, Relation, Visibility, claim_gap_class, label, status_label

# A printed assessment older than this before the as-of date is flagged (a scorecard's default staleness).
STALE_AFTER = timedelta(days=365)
# Shares of the page width in percent, in column order, in proportion to what they hold: an assessment's
# summary is the longest text of a row (often 1,000 characters), the recommendation next; the statuses narrow.
SHARES = {
    "recommendation": 16,
    "source": 8,
    "assessment": 40,
    "evidence": 17,
    "claim": 11,
    "comments": 8,
}


@dataclass(frozen=True)
class PrintedColumn:
    """A column of the printed matrix: its key, its header and its share of the page width in percent."""

    key: str
    header: str
    share: float


@dataclass(frozen=True)
class StatusBlock:
    """An assessment or a claim as printed: the status (code and label), its effective date, its summary."""

    status: str
    label: str
    effective_on: str
    summary: str


@dataclass(frozen=True)
class EvidenceLink:
    """A new evidence item (progress, regression, context) as a titled hyperlink with its date."""

    title: str
    url: str
    published_on: str
    relation: str
    relation_label: str
    restricted: bool


@dataclass(frozen=True)
class Comment:
    """A derived note on a row: `claim_gap`, `evidence_after` (newer than the assessment), `stale`."""

    kind: str
    text: str


@dataclass(frozen=True)
class PrintedRow:
    """One recommendation as printed: a block per column."""

    code: str
    paragraph: str  # 'para. 106.12', or ''
    text: str  # in the document's language where a translation exists
    text_language: str  # the language `text` is written in (BCP 47): data is marked with it
    text_note: str  # 'Unofficial translation by ...' when the text is a translation, else ''
    source_lines: list[str]
    assessment: StatusBlock | None  # None: printed as one compact line, `not_assessed`
    evidence: list[EvidenceLink]  # newest first
    report_sources: list[int]  # numbers in the document's list of the report's sources
    report_sources_line: str  # 'Report sources: [12], [36]', or ''
    claim: StatusBlock | None
    comments: list[Comment]


@dataclass(frozen=True)
class GroupHeading:
    """A group's heading, printed before its first row: '2. Legislative measures', a theme, a source."""

    kind: str  # section, theme, no_theme, source
    key: str
    title: str


@dataclass(frozen=True)
class ReportSource:
    """One of the source reports' own sources (baseline evidence), numbered once in the document."""

    number: int
    title: str
    url: str
    restricted: bool


@dataclass
class ReportSources:
    """The report's sources cited by the rows printed so far, each numbered once in the document.

    A footnote keeps its number in the report (one URL cited by two footnotes is listed under both, as the
    report does); an item without one, or whose number another item holds (a second source), gets the next
    free number.
    """

    by_key: dict[tuple[str, str], ReportSource] = field(default_factory=dict)
    used: set[int] = field(default_factory=set)

    def number(self, item: dict[str, Any]) -> int:
        """The item's number in the document's list."""
        wanted = item.get("footnote")
        key = (item["url"], str(wanted or ""))
        known = self.by_key.get(key)
        if known is not None:
            return known.number
        number = wanted if wanted and wanted not in self.used else max(self.used, default=0) + 1
        self.used.add(number)
        restricted = item["visibility"] == Visibility.restricted.value
        self.by_key[key] = ReportSource(number, item["title"], item["url"], restricted)
        return number

    def listed(self) -> list[ReportSource]:
        """The sources in number order, for the document's appendix."""
        return sorted(self.by_key.values(), key=lambda source: source.number)


class PrintedMatrix:
    """A matrix document's printed layout: its columns, then headings and rows as they stream, then sources.

    `items()` yields GroupHeading and PrintedRow in order; `report_sources.listed()` is complete once it ends.
    """

    def __init__(
        self,
        groups: Iterable[tuple[MatrixGroup, dict[str, Any]]],
        context: DocumentContext,
        optional: Collection[str],
    ) -> None:
        """A layout for grouped rows (matrix.grouped_rows), the document's context and optional columns."""
        self.groups = groups
        self.context = context
        self.optional = optional
        self.columns = printed_columns(context.perspective, optional)
        self.report_sources = ReportSources()

    @property
    def not_assessed(self) -> str:
        """The compact line of a row without an assessment."""
        return status_label(None)

    @property
    def sources_heading(self) -> str:
        """The appendix's heading."""
        return gettext("Sources cited in the report")

    def items(self) -> Iterator[GroupHeading | PrintedRow]:
        """Each group's heading before its first row, and the rows."""
        current: MatrixGroup | None = None
        for group, row in self.groups:
            if group != current:
                current = group
                yield GroupHeading(group.kind, group.key, self.group_title(group))
            yield self.row(row)

    def group_title(self, group: MatrixGroup) -> str:
        """'2. Legislative measures' (led by the source when the document has several), a theme, a source."""
        if group.kind == "no_theme":
            return gettext("No theme")
        if group.kind == "theme":
            return group.label
        source = self._source(group.source)
        if group.kind == "source":
            return source.title if source else group.key
        title = f"{group.key}. {group.label}"
        if len(self.context.sources) > 1:
            return f"{short_source(source) if source else group.source}: {title}"
        return title

    def row(self, row: dict[str, Any]) -> PrintedRow:
        """A matrix row (matrix.matrix_rows) as printed blocks."""
        new = [item for item in row["evidence"] if item["relation"] != Relation.baseline.value]
        new.sort(key=lambda item: item["published_on"] or date.min, reverse=True)
        baseline = [item for item in row["evidence"] if item["relation"] == Relation.baseline.value]
        numbers = sorted({self.report_sources.number(item) for item in baseline})
        assessment = _block(row["assessment"])
        return PrintedRow(
            code=row["code"],
            paragraph=gettext("para. %(paragraph)s", paragraph=row["paragraph"]) if row["paragraph"] else "",
            text=row.get("translated_text") or row["text"],
            text_language=self._text_language(row),
            text_note=_translation_note(row.get("translation")),
            source_lines=self._source_lines(row),
            assessment=assessment,
            evidence=[_link(item) for item in new],
            report_sources=numbers,
            report_sources_line=gettext("Report sources: %(numbers)s", numbers=number_ranges(numbers))
            if numbers
            else "",
            claim=_block(row["claim"]) if "claim" in {c.key for c in self.columns} else None,
            comments=self._comments(row, new),
        )

    def _text_language(self, row: dict[str, Any]) -> str:
        translation = row.get("translation")
        if row.get("translated_text") and translation:
            return str(translation["language"])
        source = self._source(row["source"])
        return source.language if source else ""

    def _source(self, slug: str | None) -> DocumentSource | None:
        return next((source for source in self.context.sources if source.slug == slug), None)

    def _source_lines(self, row: dict[str, Any]) -> list[str]:
        source = self._source(row["source"])
        lines = [short_source(source) if source else row["source"]]
        if row["addressees"]:
            names = "; ".join(item["label"] for item in row["addressees"])
            lines.append(gettext("To: %(addressees)s", addressees=names))
        if row["recommending_states"]:
            names = "; ".join(item["label"] for item in row["recommending_states"])
            lines.append(gettext("Recommended by: %(states)s", states=names))
        if row["response"]:
            lines.append(gettext("Response: %(response)s", response=label("response", row["response"])))
        lines += [commitment_line(item) for item in row["upr_commitments"]]
        return lines

    def _comments(self, row: dict[str, Any], new: list[dict[str, Any]]) -> list[Comment]:
        comments: list[Comment] = []
        gap = claim_gap_class(row["claimed_status"], row["independent_status"])
        if gap is not None:
            comments.append(Comment("claim_gap", label("claim_gap", gap)))
        assessment = row["assessment"]
        if assessment is None:
            return comments
        after = [
            item for item in new if item["published_on"] and item["published_on"] > assessment["effective_on"]
        ]
        if after:
            text = ngettext(
                "%(num)s evidence item is dated after the assessment.",
                "%(num)s evidence items are dated after the assessment.",
                len(after),
            )
            comments.append(Comment("evidence_after", text))
        if assessment["effective_on"] < self.context.as_of - STALE_AFTER:
            comments.append(
                Comment(
                    "stale",
                    gettext(
                        "Last assessed more than a year before %(date)s.", date=iso_date(self.context.as_of)
                    ),
                )
            )
        return comments


def printed_columns(perspective: str, optional: Collection[str] = ()) -> list[PrintedColumn]:
    """The printed columns and their shares; no claim column when the matrix shows the state's own view.

    `optional` (matrix.optional_columns) changes no header: the source column's lines name what they hold.
    """
    # One short word: each line under it says what it is ('To: ...', 'Recommended by: ...', 'Response: ...').
    headers = {
        "recommendation": gettext("Recommendation"),
        "source": gettext("Source"),
        "assessment": gettext("Assessment")
        if perspective == Perspective.independent.value
        else gettext("Assessment (%(assessor)s)", assessor=label("assessor", perspective)),
        "evidence": gettext("Evidence"),
        "claim": gettext("State's claim"),
        "comments": gettext("Comments"),
    }
    keys = [key for key in SHARES if not (key == "claim" and perspective == Perspective.state.value)]
    total = sum(SHARES[key] for key in keys)
    return [PrintedColumn(key, headers[key], SHARES[key] * 100 / total) for key in keys]


def number_ranges(numbers: list[int]) -> str:
    """Sorted numbers as references, runs of three or more as ranges: '[3], [9]–[20], [36]'."""
    runs: list[list[int]] = []
    for number in numbers:
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    return ", ".join(
        f"[{run[0]}]–[{run[-1]}]" if len(run) > 2 else ", ".join(f"[{number}]" for number in run)
        for run in runs
    )


def short_source(source: DocumentSource) -> str:
    """A source as a row names it: its document symbol, else its publisher and year ('Open Dialog
    Foundation, 2015')."""
    if source.document_symbol:
        return source.document_symbol
    if source.published_on:
        return f"{source.publisher}, {source.published_on.year}"
    return source.publisher or source.slug


def _block(entry: dict[str, Any] | None) -> StatusBlock | None:
    if entry is None:
        return None
    return StatusBlock(
        status=entry["status"],
        label=status_label(entry["status"]),
        effective_on=iso_date(entry["effective_on"]),
        summary=entry["summary"] or "",
    )


def _link(item: dict[str, Any]) -> EvidenceLink:
    return EvidenceLink(
        title=item["title"],
        url=item["url"],
        published_on=iso_date(item["published_on"]),
        relation=item["relation"],
        relation_label=label("relation", item["relation"]),
        restricted=item["visibility"] == Visibility.restricted.value,
    )


def _translation_note(translation: dict[str, Any] | None) -> str:
    """'Unofficial translation (rectrack contributors)' under a translated text; '' for an original."""
    if not translation:
        return ""
    kind = label("provenance", translation["provenance"])
    return f"{kind} ({translation['translator']})" if translation.get("translator") else kind
