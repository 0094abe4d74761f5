"""Every table, in one registry: migrations import this module once."""

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel, col

from app.db import UTCDateTime, utcnow
from app.vocabulary import (
    CategoryKind,
    ClaimGapClass,
    EvidenceKind,
    HistoryKind,
    LinkStrength,
    Perspective,
    Provenance,
    Relation,
    Response,
    Role,
    SourceKind,
    Status,
    TranslationSubject,
    Visibility,
    sql_in,
)


def _optional_timestamp() -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class _Numbered(Protocol):
    @property
    def id(self) -> int | None: ...


def saved_id(row: _Numbered) -> int:
    """The id of a row the database has numbered (loaded, or added and flushed); None here is a bug."""
    if row.id is None:
        raise RuntimeError(f"{type(row).__name__} has no id yet: it was never flushed")
    return row.id


# The perspectives with an as-of index of their own: the two a claim gap compares (the others use
# ix_history_entries_as_of).
AS_OF_PERSPECTIVES = (Perspective.independent.value, Perspective.state.value)
# An index made on PostgreSQL only (`ddl_if`); the migrations' comparison skips it elsewhere (app.migrate).
POSTGRESQL_ONLY = {"only_on": "postgresql"}
COVERAGE_LINKS = f"relation IN ('{Relation.progress.value}', '{Relation.regression.value}')"
CONTENT_CHANGES = f"kind IN ('{HistoryKind.withdrawal.value}', '{HistoryKind.text_changed.value}')"


class _TableModel(SQLModel):
    """The base of every table: SQLModel maps it, but does not declare the mapped table for type checkers."""

    if TYPE_CHECKING:
        __table__: ClassVar[Table]


