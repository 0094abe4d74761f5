"""`make soak`: mixed load with If-Match writes, then the same load with a kill -9 of the server mid-run.

After each run every acknowledged write must be in the history, every chain must verify, no write may be
half done, the feed must not have skipped an entry, and on SQLite `PRAGMA integrity_check` must say ok.
Environment: SOAK_SECONDS (60), SOAK_CLIENTS (64), SOAK_RECOMMENDATIONS (2000), SOAK_DATABASES
(sqlite,postgresql), BENCH_POSTGRES_URL as for `make bench`.
"""

import asyncio
import json
import os
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlmodel import Session

from app.db import build_engine, is_postgres
from app.history.feed_order import after_entry
from app.history.verify import verify_chains
from app.models import HistoryEntry, Recommendation, RecommendationEvidence
from app.vocabulary import Perspective
from bench.consistency import latest_status
from bench.databases import BenchDatabase, postgres_admin_url, postgres_available
from bench.generate import generate, issue_tokens
from bench.load import Ledger, mixed_load, run
from bench.server import APP, Server

WORKERS = {"sqlite": 1, "postgresql": 2}
# How long a crash run waits beyond its planned interval for a first acknowledged write (a loaded machine).
PROGRESS_WAIT_S = 60


@dataclass
class Outcome:
    """One run: what the clients saw and what the checks found."""

    name: str
    backend: str
    workers: int
    ledger: Ledger
    problems: list[str] = field(default_factory=list)
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """No problem found."""
        return not self.problems


@dataclass
class Baseline:
    """Where the data stood before the run: the newest entry and link ids."""

    entry_id: int
    link_id: int


def baseline(url: str) -> Baseline:
    """The newest history entry and evidence link before the run."""
    engine = build_engine(url)
    with Session(engine) as session:
        entry_id = session.scalar(select(func.max(HistoryEntry.id))) or 0
        link_id = session.scalar(select(func.max(RecommendationEvidence.id))) or 0
    engine.dispose()
    return Baseline(entry_id, link_id)


def codes_and_tokens(url: str, tokens: list[str] | None) -> tuple[list[str], list[str]]:
    """Every recommendation code (natural order), and the given tokens or fresh ones (synthetic monitors)."""
    engine = build_engine(url)
    with Session(engine) as session:
        codes = session.scalars(
            select(Recommendation.code).order_by(
                Recommendation.source_id, Recommendation.section_number, Recommendation.number
            )
        ).all()
    engine.dispose()
    return list(codes), tokens or issue_tokens(url, 16)


