"""Async load, bounded in requests and in time, to 127.0.0.1 only.

Timed closed loops use the lean client in `bench.wire`; the mixed soak load uses httpx.
"""

import asyncio
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import httpx

from bench.wire import Connection, WireError

try:
    import uvloop
except ImportError:  # uvicorn[standard] brings it; without it asyncio's own loop works too
    uvloop = None

Operation = Callable[[Connection, int], Awaitable[int]]


def run(coroutine: Awaitable[Any]) -> Any:
    """Run a coroutine on uvloop when available: the client must cost less CPU than the server."""
    if uvloop is not None:
        return uvloop.run(coroutine)
    return asyncio.run(coroutine)


def client(base_url: str, concurrency: int, timeout: float = 30) -> httpx.AsyncClient:
    """A keep-alive client with one connection per concurrent caller; refuses anything but loopback."""
    if urlsplit(base_url).hostname != "127.0.0.1":
        raise ValueError("load is only ever sent to 127.0.0.1")
    # Idle connections are dropped before uvicorn's 5 s keep-alive timeout would close them under a request.
    limits = httpx.Limits(
        max_connections=concurrency, max_keepalive_connections=concurrency, keepalive_expiry=2.0
    )
    return httpx.AsyncClient(base_url=base_url, limits=limits, timeout=timeout)


@dataclass
class Stats:
    """Latencies (seconds) and outcomes of one measured run."""

    name: str
    latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    def percentile(self, q: float) -> float:
        """The q-th percentile latency in milliseconds (nearest rank)."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))] * 1000

    @property
    def throughput(self) -> float:
        """Completed requests per second."""
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    @property
    def failures(self) -> int:
        """Transport errors plus responses with an unexpected status."""
        return sum(self.errors.values())


async def closed_loop(
    port: int,
    operation: Operation,
    *,
    name: str,
    concurrency: int,
    requests: int,
    seconds: float,
    expect: frozenset[int] = frozenset({200}),
) -> Stats:
    """`concurrency` callers, a connection each, repeat `operation` until `requests` or `seconds` run out."""
    stats = Stats(name)
    remaining = requests
    deadline = time.monotonic() + seconds

    async def caller(index: int) -> None:
        nonlocal remaining
        connection = Connection(port)
        while remaining > 0 and time.monotonic() < deadline:
            remaining -= 1
            started = time.perf_counter()
            try:
                status = await operation(connection, index)
            except (WireError, OSError) as error:
                stats.errors[type(error).__name__] += 1
                continue
            stats.latencies.append(time.perf_counter() - started)
            stats.statuses[status] += 1
            if status not in expect:
                stats.errors[f"HTTP {status}"] += 1
        await connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(caller(index) for index in range(concurrency)))
    stats.seconds = time.perf_counter() - started
    return stats


def get(path: str | Callable[[int], str]) -> Operation:
    """An operation that GETs a fixed path, or a path chosen per request from the caller's index."""

    async def operation(connection: Connection, index: int) -> int:
        reply = await connection.request("GET", path(index) if callable(path) else path, keep_body=False)
        return reply.status

    return operation


def post(path: str, body: dict[str, Any]) -> Operation:
    """An operation that POSTs a fixed JSON body."""

    async def operation(connection: Connection, _index: int) -> int:
        return (await connection.request("POST", path, body=body, keep_body=False)).status

    return operation


def assessments(
    codes: list[str], tokens: list[str], acknowledged: list[int], timings: list[str] | None = None
) -> Operation:
    """Caller i records assessments of codes[i] under If-Match, re-reading on 412.

    `timings` collects each acknowledged write's Server-Timing header, when the server sends one.
    """
    etags: dict[str, str] = {}

    async def operation(connection: Connection, index: int) -> int:
        code = codes[index]
        auth = {"Authorization": f"Bearer {tokens[index % len(tokens)]}"}
        body = {"status": "partially_implemented", "summary": f"[synthetic] Benchmark write to {code}."}
        for _ in range(10):
            if code not in etags:
                reply = await connection.request("GET", f"/api/v1/recommendations/{code}", keep_body=False)
                etags[code] = reply.headers["etag"]
            path = f"/api/v1/recommendations/{code}/assessments"
            reply = await connection.request(
                "POST", path, headers={**auth, "If-Match": etags[code]}, body=body
            )
            if reply.status == 412:
                etags.pop(code)
                continue
            if reply.status == 201:
                etags[code] = reply.headers["etag"]
                acknowledged.append(reply.json()["entry"]["id"])
                if timings is not None and "server-timing" in reply.headers:
                    timings.append(reply.headers["server-timing"])
            return reply.status
        return 412

    return operation


@dataclass
class Ledger:
    """What the clients were told: every acknowledged write, every status, every transport error."""

    acknowledged: list[dict[str, Any]] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    transport_errors: Counter = field(default_factory=Counter)
    retries: int = 0
    gave_up: int = 0
    feed_seen: set[int] = field(default_factory=set)
    feed_repeats: int = 0  # entries the follower was served twice: a served entry moved
    feed_after: int = 0
    requests: int = 0
    seconds: float = 0.0

    @property
    def server_errors(self) -> int:
        """Responses with a 5xx status."""
        return sum(count for status, count in self.statuses.items() if status >= 500)


