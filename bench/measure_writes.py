"""Assessment writes by 16 concurrent clients through uvicorn, 1 and 2 workers, beside a bare POST."""

import threading
from collections import Counter
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlmodel import Session

from app.db import build_engine
from app.models import HistoryEntry, Recommendation
from bench import load
from bench.ablation import periods_trigger_off
from bench.commit_floor import commit_floor
from bench.floors import Raw
from bench.generate import issue_tokens
from bench.report import Config, Row
from bench.server import APP, BARE_APP, Server
from bench.timed_app import parse

# The real app plus a Server-Timing header (bench/timed_app.py): what a write costs inside the server.
TIMED_APP = "bench.timed_app:create_app"

WRITERS = 16
NO_PERIODS = "status periods off"  # the real app, the periods' trigger off for the run (measurement only)


class WaitSampler(threading.Thread):
    """Samples what PostgreSQL backends of one database are waiting on, every 20 ms."""

    def __init__(self, url: str, name: str):
        super().__init__(daemon=True)
        self.raw, self.name = Raw(url), name
        self.samples: Counter = Counter()
        self.stopping = threading.Event()

    def run(self) -> None:
        sql = (
            "SELECT coalesce(wait_event_type || ':' || wait_event, 'running') FROM pg_stat_activity "
            "WHERE datname = %s AND state = 'active' AND pid <> pg_backend_pid()"
        )
        while not self.stopping.is_set():
            for (event,) in self.raw.db.execute(sql, (self.name,)).fetchall():
                self.samples[event] += 1
            self.stopping.wait(0.02)
        self.raw.close()

    def summary(self) -> str:
        """The commonest states as shares of all active-backend samples."""
        total = sum(self.samples.values()) or 1
        return ", ".join(f"{event} {count / total:.0%}" for event, count in self.samples.most_common(4))


def write_rows(url: str, backend: str, config: Config) -> list[Row]:
    """Assessment writes by 16 clients on 16 recommendations, 1 and 2 workers, beside a bare POST."""
    tokens = issue_tokens(url, WRITERS)
    engine = build_engine(url)
    with Session(engine) as session:
        codes = session.scalars(select(Recommendation.code).order_by(func.random()).limit(WRITERS)).all()
    engine.dispose()
    rows, durable = _commit_floor_rows(url, backend, config)
    # Each database's best worker count once more with the periods' trigger off: what keeping them costs.
    runs = [(APP, 1), (APP, 2), (NO_PERIODS, 2 if backend == "postgresql" else 1)]
    for app, workers in runs:
        with Server(BARE_APP, workers=workers) as server:
            bare = load.run(
                load.closed_loop(
                    server.port,
                    load.post("/bare", {"status": "implemented"}),
                    name="bare",
                    concurrency=WRITERS,
                    requests=10**9,
                    seconds=config.write_seconds,
                    expect=frozenset({201}),
                )
            )
        if app == NO_PERIODS:
            with periods_trigger_off(url, _ids(url, codes)):
                result = _write_run(APP, url, backend, workers, codes, tokens, config)
        else:
            result = _write_run(app, url, backend, workers, codes, tokens, config)
        stats = result["stats"]
        ratio = stats.throughput / bare.throughput
        errors = stats.failures + result["missing"]
        plural = "s" if workers > 1 else ""
        name = f"assessments, {WRITERS} clients, {workers} worker{plural}"
        note = (
            f"{stats.throughput / durable:.0%} of the durable-commit floor; server used "
            f"{result['cores']:.2f} cores; {result['missing']} acknowledged writes missing"
        )
        if result["server"]:
            note += f"; {result['server']}"
        if result["waits"]:
            note += f"; backends: {result['waits']}"
        value = f"{stats.throughput:,.0f}/s, p95 {stats.percentile(95):.1f} ms, {errors} errors"
        floor = f"{bare.throughput:,.0f}/s, p95 {bare.percentile(95):.1f} ms"
        data = {
            "errors": dict(stats.errors),
            "writes": len(stats.latencies),
            "p50": stats.percentile(50),
            "cpu_ms_per_write": result["cores"] / stats.throughput * 1000 if stats.throughput else None,
            **result["timing"],
        }
        if app != APP:
            what = "the status periods' trigger off"
            rows.append(
                Row(
                    "writes",
                    f"{name}, {what} (measurement only)",
                    backend,
                    value,
                    floor,
                    ratio,
                    note=note,
                    data=data,
                )
            )
        else:
            rows.append(
                Row(
                    "writes",
                    name,
                    backend,
                    value,
                    floor,
                    ratio,
                    "≥ 40% of floor, 0 errors",
                    ratio >= 0.4 and errors == 0,
                    note,
                    data,
                )
            )
        print(f"[{backend}] {name} ({app}): {stats.throughput:.0f}/s vs bare {bare.throughput:.0f}/s")
    return rows


