"""Profile read requests in-process: statements and CPU per request, and where the CPU goes.

    .venv/bin/python -m bench.profile_reads URL [PATH ...]   (PROFILE_REQUESTS, PROFILE_TOP: 0 times only)

The app runs on this thread's event loop with its thread-pool hops done inline, so cProfile sees a
request whole (the route, its dependencies, the middleware); that is what the server does per request,
less the hand-offs between threads.
"""

import asyncio
import cProfile
import os
import pstats
import sys
import time
from collections import Counter
from typing import Any

import anyio.to_thread
import httpx
import psycopg
from sqlalchemy import event, func, select
from sqlmodel import Session

DEFAULT_PATHS = ("/api/v1/recommendations/{code}", "/api/v1/recommendations?limit=50")


async def _inline(func: Any, *args: Any, **_kwargs: Any) -> Any:
    return func(*args)


def _codes(url: str) -> list[str]:
    from app.db import build_engine
    from app.models import Recommendation

    engine = build_engine(url)
    with Session(engine) as session:
        codes = list(session.scalars(select(Recommendation.code).order_by(func.random()).limit(500)))
    engine.dispose()
    return codes


async def _run(url: str, paths: list[str], requests: int, top: int) -> None:
    os.environ["RECTRACK_DATABASE_URL"] = url
    from app.config import get_settings
    from app.main import create_app

    get_settings.cache_clear()
    app = create_app()
    statements: Counter[str] = Counter()

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements[statement.split(None, 1)[0].upper()] += 1

    def transaction(name: str) -> Any:
        def counted(connection: Any, *_args: Any) -> None:
            # SQLite's BEGIN is a statement of its own (app/db.py); psycopg sends PostgreSQL's by itself,
            # and none at all on an autocommit connection (nor a COMMIT).
            if connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
                return
            if name != "BEGIN" or connection.dialect.name == "postgresql":
                statements[name] += 1

        return counted

    def reset(dbapi_connection: Any, *_args: Any) -> None:
        # A transaction left open when the connection goes back: the pool's reset sends a ROLLBACK.
        if app.state.engine.dialect.name == "postgresql":
            left_open = dbapi_connection.info.transaction_status != psycopg.pq.TransactionStatus.IDLE
        else:
            left_open = dbapi_connection.in_transaction
        if left_open:
            statements["ROLLBACK (pool reset)"] += 1

    event.listen(app.state.engine, "before_cursor_execute", count)
    for name in ("BEGIN", "COMMIT", "ROLLBACK"):
        event.listen(app.state.engine, name.lower(), transaction(name))
    event.listen(app.state.engine.pool, "reset", reset)
    codes = _codes(url)
    anyio.to_thread.run_sync = _inline  # type: ignore[assignment]  # profiling only: no thread hops
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        for template in paths:
            for i in range(20):  # warm the statement caches and the pool
                (await client.get(template.format(code=codes[i % len(codes)]))).raise_for_status()
            statements.clear()
            started, cpu = time.perf_counter(), time.process_time()
            for i in range(requests):
                response = await client.get(template.format(code=codes[i % len(codes)]))
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu
            assert response.status_code == 200, response.text
            per = {kind: round(n / requests, 2) for kind, n in statements.items()}
            print(
                f"{template}: {wall / requests * 1000:.2f} ms wall, {cpu / requests * 1000:.2f} ms CPU, "
                f"statements per request {per}, body {len(response.content)} bytes"
            )
            if not top:
                continue
            profile = cProfile.Profile()
            profile.enable()
            for i in range(requests):
                await client.get(template.format(code=codes[i % len(codes)]))
            profile.disable()
            pstats.Stats(profile).sort_stats("cumulative").print_stats(top)
            pstats.Stats(profile).sort_stats("tottime").print_stats(top)


def main() -> None:
    """Profile each path (default: a detail and a list's first page) against the database at URL."""
    url, *paths = sys.argv[1:]
    requests = int(os.environ.get("PROFILE_REQUESTS", "300"))
    top = int(os.environ.get("PROFILE_TOP", "40"))
    asyncio.run(_run(url, paths or list(DEFAULT_PATHS), requests, top))


if __name__ == "__main__":
    main()
