"""Response models of the import API: the report every importer returns."""

from pydantic import BaseModel, Field


class SourceTallyOut(BaseModel):
    """One source of the file."""

    slug: str = Field(examples=["upr-kz-s20"])
    title: str
    kind: str = Field(examples=["upr_review"])
    created: bool = Field(description="True when the import created the source.")
    new: int
    unchanged: int
    changed: int


class ChangeOut(BaseModel):
    """A row that differs from the stored recommendation."""

    line: int
    code: str
    field: str = Field(
        description="text, response, or text_<language> for a translation (text_ru)", examples=["response"]
    )
    stored: str | None
    imported: str | None
    applied: bool = Field(
        description="Texts are applied only with update_texts; responses and translations always."
    )


class RefusedRowOut(BaseModel):
    """A row the importer would not take."""

    line: int = Field(description="The line (CSV) or row (spreadsheet) the row starts on.")
    reason: str


class ImportReportOut(BaseModel):
    """What an import did, or would do on a dry run."""

    format: str = Field(examples=["upr-info"])
    filename: str
    file_sha256: str
    encoding: str | None = Field(description="The text encoding detected (CSV); null for XLSX.")
    dry_run: bool
    applied: bool = Field(description="True when the import was written to the database.")
    sources: list[SourceTallyOut]
    new: int
    unchanged: int
    changed: int
    repeats: int = Field(description="Rows repeating an earlier row of the file (one recommendation each).")
    texts_updated: int
    responses_recorded: int
    translations_added: int = Field(
        description="Translations of texts new to the database (a new recommendation's, or a new language)."
    )
    translations_updated: int = Field(
        description="Translations that supersede a different current one (each a translation_recorded entry)."
    )
    changes: list[ChangeOut]
    refused: list[RefusedRowOut]
    translations_refused: list[RefusedRowOut] = Field(
        description="Rows of the translations file that cannot be used (line in that file, reason)."
    )
    notes: list[str]