def _commit_floor_rows(url: str, backend: str, config: Config) -> tuple[list[Row], float]:
    """The raw driver's durable commits with 16 writers (and, on PostgreSQL, under the feed lock)."""
    rows, rate = [], 0.0
    variants = [False, True] if backend == "postgresql" else [False]
    for serialised in variants:
        throughput, latencies = commit_floor(
            url, backend, WRITERS, config.write_seconds, serialised=serialised
        )
        latencies.sort()
        p95 = latencies[int(len(latencies) * 0.95)] * 1000 if latencies else 0.0
        name = f"durable-commit floor: {WRITERS} raw-driver writers, bump + append + commit"
        if serialised:
            name += ", under the feed's advisory lock (measurement)"
        else:
            rate = throughput
        rows.append(Row("writes", name, backend, f"{throughput:,.0f}/s, p95 {p95:.1f} ms"))
        print(f"[{backend}] {name}: {throughput:.0f}/s")
    return rows, rate


def _ids(url: str, codes: list[str]) -> list[int]:
    engine = build_engine(url)
    with Session(engine) as session:
        ids = list(session.scalars(select(Recommendation.id).where(Recommendation.code.in_(codes))))
    engine.dispose()
    return ids


def _write_run(
    app: str, url: str, backend: str, workers: int, codes: list[str], tokens: list[str], config: Config
) -> dict[str, Any]:
    acknowledged: list[int] = []
    timings: list[str] = []
    sampler = WaitSampler(url, make_url(url).database) if backend == "postgresql" else None
    served = TIMED_APP if app == APP else app
    with Server(served, workers=workers, env={"RECTRACK_DATABASE_URL": url}) as server:
        if sampler is not None:
            sampler.start()
        cpu = server.cpu_seconds()
        stats = load.run(
            load.closed_loop(
                server.port,
                load.assessments(codes, tokens, acknowledged, timings),
                name="writes",
                concurrency=WRITERS,
                requests=10**9,
                seconds=config.write_seconds,
                expect=frozenset({201}),
            )
        )
        cores = (server.cpu_seconds() - cpu) / stats.seconds
        if sampler is not None:
            sampler.stopping.set()
            sampler.join()
    engine = build_engine(url)
    with Session(engine) as session:
        found = (
            session.scalar(select(func.count()).where(HistoryEntry.id.in_(acknowledged)))
            if acknowledged
            else 0
        )
    engine.dispose()
    timing = server_timing(timings)
    cpu = cores / stats.throughput * 1000 if stats.throughput else 0.0
    return {
        "stats": stats,
        "timing": timing,
        "server": (
            f"server per write: p50 {timing['app_p50_ms']:.1f} ms in the app, {timing['db_mean_ms']:.1f} ms "
            f"in SQL, {timing['statements']:.0f} statements, {cpu:.1f} ms CPU"
            if timing
            else ""
        ),
        "cores": cores,
        "missing": len(acknowledged) - found,
        "waits": sampler.summary() if sampler is not None else "",
    }


def server_timing(headers: list[str]) -> dict[str, float]:
    """Medians and means of the Server-Timing headers of acknowledged writes (empty when none came)."""
    parsed = [parse(header) for header in headers]
    if not parsed:
        return {}
    apps = sorted(values["app"] for values in parsed)
    return {
        "app_p50_ms": apps[len(apps) // 2],
        "app_mean_ms": sum(apps) / len(apps),
        "db_mean_ms": sum(values["db"] for values in parsed) / len(parsed),
        "statements": sorted(values["statements"] for values in parsed)[len(parsed) // 2],
    }