class Source(_TableModel, table=True):
    """A report that makes recommendations."""

    __tablename__ = "sources"
    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_in(SourceKind)})", name="kind"),
        CheckConstraint("cycle IS NULL OR cycle >= 1", name="cycle"),
        CheckConstraint("session IS NULL OR session >= 1", name="session"),
    )

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    title: str = Field(sa_column=Column(Text, nullable=False))
    publisher: str = Field(sa_column=Column(String(255), nullable=False))
    published_on: date | None = None
    url: str | None = Field(default=None, sa_column=Column(Text))
    date_note: str | None = Field(default=None, sa_column=Column(Text))
    kind: SourceKind = Field(
        default=SourceKind.ngo_report,
        sa_column=Column(String(32), nullable=False, server_default=SourceKind.ngo_report.value),
    )
    state_under_review: str | None = Field(default=None, sa_column=Column(String(128)))
    # UPR reviews only: the cycle (1-4...), the Working Group session, the day of the review and the symbol
    # of the Working Group's report (e.g. A/HRC/28/10), each when known.
    cycle: int | None = Field(default=None, sa_column=Column(SmallInteger))
    session: int | None = Field(default=None, sa_column=Column(SmallInteger))
    reviewed_on: date | None = None
    document_symbol: str | None = Field(default=None, sa_column=Column(String(64)))
    # The language (BCP 47) its titles and recommendations are written in; translations are in `translations`.
    language: str = Field(default="en", sa_column=Column(String(16), nullable=False, server_default="en"))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class Section(_TableModel, table=True):
    """A source's own grouping of its recommendations."""

    __tablename__ = "sections"
    __table_args__ = (UniqueConstraint("source_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(sa_column=Column(Integer, ForeignKey("sources.id"), nullable=False))
    number: int
    title: str = Field(sa_column=Column(Text, nullable=False))


class Recommendation(_TableModel, table=True):
    """One recommendation, with its denormalised current status and version."""

    __tablename__ = "recommendations"
    __table_args__ = (
        UniqueConstraint("source_id", "section_number", "number"),
        CheckConstraint(f"status IN ({sql_in(Status)})", name="status"),
        CheckConstraint(f"claimed_status IN ({sql_in(Status)})", name="claimed_status"),
        CheckConstraint("version >= 1", name="version"),
        CheckConstraint(f"response IS NULL OR response IN ({sql_in(Response)})", name="response"),
        CheckConstraint("action_category IS NULL OR action_category BETWEEN 1 AND 5", name="action_category"),
        CheckConstraint(
            f"claim_gap_class IS NULL OR claim_gap_class IN ({sql_in(ClaimGapClass)})", name="claim_gap_class"
        ),
        CheckConstraint(
            "coverage_links_public >= 0 AND coverage_links_restricted >= 0", name="coverage_links"
        ),
        Index("ix_recommendations_section_status", "section_id", "status"),
        Index("ix_recommendations_status_order", "status", "source_id", "section_number", "number"),
        # The response filter in natural order, and which responses exist (the list's choices): a seek each.
        # Partial: most recommendations (an NGO report's) have no response and need no entry.
        Index(
            "ix_recommendations_response_order",
            "response",
            "source_id",
            "section_number",
            "number",
            sqlite_where=text("response IS NOT NULL"),
            postgresql_where=text("response IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(96), nullable=False, unique=True))
    source_id: int = Field(sa_column=Column(Integer, ForeignKey("sources.id"), nullable=False))
    section_id: int = Field(sa_column=Column(Integer, ForeignKey("sections.id"), nullable=False))
    # The section and item numbers are part of the code and never change: kept here so the
    # natural order (2.1, 2.2, ..., 7.10) is one index, and keyset pagination needs no join.
    section_number: int
    number: int
    text: str = Field(sa_column=Column(Text, nullable=False))
    # Case-folded code and text: LIKE on SQLite and lower() on a C-locale PostgreSQL fold ASCII only.
    search_text: str = Field(sa_column=Column(Text, nullable=False))
    status: Status = Field(default=Status.not_assessed, sa_column=Column(String(32), nullable=False))
    claimed_status: Status = Field(default=Status.not_assessed, sa_column=Column(String(32), nullable=False))
    version: int = Field(default=1, sa_column=Column(Integer, nullable=False))
    last_assessed_at: datetime | None = _optional_timestamp()
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    # The source's own reference (a UPR report's "106.12", an NGO report's numbering), shown beside the code.
    paragraph: str | None = Field(default=None, sa_column=Column(String(32)))
    # The state's current position (the latest response_recorded entry, or the genesis entry's), and the word
    # the source used for it ("Accepted"), kept as written.
    response: Response | None = Field(default=None, sa_column=Column(String(32)))
    response_original: str | None = Field(default=None, sa_column=Column(String(64)))
    action_category: int | None = Field(default=None, sa_column=Column(SmallInteger))  # UPR Info's 1-5 scale
    # docs/design.md, "Importing sources": a format's stable id for the row (the UHRI annotation id), and a
    # key from the source, recommending states and normalised text for formats without one.
    external_id: str | None = Field(default=None, sa_column=Column(String(96), unique=True))
    match_key: str | None = Field(default=None, sa_column=Column(String(64), unique=True))
    # docs/design.md, "Cross-references": the text's terms as the shared normaliser makes them (stems, and
    # the concepts of legal phrases), space-separated: what `q` and suggestions match. Derived from the text.
    terms: str | None = Field(default=None, sa_column=Column(Text))
    # docs/design.md, "Maintained state": what a current scorecard needs beyond the two statuses, kept by
    # every write in its own transaction and checked by `verify`. The effective date of the entry each status
    # comes from (staleness), the active progress and regression links by visibility (evidence coverage),
    # and the claim-gap class of the two statuses (app.vocabulary.claim_gap_class).
    status_effective_on: date | None = Field(default=None, sa_column=Column(Date))
    claimed_effective_on: date | None = Field(default=None, sa_column=Column(Date))
    coverage_links_public: int = Field(
        default=0, sa_column=Column(Integer, nullable=False, default=0, server_default="0")
    )
    coverage_links_restricted: int = Field(
        default=0, sa_column=Column(Integer, nullable=False, default=0, server_default="0")
    )
    claim_gap_class: ClaimGapClass | None = Field(default=None, sa_column=Column(String(16)))
    # The date from which those links cover it (migration 0015): the earliest published_on among them, NULL
    # when one has none (it covers at any date) or there are none (the count says which). Evidence coverage
    # as of any date, as known now, is then read from the row.
    coverage_public_since: date | None = Field(default=None, sa_column=Column(Date))
    coverage_restricted_since: date | None = Field(default=None, sa_column=Column(Date))


Index(
    "ix_recommendations_natural_order",
    col(Recommendation.source_id),
    col(Recommendation.section_number),
    col(Recommendation.number),
)


class Translation(_TableModel, table=True):
    """A recommendation's text, or a section's or source's title, in another language, with its provenance.

    Never deleted: a newer translation of the same subject and language supersedes the current one.
    """

    __tablename__ = "translations"
    __table_args__ = (
        CheckConstraint(f"subject_kind IN ({sql_in(TranslationSubject)})", name="subject_kind"),
        CheckConstraint(f"provenance IN ({sql_in(Provenance)})", name="provenance"),
        # One current translation per subject and language.
        Index(
            "uq_translations_current",
            "subject_kind",
            "subject_id",
            "language",
            unique=True,
            sqlite_where=text("superseded_at IS NULL"),
            postgresql_where=text("superseded_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    subject_kind: TranslationSubject = Field(sa_column=Column(String(16), nullable=False))
    # The recommendation's, section's or source's id, by subject_kind.
    subject_id: int = Field(sa_column=Column(Integer, nullable=False))
    language: str = Field(sa_column=Column(String(16), nullable=False))
    text: str = Field(sa_column=Column(Text, nullable=False))
    provenance: Provenance = Field(sa_column=Column(String(16), nullable=False))
    translator: str | None = Field(default=None, sa_column=Column(Text))
    # The text's terms (app/text_terms.py), space-separated with a space on each side, so `q` finds them.
    terms: str | None = Field(default=None, sa_column=Column(Text))
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    recorded_by: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("monitors.id")))
    # The recorded_at of the translation that replaced it; NULL while it is the current one.
    superseded_at: datetime | None = _optional_timestamp()


class Category(_TableModel, table=True):
    """An addressee, theme or SDG target."""

    __tablename__ = "categories"
    __table_args__ = (
        UniqueConstraint("kind", "slug"),
        CheckConstraint(f"kind IN ({sql_in(CategoryKind)})", name="kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: CategoryKind = Field(sa_column=Column(String(32), nullable=False))
    slug: str = Field(sa_column=Column(String(64), nullable=False))
    label: str = Field(sa_column=Column(Text, nullable=False))


class RecommendationCategory(_TableModel, table=True):
    """Links a recommendation to a category, with the recommendation's place in natural order."""

    __tablename__ = "recommendation_categories"
    __table_args__ = (
        # A category filter seeks its links in natural order from the cursor (a page reads what it shows,
        # however deep), instead of walking recommendations and testing each for the category.
        Index(
            "ix_recommendation_categories_seek",
            "category_id",
            "source_id",
            "section_number",
            "number",
            "recommendation_id",
        ),
    )

    recommendation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("recommendations.id"), primary_key=True)
    )
    category_id: int = Field(sa_column=Column(Integer, ForeignKey("categories.id"), primary_key=True))
    # The recommendation's natural-order position, copied: these never change once it exists.
    source_id: int = Field(sa_column=Column(Integer, nullable=False))
    section_number: int = Field(sa_column=Column(Integer, nullable=False))
    number: int = Field(sa_column=Column(Integer, nullable=False))


class Monitor(_TableModel, table=True):
    """A person (or the system) who records; the public only ever sees the alias."""

    __tablename__ = "monitors"
    __table_args__ = (CheckConstraint(f"role IN ({sql_in(Role)})", name="role"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(String(200), nullable=False))
    alias: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    role: Role = Field(sa_column=Column(String(16), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    disabled_at: datetime | None = _optional_timestamp()
    # Bumped by signing out: every browser session signed before it is refused (all devices at once).
    session_epoch: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))


def derived_alias(monitor_id: int | None) -> str | None:
    """The public alias of a monitor ('Monitor 3'), derived from the id so that a swapped alias shows."""
    return None if monitor_id is None else f"Monitor {monitor_id}"


class ApiToken(_TableModel, table=True):
    """A bearer token; only its SHA-256 is stored, with a short prefix to recognise it."""

    __tablename__ = "api_tokens"

    id: int | None = Field(default=None, primary_key=True)
    monitor_id: int = Field(sa_column=Column(Integer, ForeignKey("monitors.id"), nullable=False, index=True))
    prefix: str = Field(sa_column=Column(String(16), nullable=False))
    token_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    label: str | None = Field(default=None, sa_column=Column(String(200)))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    last_used_at: datetime | None = _optional_timestamp()
    revoked_at: datetime | None = _optional_timestamp()


class Evidence(_TableModel, table=True):
    """A document that supports assessments; one row per normalised URL."""

    __tablename__ = "evidence"
    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_in(EvidenceKind)})", name="kind"),
        CheckConstraint(f"visibility IN ({sql_in(Visibility)})", name="visibility"),
    )

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(sa_column=Column(Text, nullable=False))
    url_normalised: str = Field(sa_column=Column(Text, nullable=False, unique=True))
    title: str = Field(sa_column=Column(Text, nullable=False))
    kind: EvidenceKind = Field(default=EvidenceKind.other, sa_column=Column(String(32), nullable=False))
    published_on: date | None = None
    visibility: Visibility = Field(default=Visibility.public, sa_column=Column(String(16), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    created_by: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("monitors.id")))


class RecommendationEvidence(_TableModel, table=True):
    """A link between a recommendation and an evidence item; unlinking sets unlinked_at, never deletes."""

    __tablename__ = "recommendation_evidence"
    __table_args__ = (
        CheckConstraint(f"relation IN ({sql_in(Relation)})", name="relation"),
        CheckConstraint(f"visibility IN ({sql_in(Visibility)})", name="visibility"),
        # At most one active link per pair; unlinked ones stay as the record of what was.
        Index(
            "uq_recommendation_evidence_active",
            "recommendation_id",
            "evidence_id",
            unique=True,
            sqlite_where=text("unlinked_at IS NULL"),
            postgresql_where=text("unlinked_at IS NULL"),
        ),
        # Evidence coverage as known at a time (issue 16): the links that count, with what the test reads,
        # so a past scorecard's coverage is one index read per recommendation (or one pass, on PostgreSQL)
        # and never a read of `evidence` (migration 0019).
        Index(
            "ix_recommendation_evidence_coverage",
            "recommendation_id",
            "visibility",
            "linked_at",
            "unlinked_at",
            "evidence_published_on",
            # SQLite 3.40 takes a partial index as covering only when it holds its WHERE's column.
            "relation",
            sqlite_where=text(COVERAGE_LINKS),
            postgresql_where=text(COVERAGE_LINKS),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    recommendation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("recommendations.id"), nullable=False, index=True)
    )
    evidence_id: int = Field(sa_column=Column(Integer, ForeignKey("evidence.id"), nullable=False, index=True))
    relation: Relation = Field(sa_column=Column(String(16), nullable=False))
    # The link's own visibility: restricted when the monitor asked for it or the item is restricted, so a
    # public item cited with a restricted note stays restricted here, and a restricted item never shows.
    visibility: Visibility = Field(
        default=Visibility.public, sa_column=Column(String(16), nullable=False, server_default="public")
    )
    note: str | None = Field(default=None, sa_column=Column(Text))
    linked_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    linked_by: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("monitors.id")))
    unlinked_at: datetime | None = _optional_timestamp()
    unlinked_by: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("monitors.id")))
    unlink_reason: str | None = Field(default=None, sa_column=Column(Text))
    # The item's published_on, copied when the link is made (an item's date never changes): coverage at a
    # date reads it from the link and its index without joining `evidence` (migration 0019).
    evidence_published_on: date | None = None