async def request(http: httpx.AsyncClient, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """One request; whatever the client stack raises when the server vanishes becomes a TransportError."""
    try:
        return await http.request(method, url, **kwargs)
    except httpx.HTTPError:
        raise
    except (OSError, AttributeError, RuntimeError) as error:
        # Seen during the kill -9: httpcore asks anyio for the peer of a socket that is already gone.
        raise httpx.TransportError(f"{type(error).__name__}: {error}") from error


class Writer:
    """Writes with If-Match: keeps each recommendation's ETag, re-reads and retries on 412."""

    def __init__(self, http: httpx.AsyncClient, token: str, ledger: Ledger, rng: random.Random):
        self.http, self.ledger, self.rng = http, ledger, rng
        self.headers = {"Authorization": f"Bearer {token}"}
        self.etags: dict[str, str] = {}

    async def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        self.ledger.requests += 1
        response = await request(self.http, method, url, **kwargs)
        self.ledger.statuses[response.status_code] += 1
        return response

    async def read(self, code: str) -> None:
        """GET the recommendation for its current ETag."""
        response = await self._send("GET", f"/api/v1/recommendations/{code}")
        if response.status_code == 200:
            self.etags[code] = response.headers["etag"]

    async def write(self, code: str, attempts: int = 20) -> httpx.Response | None:
        """An assessment (or, one time in five, an evidence link) under If-Match; None if it gave up."""
        body, path = self._body(code)
        for _ in range(attempts):
            if code not in self.etags:
                await self.read(code)
            headers = {**self.headers, "If-Match": self.etags.get(code, '"0"')}
            response = await self._send(
                "POST", f"/api/v1/recommendations/{code}/{path}", json=body, headers=headers
            )
            if response.status_code == 412:
                self.ledger.retries += 1
                self.etags.pop(code, None)
                continue
            if response.status_code == 201:
                data = response.json()
                self.etags[code] = response.headers["etag"]
                entry = data["entry"]
                self.ledger.acknowledged.append(
                    {"code": code, "id": entry["id"], "seq": entry["seq"], "hash": entry["hash"]}
                )
            return response
        self.ledger.gave_up += 1
        return None

    def _body(self, code: str) -> tuple[dict[str, Any], str]:
        rng = self.rng
        if rng.random() < 0.2:
            n = rng.randrange(10**12)
            return {
                "url": f"https://evidence.example.org/load/{n}",
                "title": f"[synthetic] Load-test evidence {n}",
                "kind": "news",
                "relation": "progress",
            }, "evidence"
        status = rng.choice(["not_implemented", "partially_implemented", "implemented", "regressed"])
        perspective = rng.choice(["independent", "independent", "independent", "state"])
        return {
            "status": status,
            "perspective": perspective,
            "summary": f"[synthetic] Load-test assessment of {code}.",
            "effective_on": date(2020 + rng.randrange(6), 1 + rng.randrange(12), 1).isoformat(),
        }, "assessments"


async def mixed_load(
    base_url: str,
    tokens: list[str],
    codes: list[str],
    *,
    clients: int,
    seconds: float,
    write_share: float = 0.3,
    hot: int = 16,
    seed: int = 64,
    ledger: Ledger | None = None,
    feed_after: int = 0,
    stop: asyncio.Event | None = None,
) -> Ledger:
    """`clients` callers mixing reads and If-Match writes (a hot set makes them collide), and a feed reader.

    Runs until `seconds` pass or `stop` is set. Transport errors are counted and the caller carries on
    after a pause: the crash test kills the server under this load and restarts it.
    """
    ledger = ledger or Ledger(feed_after=feed_after)
    hot_codes = codes[:hot]
    deadline = time.monotonic() + seconds
    stop = stop or asyncio.Event()

    def going() -> bool:
        return time.monotonic() < deadline and not stop.is_set()

    async def caller(index: int, http: httpx.AsyncClient) -> None:
        rng = random.Random(seed * 1000 + index)
        writer = Writer(http, tokens[index % len(tokens)], ledger, rng)
        while going():
            code = rng.choice(hot_codes) if rng.random() < 0.5 else rng.choice(codes)
            try:
                if rng.random() < write_share:
                    await writer.write(code)
                else:
                    await _read(writer, rng, code)
            except httpx.HTTPError as error:
                method = error.request.method if _has_request(error) else "?"
                ledger.transport_errors[f"{type(error).__name__} ({method})"] += 1
                writer.etags.clear()
                await asyncio.sleep(0.05)

    async def feed_follower(http: httpx.AsyncClient) -> None:
        while going():
            try:
                params = {"after": ledger.feed_after, "limit": 500}
                response = await request(http, "GET", "/api/v1/history", params=params)
            except httpx.HTTPError as error:
                ledger.transport_errors[type(error).__name__] += 1
                await asyncio.sleep(0.05)
                continue
            ledger.requests += 1
            ledger.statuses[response.status_code] += 1
            if response.status_code == 200:
                page = response.json()
                ids = [item["id"] for item in page["items"]]
                ledger.feed_repeats += len(ids) - len(set(ids) - ledger.feed_seen)
                ledger.feed_seen.update(ids)
                ledger.feed_after = page["next_after"]
            await asyncio.sleep(0.02)

    async with client(base_url, clients + 1) as http:
        started = time.perf_counter()
        await asyncio.gather(feed_follower(http), *(caller(index, http) for index in range(clients)))
        ledger.seconds += time.perf_counter() - started
    return ledger


def _has_request(error: httpx.HTTPError) -> bool:
    try:
        return error.request is not None
    except RuntimeError:  # httpx raises when the error carries no request
        return False


async def _read(writer: Writer, rng: random.Random, code: str) -> None:
    choice = rng.random()
    if choice < 0.5:
        await writer.read(code)
    elif choice < 0.75:
        await writer._send("GET", f"/api/v1/recommendations/{code}/history")
    else:
        params = rng.choice(
            [{"limit": 20}, {"status": "implemented", "limit": 20}, {"theme": "media-freedom"}]
        )
        await writer._send("GET", "/api/v1/recommendations", params=params)
