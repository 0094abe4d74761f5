"""Export: every bundled table, row by row from one snapshot, into a gzip-compressed JSON Lines file."""

import contextlib
import gzip
import hashlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Connection, Table, select
from sqlmodel import Session

from app.bundle.crypto import EncryptingWriter, Envelope
from app.bundle.records import BUNDLE, VERSION, BundleError, TableLayout, dump_line, encoder, format_time
from app.bundle.revisions import require_head
from app.bundle.tables import Options, bundled_tables, left_out, stand_ins
from app.db import is_postgres, utcnow
from app.i18n.translation import gettext

BATCH = 2000
FLUSH_BYTES = 256 * 1024


@dataclass
class ExportReport:
    """What an export wrote."""

    path: Path
    counts: dict[str, int]
    size: int


class _Lines:
    """Writes records as lines, keeping the SHA-256 of every line written."""

    def __init__(self, sink: gzip.GzipFile) -> None:
        self._sink = sink
        self._buffer = bytearray()
        self.digest = hashlib.sha256()

    def write(self, record: dict[str, Any]) -> None:
        line = dump_line(record)
        self.digest.update(line)
        self._buffer += line
        if len(self._buffer) >= FLUSH_BYTES:
            self.flush()

    def flush(self) -> None:
        self._sink.write(self._buffer)
        self._buffer.clear()


def export_bundle(
    session: Session, out: Path, options: Options, envelope: Envelope | None = None
) -> ExportReport:
    """Write the whole database as a bundle at `out` (replaced only once complete, mode 0600)."""
    connection = _snapshot(session)
    revision = require_head(connection)
    tables = bundled_tables(options)
    header = {
        "bundle": BUNDLE,
        "version": VERSION,
        "created_at": format_time(utcnow()),
        "alembic_revision": revision,
        "options": options.as_record(),
        "tables": [TableLayout.of(table).as_record() for table in tables],
        "left_out": left_out(options),
    }
    counts: dict[str, int] = {}
    with _replacing(out) as raw:
        sealed = EncryptingWriter(raw, envelope) if envelope else None
        with gzip.GzipFile(filename="", mode="wb", fileobj=sealed or raw, compresslevel=6, mtime=0) as packed:
            lines = _Lines(packed)
            lines.write(header)
            for table in tables:
                counts[table.name] = 0
                for row in _rows(connection, table, options):
                    lines.write({"table": table.name, "row": row})
                    counts[table.name] += 1
            lines.write({"trailer": True, "counts": counts, "sha256": lines.digest.hexdigest()})
            lines.flush()
        if sealed:
            sealed.close()
    return ExportReport(out, counts, out.stat().st_size)


def _snapshot(session: Session) -> Connection:
    # One snapshot for every table: REPEATABLE READ on PostgreSQL; SQLite's read transaction already is one.
    if is_postgres(session):
        return session.connection(
            execution_options={"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
        )
    return session.connection()


def _rows(connection: Connection, table: Table, options: Options) -> Iterator[dict[str, Any]]:
    """The table's rows in primary-key order, streamed, values encoded, stand-ins in place."""
    codecs = [(name, encoder(column)) for name, column in table.columns.items()]
    replaced = stand_ins(table, options)
    statement = select(table).order_by(*table.primary_key.columns).execution_options(yield_per=BATCH)
    for values in connection.execute(statement).mappings():
        row = {
            name: values[name] if codec is None or values[name] is None else codec(values[name])
            for name, codec in codecs
        }
        for column, stand_in in replaced.items():
            row[column] = row[stand_in]
        yield row


@contextlib.contextmanager
def _replacing(out: Path) -> Iterator[IO[bytes]]:
    """A private temporary file beside `out`, moved into its place only when everything was written."""
    try:
        descriptor, temporary = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".partial")
    except OSError as error:
        raise BundleError(
            gettext("cannot write %(path)s: %(reason)s", path=out, reason=error.strerror)
        ) from None
    try:
        with os.fdopen(descriptor, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
