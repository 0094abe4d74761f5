"""The durable-commit floor: what 16 writers commit per second through the bare driver on this machine.

A bare POST commits nothing, so it says little about a write that must survive a crash. This floor does
the least an acknowledged write can do: in one transaction bump a version on the writer's own row and
append one log row of an assessment's size, then commit (fsync on PostgreSQL; a WAL append with
`synchronous=NORMAL` on SQLite, as the app). Scratch tables, dropped afterwards; no framework.
"""

import hashlib
import threading
import time

from bench.floors import Raw

ROWS_TABLE = "bench_floor_rows"
LOG_TABLE = "bench_floor_log"
PAYLOAD = "x" * 400
# The global feed lock writes took before issue 16 (any constant): the floor can still measure its cost.
HISTORY_APPEND_LOCK = 0x7265637472616B


def commit_floor(
    url: str, backend: str, writers: int, seconds: float, *, serialised: bool = False
) -> tuple[float, list[float]]:
    """Commits per second and every commit's latency (seconds) for `writers` threads on their own rows.

    `serialised` takes the global feed lock writes used to take (PostgreSQL) between the bump and the append.
    """
    setup = Raw(url)
    key = "INTEGER PRIMARY KEY AUTOINCREMENT" if backend == "sqlite" else "BIGSERIAL PRIMARY KEY"
    for statement in (
        f"DROP TABLE IF EXISTS {LOG_TABLE}",
        f"DROP TABLE IF EXISTS {ROWS_TABLE}",
        f"CREATE TABLE {ROWS_TABLE} (id INTEGER PRIMARY KEY, version INTEGER NOT NULL)",
        f"CREATE TABLE {LOG_TABLE} (id {key}, row_id INTEGER NOT NULL, payload TEXT, hash TEXT)",
    ):
        setup.db.execute(statement)
    for row in range(writers):
        setup.db.execute(setup.sql(f"INSERT INTO {ROWS_TABLE} VALUES (:id, 1)"), {"id": row})
    latencies: list[list[float]] = [[] for _ in range(writers)]
    deadline = time.monotonic() + seconds
    threads = [
        threading.Thread(target=_writer, args=(url, backend, row, deadline, latencies[row], serialised))
        for row in range(writers)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    for statement in (f"DROP TABLE {LOG_TABLE}", f"DROP TABLE {ROWS_TABLE}"):
        setup.db.execute(statement)
    setup.close()
    every = [latency for per_writer in latencies for latency in per_writer]
    return len(every) / elapsed, every


def _writer(
    url: str, backend: str, row: int, deadline: float, latencies: list[float], serialised: bool
) -> None:
    raw = Raw(url)
    if backend == "sqlite":
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=30000"):
            raw.db.execute(f"PRAGMA {pragma}")
    begin = "BEGIN IMMEDIATE" if backend == "sqlite" else "BEGIN"
    bump = raw.sql(f"UPDATE {ROWS_TABLE} SET version = version + 1 WHERE id = :id")
    append = raw.sql(f"INSERT INTO {LOG_TABLE} (row_id, payload, hash) VALUES (:id, :payload, :hash)")
    while time.monotonic() < deadline:
        started = time.monotonic()
        digest = hashlib.sha256(f"{row}:{started}".encode()).hexdigest()
        raw.db.execute(begin)
        raw.db.execute(bump, {"id": row})
        if serialised and backend == "postgresql":
            raw.db.execute(f"SELECT pg_advisory_xact_lock({HISTORY_APPEND_LOCK})")
        raw.db.execute(append, {"id": row, "payload": PAYLOAD, "hash": digest})
        raw.db.execute("COMMIT")
        latencies.append(time.monotonic() - started)
    raw.close()
