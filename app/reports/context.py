"""What a document says about itself: its sources, state, organisation, point in time, filters and provenance.

Every matrix and scorecard document (DOCX, PDF, HTML, XLSX) shows this in its title block, header and
footer, so a page printed on its own still names the state, the source, the organisation and the date.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from app.config import Settings
from app.i18n.formatting import iso_date, local_and_utc
from app.i18n.translation import N_, gettext
from app.models import Category, Checkpoint, LogLeaf, Recommendation, Source
from app.recommendations.service import filter_conditions
from app.scorecards.params import PointInTimeParams
from app.scorecards.point import point_of
from app.vocabulary import CategoryKind, label, status_label


@dataclass(frozen=True)
class DocumentSource:
    """A source whose recommendations the document holds."""

    slug: str
    title: str
    publisher: str
    kind: str
    state_under_review: str | None
    published_on: date | None
    document_symbol: str | None
    language: str  # what its recommendations and titles are written in (BCP 47)


@dataclass(frozen=True)
class DocumentCheckpoint:
    """The newest signed checkpoint when the document was made, and how far the log had grown by then."""

    tree_size: int
    root_hash: str
    signed_at: datetime
    origin: str
    log_size: int


@dataclass(frozen=True)
class DocumentContext:
    """Everything a document names about itself; texts are made in the current locale by the methods."""

    sources: list[DocumentSource]
    organisation: str
    as_of: date
    known_at: datetime | None
    perspective: str
    filters: list[tuple[str, str]]  # (what, value), both as people read them
    generated_at: datetime
    checkpoint: DocumentCheckpoint | None

    @property
    def states(self) -> list[str]:
        """The states under review, once each, in source order."""
        return list(dict.fromkeys(s.state_under_review for s in self.sources if s.state_under_review))

    def title(self) -> str:
        """'Kazakhstan: implementation of recommendations', or without a state when the sources name none."""
        states = ", ".join(self.states)
        if states:
            return gettext("%(state)s: implementation of recommendations", state=states)
        return gettext("Implementation of recommendations")

    def source_line(self) -> str:
        """The sources by title, each with its publisher unless the title names it already."""
        return "; ".join(
            s.title if s.publisher in s.title else f"{s.title} ({s.publisher})" for s in self.sources
        )

    def point_line(self) -> str:
        """'Status as of 2026-12-06, as assessed by independent monitors[, from what was recorded by …]'."""
        values = {"date": iso_date(self.as_of), "assessor": label("assessor", self.perspective)}
        if self.known_at is not None:
            return gettext(
                "Status as of %(date)s, as assessed by %(assessor)s, from what was recorded by %(time)s.",
                time=local_and_utc(self.known_at),
                **values,
            )
        return gettext("Status as of %(date)s, as assessed by %(assessor)s.", **values)

    def filter_line(self) -> str:
        """'Filtered: Theme: Freedom of assembly; Status: Implemented', or 'All recommendations'."""
        if not self.filters:
            return gettext("All recommendations of these sources.")
        return gettext(
            "Filtered: %(filters)s.", filters="; ".join(f"{what}: {value}" for what, value in self.filters)
        )

    def generated_line(self) -> str:
        """When the document was made, and by whom."""
        when = local_and_utc(self.generated_at)
        if self.organisation:
            return gettext(
                "Prepared by %(organisation)s with rectrack on %(time)s.",
                organisation=self.organisation,
                time=when,
            )
        return gettext("Prepared with rectrack on %(time)s.", time=when)

    def provenance_line(self) -> str:
        """Which signed checkpoint the data can be checked against."""
        checkpoint = self.checkpoint
        if checkpoint is None:
            return gettext("No signed checkpoint of the history yet.")
        values = {
            "size": f"{checkpoint.tree_size:,}",
            "root": checkpoint.root_hash[:16],
            "time": local_and_utc(checkpoint.signed_at),
            "origin": checkpoint.origin,
        }
        if checkpoint.log_size > checkpoint.tree_size:
            return gettext(
                "History checkpoint %(origin)s: %(size)s entries, root %(root)s…, signed %(time)s; "
                "%(later)s entries recorded since are not yet in a signed checkpoint.",
                later=f"{checkpoint.log_size - checkpoint.tree_size:,}",
                **values,
            )
        return gettext(
            "History checkpoint %(origin)s: %(size)s entries, root %(root)s…, signed %(time)s.", **values
        )


FILTER_NAMES = {
    "source": N_("Source"),
    "kind": N_("Kind of source"),
    "section": N_("Section"),
    "status": N_("Status"),
    "theme": N_("Theme"),
    "addressee": N_("Addressee"),
    "sdg": N_("SDG target"),
    "recommending_state": N_("Recommending state"),
    "response": N_("Response"),
    "claim_gap": N_("State's claim"),
    "q": N_("Search"),
}
CATEGORY_FILTERS = {
    "theme": CategoryKind.theme,
    "addressee": CategoryKind.addressee,
    "sdg": CategoryKind.sdg,
    "recommending_state": CategoryKind.recommending_state,
}
# Fields of the parameters that are not filters (the point in time and how it is shown).
NOT_FILTERS = {"as_of", "known_at", "perspective", "group_by", "stale_after_days", "gaps_limit", "lang"}


def document_context(session: Session, params: PointInTimeParams, settings: Settings) -> DocumentContext:
    """The context of a document for these parameters: four small queries."""
    point = point_of(params)
    return DocumentContext(
        sources=_sources(session, params),
        organisation=settings.organisation,
        as_of=point.reference_date(),
        known_at=point.known_at,
        perspective=params.perspective,
        filters=_filters(session, params),
        generated_at=datetime.now(UTC),
        checkpoint=_checkpoint(session),
    )


def _sources(session: Session, params: PointInTimeParams) -> list[DocumentSource]:
    scope = filter_conditions(params.model_copy(update={"status": None, "response": None, "claim_gap": None}))
    in_scope = select(col(Recommendation.source_id)).where(*scope).distinct()
    rows = session.execute(
        select(
            col(Source.slug),
            col(Source.title),
            col(Source.publisher),
            col(Source.kind),
            col(Source.state_under_review),
            col(Source.published_on),
            col(Source.document_symbol),
            col(Source.language),
        )
        .where(col(Source.id).in_(in_scope))
        .order_by(col(Source.id))
    ).all()
    return [DocumentSource(*row) for row in rows]


def _filters(session: Session, params: PointInTimeParams) -> list[tuple[str, str]]:
    values: dict[str, Any] = params.model_dump(exclude_none=True, exclude_defaults=True)
    labels = _category_labels(session, {k: v for k, v in values.items() if k in CATEGORY_FILTERS})
    shown: list[tuple[str, str]] = []
    for key, value in values.items():
        if key in NOT_FILTERS:
            continue
        name = gettext(FILTER_NAMES[key]) if key in FILTER_NAMES else key
        if key == "status":
            text = status_label(value)
        elif key == "claim_gap" and value == "any":
            text = gettext("Differs from the monitors' assessment")
        elif key in ("response", "kind", "claim_gap"):
            text = label({"kind": "source_kind"}.get(key, key), value)
        elif key in CATEGORY_FILTERS:
            text = labels.get((CATEGORY_FILTERS[key].value, value), value)
            if key == "sdg" and text != value:
                text = f"{value} {text}"  # the target's number is how people cite it
        else:
            text = str(value)
        shown.append((name, text))
    return shown


def _category_labels(session: Session, wanted: dict[str, str]) -> dict[tuple[str, str], str]:
    if not wanted:
        return {}
    slugs = set(wanted.values())
    rows = session.execute(
        select(col(Category.kind), col(Category.slug), col(Category.label)).where(
            col(Category.slug).in_(slugs)
        )
    ).all()
    return {(kind, slug): text for kind, slug, text in rows}


def _checkpoint(session: Session) -> DocumentCheckpoint | None:
    newest = session.execute(
        select(
            col(Checkpoint.tree_size),
            col(Checkpoint.root_hash),
            col(Checkpoint.signed_at),
            col(Checkpoint.origin),
        )
        .order_by(col(Checkpoint.tree_size).desc())
        .limit(1)
    ).first()
    if newest is None:
        return None
    log_size = session.scalar(select(func.max(col(LogLeaf.leaf_index)))) or 0
    return DocumentCheckpoint(
        tree_size=newest.tree_size,
        root_hash=newest.root_hash,
        signed_at=newest.signed_at,
        origin=newest.origin,
        log_size=max(log_size + 1, newest.tree_size),
    )
