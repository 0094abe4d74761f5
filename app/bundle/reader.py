"""Reading a bundle back, line by line: its header, then rows in order, then a trailer that must match.

Whatever is wrong (damaged compression or encryption, bad JSON, rows out of order, a checksum or count that
differs, a missing trailer) raises BundleError with the number of the line where reading broke.
"""

import gzip
import hashlib
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from app.bundle.crypto import MAGIC, open_sealed
from app.bundle.records import BUNDLE, VERSION, BundleError, TableLayout
from app.i18n.translation import gettext

MAX_LINE = 64 * 1024 * 1024


@dataclass(frozen=True)
class Header:
    """The first line: what wrote the bundle, at which schema revision, and the tables that follow."""

    created_at: str
    revision: str
    options: dict[str, Any]
    tables: tuple[TableLayout, ...]

    @classmethod
    def parse(cls, record: dict[str, Any]) -> "Header":
        """The header of a bundle; BundleError when the record is not one this code reads."""
        if record.get("bundle") != BUNDLE:
            raise BundleError(gettext("not a rectrack bundle"), 1)
        version = record.get("version")
        if version != VERSION:
            raise BundleError(
                gettext(
                    "the bundle is of format version %(version)s; this rectrack reads version %(known)s",
                    version=version,
                    known=VERSION,
                ),
                1,
            )
        try:
            tables = tuple(_layout(table) for table in record["tables"])
            header = cls(record["created_at"], record["alembic_revision"], dict(record["options"]), tables)
        except (KeyError, TypeError, ValueError):
            raise BundleError(gettext("the header is incomplete or damaged"), 1) from None
        names = [table.name for table in tables]
        if not isinstance(header.revision, str) or len(set(names)) != len(names):
            raise BundleError(gettext("the header is incomplete or damaged"), 1)
        return header


def _layout(record: dict[str, Any]) -> TableLayout:
    name, columns, key = record["name"], tuple(record["columns"]), tuple(record["primary_key"])
    if not isinstance(name, str) or not all(isinstance(column, str) for column in columns):
        raise ValueError(name)
    if not key or not set(key) <= set(columns):
        raise ValueError(name)
    return TableLayout(name, columns, key)


@dataclass(frozen=True)
class Row:
    """One row of a table, as its line holds it (values still encoded)."""

    line: int
    table: TableLayout
    values: dict[str, Any]


class BundleReader:
    """An open bundle: `header` at once, then `rows()` once; closes its file on leaving the `with`."""

    def __init__(
        self, path: Path, *, passphrase: str | None = None, identity: X25519PrivateKey | None = None
    ) -> None:
        try:
            self._file: IO[bytes] = path.open("rb")
        except OSError as error:
            raise BundleError(
                gettext("cannot read %(path)s: %(reason)s", path=path, reason=error.strerror)
            ) from None
        try:
            if self._file.read(len(MAGIC)) == MAGIC:
                source = open_sealed(self._file, passphrase=passphrase, identity=identity)
            else:
                self._file.seek(0)
                source = self._file
            self._stream = gzip.GzipFile(fileobj=source, mode="rb")
            self._line = 0
            self._digest = hashlib.sha256()
            self.counts: dict[str, int] = {}
            self.header = Header.parse(self._record(self._next_line()))
        except BaseException:
            self._file.close()
            raise

    def __enter__(self) -> "BundleReader":
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._file.close()

    def _next_line(self) -> bytes:
        """The next line, counted into the checksum; b"" at the end of the data."""
        self._line += 1
        try:
            raw = self._stream.readline(MAX_LINE + 1)
        except BundleError as error:
            raise error.at(self._line) from None
        except EOFError:
            raise BundleError(gettext("the bundle ends early: the file is truncated"), self._line) from None
        except gzip.BadGzipFile as error:
            if self._line == 1 and "Not a gzipped file" in str(error):
                raise BundleError(
                    gettext("not a rectrack bundle (neither compressed nor encrypted)"), 1
                ) from None
            raise self._damaged(error) from None
        except (OSError, zlib.error) as error:
            raise self._damaged(error) from None
        if raw and not raw.endswith(b"\n"):
            if len(raw) > MAX_LINE:
                raise BundleError(gettext("the line is longer than a bundle allows"), self._line)
            raise BundleError(gettext("the line is cut short: the file is truncated"), self._line)
        return raw

    def _damaged(self, error: Exception) -> BundleError:
        return BundleError(gettext("the compressed data is damaged (%(reason)s)", reason=error), self._line)

    def _record(self, raw: bytes) -> dict[str, Any]:
        if not raw:
            raise BundleError(gettext("the bundle ends without its trailer: it is truncated"), self._line)
        try:
            record = json.loads(raw)
        except ValueError:
            raise BundleError(gettext("the line is not valid JSON"), self._line) from None
        if not isinstance(record, dict):
            raise BundleError(gettext("the line is not a record"), self._line)
        if "trailer" not in record:  # the trailer holds the checksum of every line before it
            self._digest.update(raw)
        return record

    def rows(self) -> Iterator[Row]:
        """Every row in the bundle's order, then the trailer's checks; each row is checked as it is read."""
        layouts = {table.name: (index, table) for index, table in enumerate(self.header.tables)}
        self.counts = {table.name: 0 for table in self.header.tables}
        current, last_key = 0, None
        while "trailer" not in (record := self._record(self._next_line())):
            table, values = record.get("table"), record.get("row")
            if set(record) != {"table", "row"} or not isinstance(table, str) or not isinstance(values, dict):
                raise BundleError(gettext("the line is neither a row nor the trailer"), self._line)
            if table not in layouts:
                raise BundleError(gettext("the header lists no table %(table)s", table=table), self._line)
            index, layout = layouts[table]
            if index < current:
                later = self.header.tables[current].name
                raise BundleError(
                    gettext(
                        "a row of %(table)s after rows of %(later)s: the lines are out of order",
                        table=table,
                        later=later,
                    ),
                    self._line,
                )
            if index > current:
                current, last_key = index, None
            if set(values) != set(layout.columns):
                raise BundleError(
                    gettext("the row's columns are not those the header lists for %(table)s", table=table),
                    self._line,
                )
            key = tuple(values[column] for column in layout.primary_key)
            if last_key is not None and _comparable(key, last_key) and key <= last_key:
                raise BundleError(
                    gettext("a row of %(table)s out of primary-key order: the lines were moved", table=table),
                    self._line,
                )
            last_key = key
            self.counts[table] += 1
            yield Row(self._line, layout, values)
        self._check_trailer(record)
        # Reading to the end also checks the gzip CRC and opens the last encrypted chunk.
        if self._next_line():
            raise BundleError(gettext("there is more after the trailer"), self._line)

    def _check_trailer(self, record: dict[str, Any]) -> None:
        if record.get("sha256") != self._digest.hexdigest():
            raise BundleError(
                gettext("the checksum does not match: the bundle was changed or damaged"), self._line
            )
        counts = record.get("counts")
        if not isinstance(counts, dict) or set(counts) != set(self.counts):
            raise BundleError(gettext("the trailer's counts do not name the header's tables"), self._line)
        for table, found in self.counts.items():
            if counts[table] != found:
                raise BundleError(
                    gettext(
                        "the trailer counts %(expected)s rows of %(table)s, the bundle holds %(found)s",
                        expected=counts[table],
                        table=table,
                        found=found,
                    ),
                    self._line,
                )


def _comparable(key: tuple[Any, ...], other: tuple[Any, ...]) -> bool:
    # Only integer keys: text sorts by the database's collation, which Python's order need not follow.
    return all(isinstance(value, int) for value in key + other)
