"""Input models and types shared by every request: text PostgreSQL can store, past dates, nothing unknown."""

import re
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, WithJsonSchema, field_validator

EARLIEST_YEAR = 1945


def reject_nul(value: str) -> str:
    """Refuse the NUL character: PostgreSQL cannot store it in text, so it would fail late as a 500."""
    if "\x00" in value:
        raise ValueError("must not contain the NUL character")
    return value


CleanText = Annotated[str, AfterValidator(reject_nul)]

# Characters that change how text reads without being seen: zero-width marks, bidirectional controls
# (U+202E turns "gpj.exe" into "exe.jpg"), the byte-order mark.
INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u061c\u180e]")
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # tab and newlines are not here


def has_hidden_characters(value: str) -> bool:
    """True when the text holds control characters (other than tab and newlines) or invisible ones."""
    return bool(CONTROL.search(value) or INVISIBLE.search(value))


def visible_text(value: str) -> str:
    """Text a person can read: something left once invisible characters are gone, and no control ones."""
    if CONTROL.search(value):
        raise ValueError("must not contain control characters")
    if not INVISIBLE.sub("", value).strip():
        raise ValueError("must contain visible text")
    return value


def one_line(value: str) -> str:
    """Visible text on one line, with no bidirectional controls (a title, a name)."""
    if "\n" in value or "\r" in value or has_hidden_characters(value):
        raise ValueError("must be one line of text without control or invisible characters")
    return visible_text(value)


VisibleText = Annotated[str, AfterValidator(visible_text)]
OneLineText = Annotated[str, AfterValidator(one_line)]


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


PastDate = Annotated[
    date,
    BeforeValidator(_iso_text_only),
    AfterValidator(_not_in_future),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date",
            "description": f"An ISO date, {EARLIEST_YEAR}-01-01 or later, not in the future.",
        }
    ),
]
