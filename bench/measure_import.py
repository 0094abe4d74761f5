"""`rectrack import upr-info` of a generated export into an empty database, beside the bulk loader writing
the same rows (the floor: the rows the import produced, copied into another empty database by COPY on
PostgreSQL and executemany on SQLite, indexes rebuilt after)."""

import time
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.db import build_engine
from app.models import Category, HistoryEntry, Recommendation, RecommendationCategory, Section, Source
from bench.bulk import COLUMNS, loader
from bench.databases import BenchDatabase
from bench.measure_bundle import Settings, run_command
from bench.report import Row
from bench.upr_file import write_upr_info_file

# Parents before children, as the loader writes them.
IMPORTED = (Source, Section, Category, Recommendation, RecommendationCategory, HistoryEntry)


def import_rows(database: BenchDatabase, settings: Settings, rows: int) -> list[Row]:
    """Import a `rows`-row UPR Info file (Windows-1252, CR line ends) twice, and bulk-load what it wrote."""
    path = Path(database.directory) / f"upr-info-{rows}.csv"
    target = BenchDatabase(
        database.backend, f"{database.name}_import", database.directory, database.admin_url
    )
    floor = BenchDatabase(database.backend, f"{database.name}_floor", database.directory, database.admin_url)
    try:
        write_upr_info_file(path, rows)
        target.create(settings)
        seconds, peak, _ = run_command(target.url, "import", "upr-info", str(path))
        again, _, _ = run_command(target.url, "import", "upr-info", str(path))
        tables = _rows(target.url)
        floor.create(settings)
        started = time.perf_counter()
        with loader(floor.url) as bulk:
            bulk.prepare()
            for table, values in tables.items():
                bulk.write(table, values)
            bulk.finish()
        floor_seconds = time.perf_counter() - started
    finally:
        path.unlink(missing_ok=True)
        target.drop()
        floor.drop()
    written = sum(len(values) for values in tables.values())
    return [
        Row(
            "import",
            f"import a {rows:,}-row UPR Info export (cp1252, CR) into an empty database",
            database.backend,
            f"{seconds:,.1f} s",
            floor=f"{floor_seconds:,.1f} s",
            ratio=seconds / floor_seconds,
            target="10,000 rows in seconds (>= 1,000 rows/s)",
            met=rows / seconds >= 1000,
            note=f"{rows / seconds:,.0f} rows/s, peak {peak:,.0f} MiB; floor: the bulk loader writing the "
            f"same {written:,} rows",
            data={"rows": rows, "seconds": seconds, "floor_seconds": floor_seconds, "peak_mib": peak},
        ),
        Row(
            "import",
            f"import the same {rows:,} rows again (nothing new)",
            database.backend,
            f"{again:,.1f} s",
            target="creates nothing",
            met=len(tables["recommendations"]) == rows,
            note=f"{rows / again:,.0f} rows/s",
            data={"seconds": again},
        ),
    ]


def _rows(url: str) -> dict[str, list[dict[str, Any]]]:
    engine = build_engine(url)
    try:
        with engine.connect() as connection:
            return {
                model.__tablename__: [
                    dict(row._mapping)
                    for row in connection.execute(
                        select(*(model.__table__.c[name] for name in COLUMNS[model.__tablename__]))
                    )
                ]
                for model in IMPORTED
            }
    finally:
        engine.dispose()
