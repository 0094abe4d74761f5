"""What a printed page names about its document: the title block, and the running header and footer.

Made as text once, before a document streams (in the request's locale and the instance's zone), so the
HTML and PDF renderers only place it.
"""

from dataclasses import dataclass
from datetime import UTC

from app.i18n.formatting import iso_date, zone_of
from app.i18n.translation import gettext
from app.reports.context import DocumentContext

PAGE_MARK, PAGES_MARK = "\x00", "\x01"


@dataclass(frozen=True)
class PageHeading:
    """A document's self-description as texts people read."""

    title: str  # "Kazakhstan: implementation of recommendations"
    document: str  # "Implementation matrix, status as of 2026-12-06"
    full_title: str  # both, for the window's title and the PDF's metadata
    organisation: str
    states: str
    as_of: str  # "As of 2026-12-06", for the running header
    lines: list[str]  # the title block under the title: sources, point in time, filters
    generated: str
    provenance: str
    created: str  # W3C time in UTC, for the PDF's metadata
    # "Page 3 of 12" split around its two numbers, which only the page layout knows.
    page_before: str
    page_between: str
    page_after: str


def page_heading(context: DocumentContext, document: str, zone: str) -> PageHeading:
    """The heading of a document (`document` names what it is: 'Implementation matrix'), times in `zone`."""
    with zone_of(zone):
        return _heading(context, document)


def _heading(context: DocumentContext, document: str) -> PageHeading:
    as_of = iso_date(context.as_of)
    page_of = gettext("Page %(page)s of %(pages)s", page=PAGE_MARK, pages=PAGES_MARK)
    before, _, rest = page_of.partition(PAGE_MARK)
    between, _, after = rest.partition(PAGES_MARK)
    title = context.title()
    document = gettext("%(document)s, status as of %(date)s", document=document, date=as_of)
    return PageHeading(
        title=title,
        document=document,
        # TRANSLATORS: a document's title: "Kazakhstan: implementation of recommendations: Implementation
        # matrix, status as of 2026-12-06".
        full_title=gettext("%(title)s: %(document)s", title=title, document=document),
        organisation=context.organisation,
        states=", ".join(context.states),
        as_of=gettext("As of %(date)s", date=as_of),
        lines=[line for line in (context.source_line(), context.point_line(), context.filter_line()) if line],
        generated=context.generated_line(),
        provenance=context.provenance_line(),
        created=context.generated_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        page_before=before,
        page_between=between,
        page_after=after,
    )
