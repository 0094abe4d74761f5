"""Backups at the benchmark's size: `rectrack export` of the generated database, `rectrack import-bundle` of
that file into a fresh database of the same kind, each as the command itself (its own process, so its peak
memory is its own), beside the bulk loader that filled the database."""

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.databases import BenchDatabase
from bench.report import Row

# PostgreSQL settings of the restored database: the same as the generated one's (run_bench.POSTGRES_SETTINGS).
Settings = dict[str, str] | None


def run_command(url: str, *args: str) -> tuple[float, float, str]:
    """Wall seconds, peak resident MiB and stderr of `rectrack ARGS` on a database."""
    env = os.environ | {"RECTRACK_DATABASE_URL": url}
    peak_kib = 0
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", *args], env=env, stdout=subprocess.DEVNULL, stderr=errors
        )
        # The child's own high-water mark (VmHWM), sampled: its rusage would start from this process's peak,
        # which Linux carries over the fork.
        while process.poll() is None:
            peak_kib = max(peak_kib, _high_water_kib(process.pid))
            time.sleep(0.1)
        seconds = time.perf_counter() - started
        errors.seek(0)
        said = errors.read().decode()
    if process.returncode:
        raise RuntimeError(f"rectrack {' '.join(args)} failed: {said[-2000:]}")
    return seconds, peak_kib / 1024, said


def _high_water_kib(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)


def bundle_rows(database: BenchDatabase, settings: Settings, bulk_seconds: float | None) -> list[Row]:
    """Export the database to a temporary file, restore it into a fresh one: times, size, rows/s, memory."""
    bundle = Path(database.directory) / f"{database.name}.jsonl.gz"
    restore = BenchDatabase(
        database.backend, f"{database.name}_restore", database.directory, database.admin_url
    )
    bulk = (
        f"bulk loader: {bulk_seconds:,.0f} s" if bulk_seconds is not None else "bulk loader: not run (reused)"
    )
    try:
        export_seconds, export_peak, said = run_command(
            database.url, "export", "--out", str(bundle), "--include-tokens"
        )
        rows = int(re.search(r"wrote (\d+) rows?", said).group(1))
        size = bundle.stat().st_size
        restore.create(settings)
        import_seconds, import_peak, _ = run_command(restore.url, "import-bundle", str(bundle))
    finally:
        bundle.unlink(missing_ok=True)
        restore.drop()
    return [
        Row(
            "bundle",
            f"export {rows:,} rows to {size / 2**20:,.0f} MiB (gzip)",
            database.backend,
            f"{export_seconds:,.0f} s",
            note=f"{rows / export_seconds:,.0f} rows/s, peak {export_peak:,.0f} MiB; {bulk}",
            data={"rows": rows, "bytes": size, "seconds": export_seconds, "peak_mib": export_peak},
        ),
        Row(
            "bundle",
            f"import-bundle {rows:,} rows into an empty database",
            database.backend,
            f"{import_seconds:,.0f} s",
            note=f"{rows / import_seconds:,.0f} rows/s, peak {import_peak:,.0f} MiB; {bulk}",
            data={"rows": rows, "seconds": import_seconds, "peak_mib": import_peak},
        ),
    ]
