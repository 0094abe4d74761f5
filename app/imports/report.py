"""What an import did or would do: the same report for the CLI, the API and the web form."""

from dataclasses import asdict, dataclass, field
from typing import Any

from app.imports.rows import RefusedRow


@dataclass
class SourceTally:
    """One source of the file: whether it was created, and its rows by outcome."""

    slug: str
    title: str
    kind: str
    created: bool
    new: int = 0
    unchanged: int = 0
    changed: int = 0


@dataclass
class Change:
    """A row that differs from what is stored: its text or the state's response."""

    line: int
    code: str
    field: str  # "text", "response", or "text_<language>" for a translation (text_ru)
    stored: str | None
    imported: str | None
    applied: bool


@dataclass
class ImportReport:
    """Sources created or found; recommendations new, unchanged and changed; rows refused with reasons."""

    format: str
    filename: str
    file_sha256: str
    encoding: str | None
    dry_run: bool
    applied: bool = False
    sources: list[SourceTally] = field(default_factory=list)
    new: int = 0
    unchanged: int = 0
    changed: int = 0
    repeats: int = 0  # rows that repeat an earlier row of the file (same identity): one recommendation
    texts_updated: int = 0
    responses_recorded: int = 0
    # Translations of the texts: new ones (for new recommendations, or a language a stored one lacks) and
    # ones that supersede a different current translation; rows of the translations file refused.
    translations_added: int = 0
    translations_updated: int = 0
    changes: list[Change] = field(default_factory=list)
    refused: list[RefusedRow] = field(default_factory=list)
    translations_refused: list[RefusedRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return asdict(self)
