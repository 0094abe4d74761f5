"""`make bench`: generate the data set on SQLite and PostgreSQL, measure each figure beside its floor.

Environment: BENCH_RECOMMENDATIONS (default 300000), BENCH_DATABASES (sqlite,postgresql),
BENCH_ONLY (generate,scorecards,reads,writes,matrix,verify,bundle,import,suggest), BENCH_REQUESTS,
BENCH_SECONDS, BENCH_WRITE_SECONDS, BENCH_RUNS, BENCH_DIR, BENCH_REUSE=1 (keep and reuse generated databases),
BENCH_OUT (a JSON file of every figure), BENCH_NAME (the database's name, default rectrack_bench_<size>),
BENCH_POSTGRES_URL (default: RECTRACK_TEST_POSTGRES_URL, else postgres@127.0.0.1:5432).
"""

import json
import os
import sys
import time
from dataclasses import asdict

from sqlalchemy import func, select
from sqlmodel import Session

from app.db import build_engine
from app.history.verify import verify_chains, verify_entries_since
from app.history.verify_state import verify_state
from app.migrate import upgrade
from app.models import LogLeaf, Recommendation
from bench.databases import BenchDatabase, postgres_admin_url, postgres_available
from bench.floors import DESCRIPTIONS
from bench.generate import generate
from bench.measure_bundle import bundle_rows
from bench.measure_import import import_rows
from bench.measure_matrix import matrix_rows
from bench.measure_reads import read_rows
from bench.measure_scorecards import scorecard_rows
from bench.measure_suggest import suggest_rows
from bench.measure_writes import write_rows
from bench.report import Config, Row, machine, ms, print_table

# Per-database settings recommended for production (docs/benchmarks.md): SSD-like random reads, room for
# sorts and hashes, and no JIT (it spent ~0.2-0.4 s compiling each scorecard query).
POSTGRES_SETTINGS = {"random_page_cost": "1.1", "work_mem": "'32MB'", "jit": "off"}


def prepare(database: BenchDatabase, config: Config) -> tuple[list[Row], bool]:
    """Create and fill the database, or reuse a filled one; the generation row if it ran."""
    if config.reuse and database.exists() and _count(database.url) == config.recommendations:
        # Migrated to head: a reused database gets the migrations written since it was generated.
        print(f"[{database.backend}] reusing {database.url}, migrated to head")
        upgrade(database.url)
        return [], True
    settings = POSTGRES_SETTINGS if database.backend == "postgresql" else None
    print(f"[{database.backend}] creating and migrating {database.url}")
    database.create(settings)
    print(f"[{database.backend}] generating {config.recommendations:,} recommendations")
    report = generate(
        database.url, config.recommendations, log=lambda line: print(f"[{database.backend}] {line}")
    )
    counts = report.counts
    phases = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in report.seconds.items())
    name = (
        f"{counts['recommendations']:,} recommendations, {counts['history_entries']:,} history entries, "
        f"{counts['recommendation_evidence']:,} evidence links"
    )
    total = report.total_seconds
    row = Row(
        "generate",
        name,
        database.backend,
        f"{total:,.0f} s",
        target="minutes, not hours",
        met=total < 1800,
        note=phases,
        data={"counts": counts, "seconds": report.seconds},
    )
    return [row], False


def _count(url: str) -> int:
    engine = build_engine(url)
    try:
        with Session(engine) as session:
            return session.scalar(select(func.count()).select_from(Recommendation)) or 0
    except Exception:
        return -1
    finally:
        engine.dispose()


