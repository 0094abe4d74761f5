"""The whole implementation matrix as CSV and XLSX through uvicorn: time and the server's peak memory."""

import asyncio
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from bench import load
from bench.report import Row
from bench.server import APP, ROOT, Server
from bench.wire import Connection


class RssSampler(threading.Thread):
    """The highest resident set of a server's processes, sampled every 10 ms (beside VmHWM)."""

    def __init__(self, server: Server):
        super().__init__(daemon=True)
        self.server, self.peak_kb = server, 0
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            for rss, _ in self.server.memory_kb().values():
                self.peak_kb = max(self.peak_kb, rss)
            self.stopping.wait(0.01)


def matrix_rows(url: str, backend: str, total: int) -> list[Row]:
    """The whole matrix as CSV and XLSX through uvicorn: time and peak memory growth of the server."""
    if not (ROOT / "app" / "reports" / "matrix.py").exists():
        return [Row("matrix", "not measured", backend, "app/reports/matrix.py is not there yet")]
    with tempfile.TemporaryDirectory() as directory:
        target = Path(directory) / "floor.csv"
        output = subprocess.run(
            [sys.executable, "-m", "bench.floors", "matrix-csv", url, str(target)],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        ).stdout
    floor = json.loads(output)
    floor_growth = (floor["peak_kb"] - floor["rss_before_kb"]) / 1024
    rows = []
    for fmt, limit in (("csv", 100), ("xlsx", 300)):
        result = _matrix_request(url, fmt)
        growth = result["growth_mb"]
        ok = result["status"] == 200 and growth < limit and result.get("rows", total) == total
        rows.append(
            Row(
                "matrix",
                f"{total:,} rows as {fmt.upper()}",
                backend,
                f"{result['seconds']:,.1f} s, +{growth:,.0f} MB, {result['bytes'] / 1e6:,.0f} MB",
                f"{floor['seconds']:,.1f} s, +{floor_growth:,.0f} MB (raw SELECT + csv)",
                result["seconds"] / floor["seconds"],
                f"peak growth < {limit} MB",
                ok,
                f"HTTP {result['status']}" + (f", {result['rows']:,} rows" if "rows" in result else ""),
                result,
            )
        )
        print(f"[{backend}] matrix {fmt}: {result['seconds']:.1f} s, +{growth:.0f} MB")
    return rows


def _matrix_request(url: str, fmt: str) -> dict[str, Any]:
    # The whole matrix as a document: more rows than the public may have one of without a token.
    env = {"RECTRACK_DATABASE_URL": url, "RECTRACK_PUBLIC_DOCUMENT_ROWS": "1000000"}
    with Server(APP, workers=1, env=env) as server:
        load.run(
            load.closed_loop(
                server.port,
                load.get("/api/v1/recommendations?limit=5"),
                name="warm",
                concurrency=1,
                requests=20,
                seconds=10,
            )
        )
        baseline = max(rss for rss, _ in server.memory_kb().values())
        reset = server.reset_peaks()
        sampler = RssSampler(server)
        sampler.start()
        lines = SimpleNamespace(count=0)

        def count(data: bytes) -> None:
            lines.count += data.count(b"\r\n")

        async def fetch():
            connection = Connection(server.port)
            try:
                return await connection.request(
                    "GET",
                    f"/api/v1/reports/matrix?format={fmt}",
                    keep_body=False,
                    sink=count if fmt == "csv" else None,
                )
            finally:
                await connection.close()

        started = time.perf_counter()
        reply = load.run(asyncio.wait_for(fetch(), timeout=1800))
        seconds = time.perf_counter() - started
        sampler.stopping.set()
        sampler.join()
        peak = max(
            [sampler.peak_kb] + [hwm for _, hwm in server.memory_kb().values()]
            if reset
            else [sampler.peak_kb]
        )
    result = {
        "status": reply.status,
        "seconds": seconds,
        "bytes": reply.size,
        "growth_mb": (peak - baseline) / 1024,
        "baseline_mb": baseline / 1024,
    }
    if fmt == "csv":
        result["rows"] = lines.count - 1  # the header
    return result
