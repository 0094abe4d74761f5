"""Dates, times and shares as people read them; every time shown names its zone."""

from datetime import date, datetime


def iso_date(value: date | datetime | None) -> str:
    """A date (or a time's date) as YYYY-MM-DD; empty for none."""
    if value is None:
        return ""
    return value.date().isoformat() if isinstance(value, datetime) else value.isoformat()


def utc_timestamp(value: datetime | None) -> str:
    """A time to the minute, with its zone: '2025-01-21 09:00 UTC'; empty for none."""
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


def percent(value: float | None) -> str:
    """A share as a whole percentage, or a dash when there is none."""
    return "–" if value is None else f"{round(value * 100)}%"


def number(value: float) -> str:
    """A number without trailing zeros: 1, 0.5."""
    return f"{value:g}"