class RecommendationLink(_TableModel, table=True):
    """A link between recommendations of two sources; unlinking sets unlinked_at, never deletes.

    Stored once per pair, the lower recommendation id first; both recommendations' chains record it.
    """

    __tablename__ = "recommendation_links"
    __table_args__ = (
        CheckConstraint(f"strength IN ({sql_in(LinkStrength)})", name="strength"),
        CheckConstraint("recommendation_id < other_id", name="ordered_pair"),
        Index(
            "uq_recommendation_links_active",
            "recommendation_id",
            "other_id",
            unique=True,
            sqlite_where=text("unlinked_at IS NULL"),
            postgresql_where=text("unlinked_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    recommendation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("recommendations.id"), nullable=False, index=True)
    )
    other_id: int = Field(
        sa_column=Column(Integer, ForeignKey("recommendations.id"), nullable=False, index=True)
    )
    strength: LinkStrength = Field(sa_column=Column(String(16), nullable=False))
    note: str | None = Field(default=None, sa_column=Column(Text))
    linked_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    linked_by: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("monitors.id")))
    unlinked_at: datetime | None = _optional_timestamp()
    unlinked_by: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("monitors.id")))
    unlink_reason: str | None = Field(default=None, sa_column=Column(Text))


class HistoryEntry(_TableModel, table=True):
    """One append-only, hash-chained entry in a recommendation's history."""

    __tablename__ = "history_entries"
    __table_args__ = (
        UniqueConstraint("recommendation_id", "seq"),  # no fork: one entry per position
        UniqueConstraint("hash"),
        CheckConstraint(f"kind IN ({sql_in(HistoryKind)})", name="kind"),
        CheckConstraint(f"status IS NULL OR status IN ({sql_in(Status)})", name="status"),
        CheckConstraint(f"perspective IS NULL OR perspective IN ({sql_in(Perspective)})", name="perspective"),
        CheckConstraint(f"response IS NULL OR response IN ({sql_in(Response)})", name="response"),
        CheckConstraint("seq >= 1", name="seq"),
        CheckConstraint("format IN (1, 2)", name="format"),
        CheckConstraint("format = 1 OR commitment IS NOT NULL", name="commitment"),
        CheckConstraint(
            "(kind = 'withdrawal') = (withdraws_entry_id IS NOT NULL)", name="withdrawal_names_its_entry"
        ),
        CheckConstraint(
            "(kind = 'correction') = (supersedes_entry_id IS NOT NULL)", name="correction_names_its_entry"
        ),
        # "Status as of a date" seeks the latest assessment per recommendation and perspective.
        Index(
            "ix_history_entries_as_of",
            "recommendation_id",
            "perspective",
            "effective_on",
            "seq",
            "status",
            "recorded_at",
        ),
        # "Response as of a date" seeks the latest entry that records one (genesis or response_recorded);
        # partial, so the many entries without a response take no room in it.
        Index(
            "ix_history_entries_response_as_of",
            "recommendation_id",
            "effective_on",
            "seq",
            "response",
            "recorded_at",
            sqlite_where=text("response IS NOT NULL"),
            postgresql_where=text("response IS NOT NULL"),
        ),
        # Issue 16: per gap perspective, the as-of lookup's own partial covering index, read backwards
        # (newest first per recommendation): one DISTINCT ON pass (PostgreSQL) or one short seek each (SQLite)
        # reads only the perspective's entries. Status and recording time end the key (SQLite has no INCLUDE).
        *(
            Index(
                f"ix_history_entries_as_of_{perspective}",
                "recommendation_id",
                "effective_on",
                "seq",
                "status",
                "recorded_at",
                sqlite_where=text(f"perspective = '{perspective}'"),
                postgresql_where=text(f"perspective = '{perspective}'"),
            )
            for perspective in AS_OF_PERSPECTIVES
        ),
        # The entries that change what a settled past scorecard shows (erased summaries, texts): the newest
        # is part of a kept scorecard's key (app.scorecards.past).
        Index(
            "ix_history_entries_content_changes",
            "id",
            sqlite_where=text(CONTENT_CHANGES),
            postgresql_where=text(CONTENT_CHANGES),
        ),
        # The feed's and the sequencer's order on PostgreSQL (app/history/feed_order.py).
        Index("ix_history_entries_feed", "transaction_id", "id"),
        # An entry is superseded at most once; the as-of lookups ask "is this entry superseded?" by it.
        Index(
            "uq_history_entries_supersedes_entry_id",
            "supersedes_entry_id",
            unique=True,
            sqlite_where=text("supersedes_entry_id IS NOT NULL"),
            postgresql_where=text("supersedes_entry_id IS NOT NULL"),
        ),
    )

    # 64-bit: the global feed pages by this id. SQLite needs INTEGER for an auto-incrementing rowid.
    id: int | None = Field(
        default=None, sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    )
    recommendation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("recommendations.id"), nullable=False)
    )
    seq: int
    kind: HistoryKind = Field(sa_column=Column(String(32), nullable=False))
    # Copied out of the payload for assessments so scorecards aggregate in SQL without parsing JSON.
    status: Status | None = Field(default=None, sa_column=Column(String(32)))
    perspective: Perspective | None = Field(default=None, sa_column=Column(String(16)))
    # The state's response, copied out of genesis and response_recorded payloads (responses as of a date).
    response: Response | None = Field(default=None, sa_column=Column(String(32)))
    effective_on: date
    recorded_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    recorded_by: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("monitors.id")))
    # Canonical JSON, exactly as hashed (format 1) or committed to (format 2); JSON null once withdrawn.
    payload: str = Field(sa_column=Column(Text, nullable=False))
    prev_hash: str | None = Field(default=None, sa_column=Column(String(64)))
    hash: str = Field(sa_column=Column(String(64), nullable=False))
    # docs/design.md, "The hash chain": format 2 hashes a salted commitment instead of the payload.
    format: int = Field(default=2, sa_column=Column(SmallInteger, nullable=False, server_default="1"))
    # PostgreSQL: the transaction that wrote the entry, set by a trigger whatever is sent (migration 0014);
    # the feed and the log follow (transaction_id, id) there. SQLite, and entries older than 0014: 0.
    transaction_id: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))
    salt: str | None = Field(default=None, sa_column=Column(String(64)))  # NULL: format 1, or withdrawn
    commitment: str | None = Field(default=None, sa_column=Column(String(64)))
    withdraws_entry_id: int | None = Field(
        default=None,
        sa_column=Column(
            BigInteger().with_variant(Integer, "sqlite"), ForeignKey("history_entries.id"), unique=True
        ),
    )
    # docs/design.md, "Corrections": the assessment or evidence link this correction entry replaces.
    supersedes_entry_id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), ForeignKey("history_entries.id")),
    )