def verify_rows(url: str, backend: str) -> list[Row]:
    """Recompute every hash chain, then check what the public sees against the chains (informational: how
    long `rectrack verify` takes at this size)."""
    engine = build_engine(url)
    started = time.perf_counter()
    with Session(engine) as session:
        report = verify_chains(session)
        chained = time.perf_counter()
        state = verify_state(session)
    finished = time.perf_counter()
    since = _since_checkpoint(engine)
    engine.dispose()
    full_per_entry = (chained - started) / max(report["entries"], 1) * 1e6
    checked = state["checked"]
    return [
        *(
            Row(
                "verify",
                f"verify --since-checkpoint: the last {added:,} entries",
                backend,
                _seconds(seconds),
                target="in proportion to the entries added",
                met=ok,
                note=f"{seconds / added * 1e6:.0f} µs an entry; the full pass {full_per_entry:.0f} µs",
            )
            for added, seconds, ok in since
        ),
        Row(
            "verify",
            f"verify {report['entries']:,} entries in {report['chains']:,} chains",
            backend,
            _seconds(chained - started),
            target="every chain verifies",
            met=report["ok"],
            note="" if report["ok"] else str(report["first_broken"]),
        ),
        Row(
            "verify",
            f"check {checked.get('recommendations', 0):,} recommendations, {checked.get('links', 0):,} links "
            "against their chains",
            backend,
            _seconds(finished - chained),
            target="what the public sees agrees",
            met=state["ok"],
            note="" if state["ok"] else str(state["first_discrepancies"]),
        ),
    ]


def _since_checkpoint(engine) -> list[tuple[int, float, bool]]:
    """How long checking the chains after a checkpoint takes, for few and for many new entries."""
    timed = []
    with Session(engine) as session:
        leaves = session.scalar(select(func.count()).select_from(LogLeaf)) or 0
        for added in (1_000, 100_000):
            if added >= leaves:
                continue
            started = time.perf_counter()
            found = verify_entries_since(session, leaves - added)
            timed.append((found["entries"], time.perf_counter() - started, found["ok"]))
    return timed


def _seconds(seconds: float) -> str:
    return f"{seconds:,.0f} s" if seconds >= 10 else ms(seconds)


def _bulk_seconds(generated: list[Row]) -> float | None:
    """How long the bulk loader took to fill the database (None when it was reused)."""
    return next((row.data["seconds"]["generate and load"] for row in generated), None)


def main() -> int:
    """Run every selected measurement on every selected database and print the tables."""
    config = Config.from_env()
    info = machine()
    print(json.dumps(info))
    admin = postgres_admin_url()
    rows: list[Row] = []
    for backend in config.databases:
        if backend == "postgresql" and (problem := postgres_available(admin)):
            print(f"[postgresql] skipped: {problem} (set BENCH_POSTGRES_URL)")
            continue
        database = BenchDatabase(backend, config.name, config.directory, admin)
        try:
            generated, _reused = prepare(database, config)
            rows += generated
            url = database.url
            if "scorecards" in config.only:
                rows += scorecard_rows(url, backend, config)
            if "reads" in config.only:
                rows += read_rows(url, backend, config)
            if "matrix" in config.only:
                rows += matrix_rows(url, backend, config.recommendations)
            if "writes" in config.only:
                rows += write_rows(url, backend, config)
            if "verify" in config.only:
                rows += verify_rows(url, backend)
            if "bundle" in config.only:
                settings = POSTGRES_SETTINGS if backend == "postgresql" else None
                rows += bundle_rows(database, settings, _bulk_seconds(generated))
            if "import" in config.only:
                settings = POSTGRES_SETTINGS if backend == "postgresql" else None
                rows += import_rows(database, settings, config.import_rows)
            if "suggest" in config.only:
                rows += suggest_rows(url, backend, config)
        finally:
            if not config.reuse:
                database.drop()
    info["load_average_at_end"] = os.getloadavg()
    print_table(rows)
    if any(row.section == "scorecards" for row in rows):
        print("\nfloor shapes (latest assessment/evidence coverage):")
        for name, description in DESCRIPTIONS.items():
            print(f"  {name}: {description}")
    if config.out:
        config.out.write_text(
            json.dumps(
                {
                    "machine": info,
                    "config": {**asdict(config), "directory": str(config.directory), "out": str(config.out)},
                    "rows": [asdict(row) for row in rows],
                },
                indent=2,
                default=str,
            )
        )
    missed = [row for row in rows if row.met is False]
    targets = sum(row.met is not None for row in rows)
    print(f"\n{len(missed)} of {targets} targets missed (see docs/benchmarks.md)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
