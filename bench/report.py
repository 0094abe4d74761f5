"""What every measurement shares: the run's configuration, result rows, timing and the printed table."""

import os
import platform
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from bench.databases import postgres_admin_url
from bench.floors import Raw

SECTIONS = ["generate", "scorecards", "reads", "writes", "matrix", "verify", "bundle", "import", "suggest"]


@dataclass
class Config:
    """What to run, read from the environment."""

    recommendations: int = 300_000
    databases: list[str] = field(default_factory=lambda: ["sqlite", "postgresql"])
    only: list[str] = field(default_factory=lambda: list(SECTIONS))
    requests: int = 2000
    seconds: float = 20.0
    write_seconds: float = 15.0
    runs: int = 3
    reuse: bool = False
    directory: Path = Path(tempfile.gettempdir()) / "rectrack-bench"
    out: Path | None = None
    import_rows: int = 100_000
    name: str = ""

    @classmethod
    def from_env(cls) -> "Config":
        """Read BENCH_* variables."""
        env = os.environ
        config = cls()
        config.recommendations = int(env.get("BENCH_RECOMMENDATIONS", config.recommendations))
        config.databases = _list(env.get("BENCH_DATABASES"), config.databases)
        config.only = _list(env.get("BENCH_ONLY"), config.only)
        config.requests = int(env.get("BENCH_REQUESTS", config.requests))
        config.seconds = float(env.get("BENCH_SECONDS", config.seconds))
        config.write_seconds = float(env.get("BENCH_WRITE_SECONDS", config.write_seconds))
        config.runs = int(env.get("BENCH_RUNS", config.runs))
        config.reuse = env.get("BENCH_REUSE") == "1"
        config.directory = Path(env.get("BENCH_DIR", config.directory))
        config.out = Path(env["BENCH_OUT"]) if env.get("BENCH_OUT") else None
        config.import_rows = int(env.get("BENCH_IMPORT_ROWS", config.import_rows))
        config.name = env.get("BENCH_NAME") or f"rectrack_bench_{config.recommendations}"
        return config


def _list(value: str | None, default: list[str]) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()] if value else default


@dataclass
class Row:
    """One line of the results table."""

    section: str
    name: str
    db: str
    value: str
    floor: str = ""
    ratio: float | None = None
    target: str = ""
    met: bool | None = None
    note: str = ""
    data: dict[str, Any] = field(default_factory=dict)


def ms(seconds: float) -> str:
    """Seconds as milliseconds, readably."""
    return f"{seconds * 1000:,.1f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def median_time(function: Callable[[], Any], runs: int) -> tuple[float, float, Any]:
    """Median and minimum wall time of `runs` calls, and the last result."""
    times, result = [], None
    for _ in range(max(1, runs)):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), min(times), result


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    info = {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(memory / 1024 / 1024, 1),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "load_average_at_start": os.getloadavg(),
    }
    try:
        raw = Raw(postgres_admin_url())
        info["postgresql"] = raw.rows("SHOW server_version", {})[0][0]
        raw.close()
    except psycopg.Error:
        info["postgresql"] = None
    return info


def print_table(rows: list[Row]) -> None:
    """The results, one table per section."""
    for section in SECTIONS:
        chosen = [row for row in rows if row.section == section]
        if not chosen:
            continue
        print(f"\n== {section} ==")
        print("| measurement | db | value | floor | ratio | target | met | note |")
        print("|---|---|---|---|---|---|---|---|")
        for row in chosen:
            ratio = f"{row.ratio:.2f}×" if row.ratio is not None else ""
            met = {True: "met", False: "MISSED", None: ""}[row.met]
            cells = [row.name, row.db, row.value, row.floor, ratio, row.target, met, row.note]
            print("| " + " | ".join(cells) + " |")
