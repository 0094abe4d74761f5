"""Settings from the environment (prefix RECTRACK_) and an optional .env file."""

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from app.i18n.translation import available_locales


class Settings(BaseSettings):
    """Runtime configuration; every field can be set as RECTRACK_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="RECTRACK_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///./rectrack.db"
    # The owner role's URL, for `rectrack migrate` and plain alembic: it runs migrations and owns every
    # table, while database_url may be a runtime role that cannot alter or disable them. Unset: database_url.
    migration_database_url: str = ""
    public_read: bool = True
    sqlite_busy_timeout_ms: int = 15_000
    max_body_bytes: int = 1024 * 1024
    # Uploads to POST /api/v1/imports (and the web form): the UHRI's whole index is about 60 MB as XLSX.
    import_max_bytes: int = 64 * 1024 * 1024
    log_sql: bool = False
    # Keys live here, never in the database (DESIGN.md: the data directory).
    data_dir: Path = Path("data")
    # production: a missing key, or one others may read, stops the server instead of being generated.
    env: Literal["development", "production"] = "development"
    # Signs web session cookies. Unset: the key file in the data directory (created outside production).
    secret_key: str | None = Field(default=None, min_length=32)
    session_hours: int = Field(default=12, ge=1, le=24 * 30)
    # Signs checkpoints (Ed25519, PKCS#8 PEM). Unset: signing.key in the data directory.
    signing_key_file: Path | None = None
    # Names this log in every checkpoint it signs (e.g. the instance's address), so checkpoints of two
    # instances can never be confused.
    log_origin: str = Field(default="rectrack", min_length=1, max_length=255, pattern=r"^[\x21-\x7e]+$")
    # How often the server gives new entries their leaf index (0: never; `rectrack checkpoint` still does).
    sequence_interval_seconds: float = Field(default=1.0, ge=0, le=3600)
    # After writes, the server signs a checkpoint at most this often (0: only `rectrack checkpoint` signs).
    checkpoint_interval_minutes: float = Field(default=10.0, ge=0, le=7 * 24 * 60)
    # The list's `total` per filter set, kept per worker until the next write moves the data fingerprint;
    # 0 counts on every page.
    list_total_cache_entries: int = Field(default=256, ge=0, le=100_000)
    # The list's pages as sent (a page of 50 is about 50 kB), kept per worker until the next write; 0 builds
    # every page.
    list_page_cache_entries: int = Field(default=64, ge=0, le=10_000)
    # Whole documents (XLSX, DOCX, PDF) rendered at once per worker; more get 429 with Retry-After.
    document_renders: int = Field(default=2, ge=1, le=64)
    # Anonymous readers get XLSX, DOCX and PDF of at most this many rows; larger ones need a token (CSV and
    # JSON stream for everyone).
    public_document_rows: int = Field(default=2_000, ge=0, le=1_000_000)
    # Client addresses in the access log: off, since a log can expose who used the service and from where.
    log_client_addresses: bool = False
    # Browser origins of dashboards that may call the API (comma-separated, e.g. https://dash.example.org);
    # none by default. Credentials are bearer tokens, never cookies: the pages' cookie is not shared.
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Who publishes this instance: named in every document's header and as its author, and on the About page.
    organisation: str = Field(default="", max_length=200)
    # How to reach them (an e-mail address or a URL), on the About page.
    contact: str = Field(default="", max_length=200)
    # The zone times are shown in (IANA name, e.g. Asia/Almaty); UTC is always shown beside or on hover.
    timezone: str = "UTC"
    # The language of pages for visitors who chose none and whose browser asks for none we have, and of the
    # command line's documents; one with a catalogue (en, ru, kk).
    default_language: str = "en"

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip().rstrip("/") for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}: use an IANA name such as Asia/Almaty") from None
        return value

    @field_validator("default_language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        languages = available_locales()
        if value not in languages:
            raise ValueError(f"no catalogue for {value!r}: use one of {', '.join(sorted(languages))}")
        return value

    @model_validator(mode="after")
    def _migrate_as_the_runtime_role_by_default(self) -> "Settings":
        if not self.migration_database_url:
            self.migration_database_url = self.database_url
        return self

    @property
    def production(self) -> bool:
        """True when missing keys must be fatal rather than generated."""
        return self.env == "production"


@lru_cache
def get_settings() -> Settings:
    """Return the process-wide settings, read once."""
    return Settings()
