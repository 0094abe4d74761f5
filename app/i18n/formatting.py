"""Dates, times and shares as people read them; every time shown names its zone."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal, format_percent

# The instance's zone (RECTRACK_TIMEZONE), set per request by the pages and per run by the CLI and documents.
_DISPLAY_ZONE: ContextVar[ZoneInfo] = ContextVar("display_zone", default=ZoneInfo("UTC"))  # noqa: B039 - ZoneInfo is immutable


def iso_date(value: date | datetime | None) -> str:
    """A date (or a time's date) as YYYY-MM-DD; empty for none."""
    if value is None:
        return ""
    return value.date().isoformat() if isinstance(value, datetime) else value.isoformat()


def utc_timestamp(value: datetime | None) -> str:
    """A time to the minute, with its zone: '2025-01-21 09:00 UTC'; empty for none."""
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


def display_zone() -> ZoneInfo:
    """The zone times are shown in for the current request or run."""
    return _DISPLAY_ZONE.get()


def set_display_zone(name: str) -> None:
    """Show times in this IANA zone for the rest of the current context (a request, a CLI run)."""
    _DISPLAY_ZONE.set(ZoneInfo(name))


@contextmanager
def zone_of(name: str) -> Iterator[None]:
    """Show times in this zone within the block (documents rendered for a request)."""
    token = _DISPLAY_ZONE.set(ZoneInfo(name))
    try:
        yield
    finally:
        _DISPLAY_ZONE.reset(token)


def local_timestamp(value: datetime | None) -> str:
    """A time to the minute in the instance's zone, named: '2025-01-21 14:00 +05' (UTC: '... UTC')."""
    if value is None:
        return ""
    zone = display_zone()
    if zone.key == "UTC":
        return utc_timestamp(value)
    local = value.astimezone(zone)
    return local.strftime("%Y-%m-%d %H:%M ") + _zone_label(local)


def local_and_utc(value: datetime | None) -> str:
    """A time in the instance's zone with UTC beside it, for documents: '2025-01-21 14:00 +05 (09:00 UTC)'."""
    if value is None:
        return ""
    if display_zone().key == "UTC":
        return utc_timestamp(value)
    return f"{local_timestamp(value)} ({value.astimezone(UTC).strftime('%H:%M')} UTC)"


def _zone_label(local: datetime) -> str:
    # %Z is an abbreviation where the zone has one (CET) and the offset otherwise (+05); both are unambiguous
    # beside the date.
    name = local.strftime("%Z")
    return name if name and not name[0].isdigit() else local.strftime("%z")


def percent(value: float | None, locale: str = "en") -> str:
    """A share as a whole percentage in the locale's way ('30%', '30 %' in Russian), or a dash for none."""
    return "–" if value is None else format_percent(value, locale=locale)


def score(value: float, locale: str = "en") -> str:
    """A score to two decimals with the locale's separator: '0.30', '0,30' in Russian and Kazakh."""
    return format_decimal(value, format="0.00", locale=locale)


def number(value: float, locale: str = "en") -> str:
    """A number without trailing zeros in the locale's way: 1, 0.5 ('0,5' in Russian)."""
    return format_decimal(value, format="#,##0.###", locale=locale)


# Letters only Kazakh writes among the Cyrillic alphabets we show.
_KAZAKH_LETTERS = frozenset("әғқңөұүһіӘҒҚҢӨҰҮҺІ")


def text_language(text: str | None) -> str:
    """The language stored data is written in, guessed from its letters: 'kk', 'ru', 'en', or '' if none.

    Data carries no language of its own; pages mark it (`lang="…"`) so screen readers pronounce it right
    and a page in Russian does not claim an English recommendation's text is Russian.
    """
    latin = cyrillic = 0
    for char in text or "":
        if char in _KAZAKH_LETTERS:
            return "kk"
        if "a" <= char.lower() <= "z":
            latin += 1
        elif "\u0400" <= char <= "\u04ff":
            cyrillic += 1
    if not latin and not cyrillic:
        return ""
    return "ru" if cyrillic > latin else "en"