def soak_run(
    url: str,
    backend: str,
    *,
    clients: int,
    seconds: float,
    workers: int | None = None,
    tokens: list[str] | None = None,
) -> Outcome:
    """Mixed reads and writes against a fresh server, then the checks; no transport error is allowed."""
    workers = workers or WORKERS[backend]
    codes, tokens = codes_and_tokens(url, tokens)
    before = baseline(url)
    with Server(APP, workers=workers, env={"RECTRACK_DATABASE_URL": url}) as server:
        ledger = run(
            mixed_load(
                server.base_url,
                tokens,
                codes,
                clients=clients,
                seconds=seconds,
                feed_after=before.entry_id,
                hot=min(16, len(codes) // 3 or 1),
            )
        )
    outcome = Outcome("soak", backend, workers, ledger)
    outcome.problems = check(url, ledger, before)
    if ledger.transport_errors:
        outcome.problems.append(f"transport errors without a crash: {dict(ledger.transport_errors)}")
    return outcome


def crash_run(
    url: str,
    backend: str,
    *,
    clients: int,
    before_kill: float,
    after_restart: float,
    workers: int | None = None,
    tokens: list[str] | None = None,
) -> Outcome:
    """The same load with more writes; kill -9 the whole server, restart it, carry on, then check."""
    workers = workers or WORKERS[backend]
    codes, tokens = codes_and_tokens(url, tokens)
    before = baseline(url)
    server = Server(APP, workers=workers, env={"RECTRACK_DATABASE_URL": url}).start()
    notes: dict[str, Any] = {}

    async def scenario() -> Ledger:
        ledger, stop = Ledger(feed_after=before.entry_id), asyncio.Event()
        load = asyncio.create_task(
            mixed_load(
                server.base_url,
                tokens,
                codes,
                clients=clients,
                seconds=before_kill + after_restart + 120,
                write_share=0.6,
                ledger=ledger,
                hot=min(16, len(codes) // 3 or 1),
                stop=stop,
            )
        )
        await _writes_acknowledged(ledger, before_kill, more_than=0)
        notes["acknowledged_before_kill"] = len(ledger.acknowledged)
        server.kill()
        started = time.monotonic()
        await asyncio.to_thread(server.start)
        notes["restart_seconds"] = round(time.monotonic() - started, 2)
        await _writes_acknowledged(ledger, after_restart, more_than=notes["acknowledged_before_kill"])
        stop.set()
        return await load

    try:
        ledger = run(scenario())
    finally:
        server.stop()
    outcome = Outcome("crash", backend, workers, ledger, notes=notes)
    outcome.problems = check(url, ledger, before)
    if notes["acknowledged_before_kill"] == len(ledger.acknowledged):
        outcome.problems.append("no write was acknowledged after the restart")
    return outcome


async def _writes_acknowledged(ledger: Ledger, seconds: float, *, more_than: int) -> None:
    """Wait `seconds`, then on until more than `more_than` writes are acknowledged (at most a minute more):
    on a loaded machine the first write may take longer than the planned interval, and a kill before any
    acknowledged write, or a stop before any after the restart, would test nothing."""
    await asyncio.sleep(seconds)
    deadline = time.monotonic() + PROGRESS_WAIT_S
    while len(ledger.acknowledged) <= more_than and time.monotonic() < deadline:
        await asyncio.sleep(0.1)


def check(url: str, ledger: Ledger, before: Baseline) -> list[str]:
    """Everything that must hold after a run; an empty list when it all does."""
    problems = []
    if ledger.server_errors:
        problems.append(f"{ledger.server_errors} responses with a 5xx status: {dict(ledger.statuses)}")
    if not ledger.acknowledged:
        problems.append("no write was acknowledged at all")
    engine = build_engine(url)
    with Session(engine) as session:
        problems += _acknowledged_present(session, ledger, before)
        report = verify_chains(session)
        if not report["ok"]:
            problems.append(f"chain broken: {report['first_broken']}")
        problems += _no_half_writes(session, before)
        problems += _feed_complete(session, ledger, before)
    engine.dispose()
    if make_url(url).get_backend_name() == "sqlite":
        problems += _sqlite_integrity(make_url(url).database)
    return problems


def _acknowledged_present(session: Session, ledger: Ledger, before: Baseline) -> list[str]:
    stored = {
        entry_hash: (entry_id, seq, code)
        for entry_id, seq, entry_hash, code in session.execute(
            select(HistoryEntry.id, HistoryEntry.seq, HistoryEntry.hash, Recommendation.code)
            .join(Recommendation, Recommendation.id == HistoryEntry.recommendation_id)
            .where(HistoryEntry.id > before.entry_id)
        )
    }
    missing = [
        write
        for write in ledger.acknowledged
        if stored.get(write["hash"]) != (write["id"], write["seq"], write["code"])
    ]
    if missing:
        total = len(ledger.acknowledged)
        return [f"{len(missing)} of {total} acknowledged writes are not in the history: {missing[:3]}"]
    return []


def _no_half_writes(session: Session, before: Baseline) -> list[str]:
    """Each new link has its entry and each new entry's effect is there: statuses agree with history."""
    problems = []
    linked = {
        (rec_id, json.loads(payload)["evidence_id"])
        for rec_id, payload in session.execute(
            select(HistoryEntry.recommendation_id, HistoryEntry.payload).where(
                HistoryEntry.id > before.entry_id, HistoryEntry.kind == "evidence_linked"
            )
        )
    }
    links = set(
        session.execute(
            select(RecommendationEvidence.recommendation_id, RecommendationEvidence.evidence_id).where(
                RecommendationEvidence.id > before.link_id
            )
        ).tuples()
    )
    if linked != links:
        problems.append(f"evidence links and their entries disagree: {len(links ^ linked)} without a partner")
    touched = session.scalars(
        select(Recommendation).where(
            Recommendation.id.in_(
                select(HistoryEntry.recommendation_id).where(HistoryEntry.id > before.entry_id).distinct()
            )
        )
    ).all()
    for rec in touched:
        if rec.status != latest_status(session, rec.id, Perspective.independent) or (
            rec.claimed_status != latest_status(session, rec.id, Perspective.state)
        ):
            problems.append(f"{rec.code}: the denormalised status disagrees with its history")
    return problems


def _feed_complete(session: Session, ledger: Ledger, before: Baseline) -> list[str]:
    """The follower must have seen every entry up to where it got, in feed order: a skipped entry is lost
    for ever (PostgreSQL's order is (transaction, id), so "up to" is not "id up to")."""
    postgres = is_postgres(session)
    ids = set(
        session.scalars(
            select(HistoryEntry.id).where(
                HistoryEntry.id > before.entry_id, ~after_entry(ledger.feed_after, postgres)
            )
        )
    )
    skipped = sorted(ids - ledger.feed_seen)
    problems = [f"the feed skipped {len(skipped)} entries, e.g. {skipped[:5]}"] if skipped else []
    if ledger.feed_repeats:
        problems.append(f"the feed served {ledger.feed_repeats} entries twice")
    return problems


def _sqlite_integrity(path: str) -> list[str]:
    with sqlite3.connect(path) as connection:
        result = [row[0] for row in connection.execute("PRAGMA integrity_check")]
        foreign = connection.execute("PRAGMA foreign_key_check").fetchall()
    problems = [] if result == ["ok"] else [f"PRAGMA integrity_check: {result[:5]}"]
    if foreign:
        problems.append(f"PRAGMA foreign_key_check: {foreign[:5]}")
    return problems


def summary(outcome: Outcome) -> str:
    """One table row."""
    ledger = outcome.ledger
    errors = sum(ledger.transport_errors.values())
    rate = ledger.requests / ledger.seconds if ledger.seconds else 0
    checks = "ok" if outcome.ok else "FAILED: " + "; ".join(outcome.problems)
    cells = [
        outcome.name, outcome.backend, str(outcome.workers), f"{ledger.seconds:.0f} s",
        f"{ledger.requests:,}", f"{rate:,.0f}/s", f"{len(ledger.acknowledged):,}", f"{ledger.retries:,}",
        str(ledger.gave_up), str(ledger.server_errors), str(errors), checks,
    ]  # fmt: skip
    return "| " + " | ".join(cells) + " |"


HEADER = (
    "| run | db | workers | time | requests | rate | writes acknowledged | 412 retries | gave up | 5xx "
    "| transport errors | checks |\n|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def main() -> int:
    """Soak and crash on each database; print the table; exit 1 if any check failed."""
    env = os.environ
    seconds = float(env.get("SOAK_SECONDS", 60))
    clients = int(env.get("SOAK_CLIENTS", 64))
    size = int(env.get("SOAK_RECOMMENDATIONS", 2000))
    backends = [
        name.strip() for name in env.get("SOAK_DATABASES", "sqlite,postgresql").split(",") if name.strip()
    ]
    admin = postgres_admin_url()
    outcomes = []
    directory = Path(tempfile.gettempdir()) / "rectrack-soak"
    for backend in backends:
        if backend == "postgresql" and (problem := postgres_available(admin)):
            print(f"[postgresql] skipped: {problem} (set BENCH_POSTGRES_URL)")
            continue
        database = BenchDatabase(backend, "rectrack_soak", directory, admin)
        try:
            database.create()
            generate(database.url, size, log=lambda _line: None)
            print(f"[{backend}] soak: {clients} clients for {seconds:.0f} s, {WORKERS[backend]} worker(s)")
            outcomes.append(soak_run(database.url, backend, clients=clients, seconds=seconds))
            print(summary(outcomes[-1]))
            half = f"{seconds / 2:.0f} s"
            print(f"[{backend}] crash: the same load, kill -9 after {half}, restart, then {half} more")
            outcomes.append(
                crash_run(
                    database.url, backend, clients=clients, before_kill=seconds / 2, after_restart=seconds / 2
                )
            )
            print(summary(outcomes[-1]))
        finally:
            database.drop()
    print("\n" + HEADER)
    for outcome in outcomes:
        print(summary(outcome))
    for outcome in outcomes:
        if outcome.notes:
            print(f"{outcome.name} on {outcome.backend}: {outcome.notes}")
    return 0 if outcomes and all(outcome.ok for outcome in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
