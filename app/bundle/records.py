"""The lines of a bundle: records as canonical JSON, each value encoded by its column's type."""

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, Table
from sqlalchemy.types import TypeDecorator, TypeEngine

from app.i18n.translation import gettext

BUNDLE = "rectrack"
VERSION = 1
Codec = Callable[[Any], Any]


class BundleError(Exception):
    """A bundle that cannot be written or read, with the line where it broke when there is one."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line

    def at(self, line: int) -> "BundleError":
        """The same error, placed at a line (kept if it had one already)."""
        return self if self.line is not None else BundleError(self.message, line)

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        return gettext("line %(line)s: %(message)s", line=self.line, message=self.message)


@dataclass(frozen=True)
class TableLayout:
    """A table as the header describes it: its columns in order and its primary key."""

    name: str
    columns: tuple[str, ...]
    primary_key: tuple[str, ...]

    @classmethod
    def of(cls, table: Table) -> "TableLayout":
        """The layout of a table of the metadata."""
        return cls(table.name, tuple(table.columns.keys()), tuple(table.primary_key.columns.keys()))

    def as_record(self) -> dict[str, Any]:
        """The header's description of the table."""
        return {"name": self.name, "columns": list(self.columns), "primary_key": list(self.primary_key)}


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def dump_line(record: dict[str, Any]) -> bytes:
    """One record as a line: sorted keys, no spaces, raw UTF-8, a newline."""
    return _CANONICAL.encode(record).encode("utf-8") + b"\n"


def format_time(value: datetime) -> str:
    """A time as bundles carry it: UTC, microseconds, 'Z' (a time without a zone is taken as UTC)."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(timespec="microseconds") + "Z"


def _python_type(type_: TypeEngine[Any]) -> type:
    if isinstance(type_, TypeDecorator):
        type_ = type_.impl_instance
    try:
        return type_.python_type
    except NotImplementedError:
        return object


def _zoned(type_: TypeEngine[Any]) -> bool:
    impl = type_.impl if isinstance(type_, TypeDecorator) else type_
    return bool(getattr(impl, "timezone", False))


def carried(column: Column[Any]) -> bool:
    """Whether bundles know the column's type (else an export stops at a value JSON cannot hold as it is)."""
    return _python_type(column.type) is not object


def encoder(column: Column[Any]) -> Codec | None:
    """How a column's values become JSON; None when they are JSON already (text, numbers, booleans)."""
    kind = _python_type(column.type)
    if issubclass(kind, datetime):
        return format_time
    if issubclass(kind, date | time):
        return _isoformat
    if issubclass(kind, bytes):
        return _base64
    if issubclass(kind, Decimal):
        return str
    if kind is object:
        return _json_only(column)
    return None


def decoder(column: Column[Any]) -> Codec | None:
    """How a column's JSON values become Python values again (the inverse of `encoder`)."""
    kind = _python_type(column.type)
    if issubclass(kind, datetime):
        return _aware_time if _zoned(column.type) else _naive_time
    if issubclass(kind, date):
        return _typed(date.fromisoformat)
    if issubclass(kind, time):
        return _typed(time.fromisoformat)
    if issubclass(kind, bytes):
        return _typed(base64.b64decode)
    if issubclass(kind, Decimal):
        return _typed(Decimal)
    return None


def _json_only(column: Column[Any]) -> Codec:
    # A type that names no Python type: its values pass when JSON carries them as they are, else the
    # export stops rather than write something it could not read back.
    def encode(value: Any) -> Any:
        if isinstance(value, str | int | float | bool | list | dict):
            return value
        raise BundleError(
            gettext(
                "%(table)s.%(column)s holds values of type %(type)s, which a bundle cannot carry yet",
                table=column.table.name,
                column=column.name,
                type=type(value).__name__,
            )
        )

    return encode


def _isoformat(value: date | time) -> str:
    return value.isoformat()


def _base64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def _typed(parse: Callable[[str], Any]) -> Codec:
    def decode(value: Any) -> Any:
        if not isinstance(value, str):
            raise ValueError(f"expected a string, found {type(value).__name__}")
        return parse(value)

    return decode


def _aware_time(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError(f"expected a string, found {type(value).__name__}")
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _naive_time(value: Any) -> datetime:
    return _aware_time(value).replace(tzinfo=None)
