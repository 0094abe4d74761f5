"""The domain's closed word lists (DESIGN.md vocabulary), shared by models, schemas and scoring."""

from enum import StrEnum


class Status(StrEnum):
    """How far a recommendation has been implemented."""

    not_assessed = "not_assessed"
    not_implemented = "not_implemented"
    partially_implemented = "partially_implemented"
    implemented = "implemented"
    regressed = "regressed"


STATUS_LABELS: dict[str, str] = {
    Status.not_assessed: "Not assessed",
    Status.not_implemented: "Not implemented",
    Status.partially_implemented: "Partially implemented",
    Status.implemented: "Implemented",
    Status.regressed: "Regressed",
}


def status_label(status: str | None) -> str:
    """A status as people read it, e.g. 'Partially implemented'."""
    return STATUS_LABELS.get(status or Status.not_assessed.value, str(status))


class Perspective(StrEnum):
    """Whose judgement an assessment records."""

    independent = "independent"
    state = "state"
    un = "un"
    other = "other"


class ScorePerspective(StrEnum):
    """The perspectives a scorecard or matrix can be computed from."""

    independent = "independent"
    state = "state"
    un = "un"


class AssessedStatus(StrEnum):
    """The statuses an assessment can record (not_assessed is the absence of one)."""

    not_implemented = "not_implemented"
    partially_implemented = "partially_implemented"
    implemented = "implemented"
    regressed = "regressed"


class GroupBy(StrEnum):
    """How a scorecard groups recommendations."""

    section = "section"
    theme = "theme"
    addressee = "addressee"
    sdg = "sdg"
    status = "status"
    source = "source"


class CategoryKind(StrEnum):
    """The three ways recommendations are categorised."""

    addressee = "addressee"
    theme = "theme"
    sdg = "sdg"


class EvidenceKind(StrEnum):
    """What sort of document an evidence item is."""

    law = "law"
    court_decision = "court_decision"
    news = "news"
    ngo_report = "ngo_report"
    un_document = "un_document"
    official_statement = "official_statement"
    other = "other"


class Visibility(StrEnum):
    """Who may see an evidence item."""

    public = "public"
    restricted = "restricted"


class Relation(StrEnum):
    """How an evidence item bears on a recommendation."""

    baseline = "baseline"
    progress = "progress"
    regression = "regression"
    context = "context"


class HistoryKind(StrEnum):
    """What a history entry records."""

    genesis = "genesis"
    assessment = "assessment"
    evidence_linked = "evidence_linked"
    evidence_unlinked = "evidence_unlinked"
    correction = "correction"


class Role(StrEnum):
    """What a monitor may do: viewer < monitor < admin."""

    viewer = "viewer"
    monitor = "monitor"
    admin = "admin"


ROLE_RANK = {Role.viewer: 1, Role.monitor: 2, Role.admin: 3}


def sql_in(enum: type[StrEnum]) -> str:
    """The member values as a SQL IN list, for CHECK constraints."""
    return ", ".join(f"'{member.value}'" for member in enum)
