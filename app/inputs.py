"""Input models and types shared by every request: text PostgreSQL can store, past dates, nothing unknown."""

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, field_validator

EARLIEST_YEAR = 1945


def reject_nul(value: str) -> str:
    """Refuse the NUL character: PostgreSQL cannot store it in text, so it would fail late as a 500."""
    if "\x00" in value:
        raise ValueError("must not contain the NUL character")
    return value


CleanText = Annotated[str, AfterValidator(reject_nul)]


class InputModel(BaseModel):
    """Base of query and body models: every text field refuses NUL."""

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return reject_nul(value) if isinstance(value, str) else value


def latest_date_on_earth() -> date:
    """Today somewhere: UTC+14 is the first zone to reach a date, so nothing later is 'not in the future'."""
    return (datetime.now(UTC) + timedelta(hours=14)).date()


def _not_in_future(value: date | None) -> date | None:
    if value is not None and value > latest_date_on_earth():
        raise ValueError("must not be in the future")
    if value is not None and value.year < EARLIEST_YEAR:
        raise ValueError(f"must be in {EARLIEST_YEAR} or later")
    return value


def _iso_text_only(value: Any) -> Any:
    # Pydantic would read a number as a Unix timestamp; the schema promises an ISO date string.
    if not isinstance(value, str | date):
        raise ValueError("must be an ISO date such as 2024-05-01")
    return value


PastDate = Annotated[date, BeforeValidator(_iso_text_only), AfterValidator(_not_in_future)]