class StatusPeriod(_TableModel, table=True):
    """A perspective's status from one effective date until the next, as known over an interval of time.

    Written only by the database's triggers on history_entries (migrations 0016, 0017); docs/design.md,
    "Status periods". Kept by the entries' own transaction, so it never disagrees with them.
    """

    __tablename__ = "status_periods"
    __table_args__ = (
        # The trigger's lookups, and one recommendation's statuses as known now.
        Index(
            "ix_status_periods_now",
            "recommendation_id",
            "perspective",
            "from_on",
            "from_seq",
            "until_on",
            "status",
            sqlite_where=text("superseded_at IS NULL"),
            postgresql_where=text("superseded_at IS NULL"),
        ),
        # PostgreSQL's as-of scans (a hash join over every recommendation): one range of a perspective's
        # periods by start date, as known now and as known at a time. SQLite seeks per recommendation.
        Index(
            "ix_status_periods_scan_now",
            "perspective",
            "from_on",
            postgresql_include=["until_on", "recommendation_id", "status"],
            postgresql_where=text("superseded_at IS NULL"),
            info=POSTGRESQL_ONLY,
        ).ddl_if(dialect="postgresql"),
        Index(
            "ix_status_periods_scan_known",
            "perspective",
            "from_on",
            postgresql_include=["until_on", "recorded_at", "superseded_at", "recommendation_id", "status"],
            info=POSTGRESQL_ONLY,
        ).ddl_if(dialect="postgresql"),
        # As known at a past time: every row, with the interval it was known in.
        Index(
            "ix_status_periods_known",
            "recommendation_id",
            "perspective",
            "from_on",
            "until_on",
            "recorded_at",
            "superseded_at",
            "status",
        ),
    )

    id: int | None = Field(
        default=None, sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    )
    recommendation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("recommendations.id"), nullable=False)
    )
    perspective: str = Field(sa_column=Column(String(16), nullable=False))
    status: str = Field(sa_column=Column(String(32), nullable=False))
    # No foreign key: an entry deleted by hand leaves its period behind, which `verify` reports (check
    # `periods`), rather than the deletion being refused here while the chain check still sees it.
    entry_id: int = Field(sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), nullable=False))
    from_on: date
    from_seq: int
    until_on: date | None = None  # exclusive; NULL: the status still holds
    recorded_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    superseded_at: datetime | None = _optional_timestamp()


