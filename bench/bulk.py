"""Bulk paths into SQLite (executemany) and PostgreSQL (COPY): drop secondary indexes, load, rebuild."""

import sqlite3
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from app.history.periods import POSTGRES_TRIGGERS, SQLITE_TRIGGERS

COLUMNS = {
    "sources": ["id", "slug", "title", "publisher", "published_on", "url", "date_note", "created_at"],
    "sections": ["id", "source_id", "number", "title"],
    "categories": ["id", "kind", "slug", "label"],
    "evidence": [
        "id", "url", "url_normalised", "title", "kind", "published_on", "visibility", "created_at",
        "created_by",
    ],
    "recommendations": [
        "id", "code", "source_id", "section_id", "section_number", "number", "text", "search_text", "status",
        "claimed_status", "version", "last_assessed_at", "created_at", "updated_at", "paragraph", "response",
        "response_original", "action_category", "external_id", "match_key", "terms", "status_effective_on",
        "claimed_effective_on", "coverage_links_public", "coverage_links_restricted", "claim_gap_class",
        "coverage_public_since", "coverage_restricted_since",
    ],
    "recommendation_categories": [
        "recommendation_id", "category_id", "source_id", "section_number", "number",
    ],
    "recommendation_evidence": [
        "id", "recommendation_id", "evidence_id", "relation", "visibility", "note", "linked_at", "linked_by",
        "unlinked_at", "unlinked_by", "unlink_reason", "evidence_published_on",
    ],
    "history_entries": [
        "id", "recommendation_id", "seq", "kind", "status", "perspective", "effective_on", "recorded_at",
        "recorded_by", "payload", "prev_hash", "hash", "format", "salt", "commitment", "response",
    ],
}  # fmt: skip
TABLES = list(COLUMNS)
HAS_ID = [table for table in TABLES if COLUMNS[table][0] == "id"]


class Loader:
    """One bulk load: `prepare`, any number of `write`s, `finish`; used as a context manager."""

    def __enter__(self) -> "Loader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def rows(self, sql: str, *params: Any) -> list[tuple]:
        """Run a query and fetch every row."""
        return (self.db.execute(sql, params) if params else self.db.execute(sql)).fetchall()

    def next_ids(self) -> dict[str, int]:
        """The first free id of every table that has one."""
        return {table: self.rows(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")[0][0] for table in HAS_ID}

    def existing_categories(self) -> dict[tuple[str, str], int]:
        """Categories already present (a seeded database), reused rather than duplicated."""
        return {(kind, slug): id_ for id_, kind, slug in self.rows("SELECT id, kind, slug FROM categories")}

    def close(self) -> None:
        """Close the connection."""
        self.db.close()


class SqliteLoader(Loader):
    """executemany in one transaction, without a rollback journal (the database is a throwaway)."""

    def __init__(self, url: str):
        self.db = sqlite3.connect(make_url(url).database, isolation_level=None)
        self.indexes: list[str] = []
        self.triggers: list[tuple] = []

    def prepare(self) -> None:
        """Drop the secondary indexes (unique ones are part of their tables) and open the transaction."""
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-1000000", "temp_store=MEMORY"):
            self.db.execute(f"PRAGMA {pragma}")
        listed = ", ".join(f"'{table}'" for table in TABLES)
        found = self.rows(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({listed})"
        )
        for name, sql in found:
            self.db.execute(f'DROP INDEX "{name}"')
            self.indexes.append(sql)
        # The status periods are filled once after the load (app.history.periods.fill), not entry by entry.
        listed = ", ".join(f"'{name}'" for name in SQLITE_TRIGGERS)
        self.triggers = self.rows(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN ({listed})"
        )
        for name, _ in self.triggers:
            self.db.execute(f"DROP TRIGGER {name}")
        self.db.execute("BEGIN")

    def write(self, table: str, rows: Iterable[dict[str, Any]]) -> None:
        """Insert rows given as dicts keyed by column."""
        columns = COLUMNS[table]
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        self.db.executemany(sql, ([_sqlite_value(row.get(column)) for column in columns] for row in rows))

    def finish(self) -> None:
        """Commit, rebuild the indexes, gather statistics, back to WAL as the app runs it."""
        self.db.execute("COMMIT")
        for sql in self.indexes:
            self.db.execute(sql)
        for _, sql in self.triggers:
            self.db.execute(sql)
        self.db.execute("ANALYZE")
        self.db.execute("PRAGMA journal_mode=WAL")


def _sqlite_value(value: Any) -> Any:
    # The storage formats of SQLAlchemy's SQLite DateTime and Date; times are UTC without a zone.
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value


class PostgresLoader(Loader):
    """COPY, following PostgreSQL's advice for populating a database."""

    def __init__(self, url: str):
        conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        self.db = psycopg.connect(conninfo, autocommit=True)
        self.restore: list[str] = []

    def prepare(self) -> None:
        """Drop secondary indexes, unique and foreign-key constraints: each is rebuilt once, by a sort."""
        self.db.execute("SET maintenance_work_mem = '512MB'")
        constraints = self.rows(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
            "WHERE conrelid::regclass::text = ANY(%s) AND contype IN ('u', 'f') ORDER BY contype DESC",
            TABLES,
        )
        for table, name, _, _ in constraints:
            self.db.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        indexes = self.rows(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = 'public' "
            "AND i.tablename = ANY(%s) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            TABLES,
        )
        for name, _ in indexes:
            self.db.execute(f'DROP INDEX "{name}"')

        def restore(kind: str) -> list[str]:
            return [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, d, k in constraints if k == kind]

        # Unique constraints first, foreign keys last: they may lean on the unique indexes.
        self.restore = restore("u") + [definition for _, definition in indexes] + restore("f")
        # The status periods are filled once after the load (app.history.periods.fill), not entry by entry.
        for (name,) in self.rows(
            "SELECT tgname FROM pg_trigger WHERE tgname = ANY(%s)", list(POSTGRES_TRIGGERS)
        ):
            self.db.execute(f"ALTER TABLE history_entries DISABLE TRIGGER {name}")
            self.restore.append(f"ALTER TABLE history_entries ENABLE TRIGGER {name}")
        self.db.autocommit = False

    def write(self, table: str, rows: Iterable[dict[str, Any]]) -> None:
        """COPY rows given as dicts keyed by column."""
        columns = COLUMNS[table]
        with self.db.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row.get(column) for column in columns])

    def finish(self) -> None:
        """Commit, rebuild, move the id sequences past the loaded ids, vacuum and analyse."""
        self.db.commit()
        self.db.autocommit = True
        for statement in self.restore:
            self.db.execute(statement)
        for table in HAS_ID:
            sequence = f"pg_get_serial_sequence('{table}', 'id')"
            self.db.execute(f"SELECT setval({sequence}, (SELECT coalesce(max(id), 1) FROM {table}))")
        # The visibility map lets the as-of lookups use index-only scans; autovacuum would get there later.
        self.db.execute(f"VACUUM (ANALYZE) {', '.join(TABLES)}")


def loader(url: str) -> Loader:
    """The bulk loader for the database at `url`."""
    return SqliteLoader(url) if make_url(url).get_backend_name() == "sqlite" else PostgresLoader(url)
