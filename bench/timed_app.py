"""The real app measured from inside: a Server-Timing header on every response (measurement only).

`app;dur` is the time from the request reaching the app to the response starting (after the commit, which
happens before the response is sent); `db;dur` the time spent in SQL statements and commits, and its
description how many statements the request sent (BEGIN and COMMIT included). The counter lives in a context
variable, which anyio copies into the thread that runs a sync route or dependency.
"""

import os
import sys
import time
from contextvars import ContextVar
from typing import Any

from fastapi import FastAPI
from sqlalchemy import event

from app.main import create_app as create_real_app

HEADER = b"server-timing"
_request: ContextVar["RequestTiming | None"] = ContextVar("rectrack_request_timing", default=None)


class RequestTiming:
    """What one request spent in the database so far."""

    __slots__ = ("db_seconds", "statements", "started")

    def __init__(self) -> None:
        self.db_seconds = 0.0
        self.statements = 0
        self.started = 0.0


def create_app() -> FastAPI:
    """The real app with the database counters and the Server-Timing middleware."""
    if os.environ.get("BENCH_SWITCH_INTERVAL"):
        sys.setswitchinterval(float(os.environ["BENCH_SWITCH_INTERVAL"]))
    app = create_real_app()
    engine = app.state.engine
    event.listen(engine, "before_cursor_execute", _before)
    event.listen(engine, "after_cursor_execute", _after)
    event.listen(engine, "begin", _begin)
    event.listen(engine, "commit", _end)
    event.listen(engine, "rollback", _end)
    app.add_middleware(ServerTiming)
    return app


def _before(*_args: Any) -> None:
    if (timing := _request.get()) is not None:
        timing.started = time.perf_counter()


def _after(*_args: Any) -> None:
    if (timing := _request.get()) is not None:
        timing.db_seconds += time.perf_counter() - timing.started
        timing.statements += 1


def _begin(*_args: Any) -> None:
    # PostgreSQL's BEGIN is sent by psycopg with the first statement; SQLite's is a cursor execute already.
    if (timing := _request.get()) is not None and _args[0].dialect.name == "postgresql":
        timing.statements += 1


def _end(*_args: Any) -> None:
    if (timing := _request.get()) is not None:
        timing.statements += 1


class ServerTiming:
    """ASGI middleware: adds `Server-Timing: app;dur=…, db;dur=…;desc="N statements"`."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        timing = RequestTiming()
        token = _request.set(timing)
        started = time.perf_counter()

        async def timed_send(message: dict) -> None:
            if message["type"] == "http.response.start":
                elapsed = (time.perf_counter() - started) * 1000
                value = (
                    f'app;dur={elapsed:.3f}, db;dur={timing.db_seconds * 1000:.3f};desc="{timing.statements}"'
                )
                message["headers"] = [*message.get("headers", []), (HEADER, value.encode())]
            await send(message)

        try:
            await self.app(scope, receive, timed_send)
        finally:
            _request.reset(token)


def parse(header: str) -> dict[str, float]:
    """`{"app": ms, "db": ms, "statements": n}` from a Server-Timing value written above."""
    values: dict[str, float] = {}
    for metric in header.split(","):
        name, *params = (part.strip() for part in metric.split(";"))
        for param in params:
            key, _, value = param.partition("=")
            if key == "dur":
                values[name] = float(value)
            elif key == "desc" and name == "db":
                values["statements"] = float(value.strip('"'))
    return values