class StatusPair(_TableModel, table=True):
    """The independent and the state status side by side from one effective date until the next, as known now.

    Written only by the database's triggers on history_entries (migration 0018), from the current status
    periods; docs/design.md, "Status pairs". An as-of scorecard reads both statuses with one seek.
    """

    __tablename__ = "status_pairs"
    # SQLite keeps the rows in key order: the seek lands on the whole row, with no second lookup.
    __table_args__ = {"sqlite_with_rowid": False}

    recommendation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("recommendations.id"), primary_key=True, autoincrement=False)
    )
    from_on: date = Field(primary_key=True)
    until_on: date | None = None  # exclusive; NULL: both statuses still hold
    independent_status: str | None = Field(default=None, sa_column=Column(String(32)))
    independent_on: date | None = None
    independent_entry_id: int | None = Field(
        default=None, sa_column=Column(BigInteger().with_variant(Integer, "sqlite"))
    )
    state_status: str | None = Field(default=None, sa_column=Column(String(32)))
    state_on: date | None = None
    state_entry_id: int | None = Field(
        default=None, sa_column=Column(BigInteger().with_variant(Integer, "sqlite"))
    )


class LogLeaf(_TableModel, table=True):
    """An entry's place in the Merkle tree: given once, by the sequencer, never changed."""

    __tablename__ = "log_leaves"
    __table_args__ = (CheckConstraint("leaf_index >= 0", name="leaf_index"),)

    leaf_index: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    entry_id: int = Field(
        sa_column=Column(
            BigInteger().with_variant(Integer, "sqlite"),
            ForeignKey("history_entries.id"),
            nullable=False,
            unique=True,
        )
    )
    leaf_hash: str = Field(sa_column=Column(String(64), nullable=False))  # RFC 9162: SHA-256(0x00 || hash)
    sequenced_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class Checkpoint(_TableModel, table=True):
    """A signed statement of the log's size and root at a time."""

    __tablename__ = "checkpoints"
    __table_args__ = (CheckConstraint("tree_size >= 0", name="tree_size"),)

    id: int | None = Field(default=None, primary_key=True)
    tree_size: int = Field(sa_column=Column(BigInteger, nullable=False, unique=True))
    root_hash: str = Field(sa_column=Column(String(64), nullable=False))
    signed_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    origin: str = Field(sa_column=Column(String(255), nullable=False))
    key_id: str = Field(sa_column=Column(String(16), nullable=False))
    public_key: str = Field(sa_column=Column(String(64), nullable=False))  # base64 of the raw Ed25519 key
    signature: str = Field(sa_column=Column(String(128), nullable=False))  # base64, over the signed note
    # The roots of the perfect subtrees, left to right (JSON list of hex): the next root from new leaves only.
    frontier: str = Field(sa_column=Column(Text, nullable=False))


class IdempotencyRecord(_TableModel, table=True):
    """The first response to a POST with an Idempotency-Key, replayed on retries."""

    __tablename__ = "idempotency_records"
    # Per monitor, not per token: rotating a token must not let a retry write twice.
    __table_args__ = (UniqueConstraint("monitor_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    monitor_id: int = Field(sa_column=Column(Integer, ForeignKey("monitors.id"), nullable=False))
    token_id: int = Field(sa_column=Column(Integer, ForeignKey("api_tokens.id"), nullable=False))
    key: str = Field(sa_column=Column(String(255), nullable=False))
    request_fingerprint: str = Field(sa_column=Column(String(64), nullable=False))
    status_code: int
    headers: str = Field(sa_column=Column(Text, nullable=False))
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, index=True)
    )


class PastScorecard(_TableModel, table=True):
    """A scorecard as known at a settled past time: it can never change, so it outlives restarts."""

    __tablename__ = "past_scorecards"

    # app.scorecards.keys.document_key of the request's document, with the content marker for the data state.
    key: str = Field(sa_column=Column(String(64), primary_key=True))
    body: str = Field(sa_column=Column(Text, nullable=False))  # app.scorecards.past's typed JSON
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
