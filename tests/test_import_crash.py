"""An import killed with SIGKILL in the middle of its transaction leaves nothing behind, on both databases."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import text

from app.db import build_engine
from bench.upr_file import write_upr_info_file
from tests.support import run_cli

ROWS = 12_000  # enough for the write transaction to last a few seconds


def _import_transaction_open(url: str) -> bool:
    """True while another connection holds the import's write transaction."""
    if url.startswith("sqlite"):
        connection = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=0, isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:  # "database is locked": the import holds SQLite's one write lock
            return True
        finally:
            connection.close()  # rolls back a transaction it began
        return False
    engine = build_engine(url)
    try:
        with engine.connect() as connection:
            held = (  # this database's: advisory locks of other databases (parallel test workers) don't count
                "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
                "WHERE l.locktype = 'advisory' AND l.granted AND d.datname = current_database()"
            )
            return connection.execute(text(held)).scalar_one() > 0
    finally:
        engine.dispose()


def _counts(url: str) -> tuple[int, int, int]:
    engine = build_engine(url)
    try:
        with engine.connect() as connection:
            return tuple(  # type: ignore[return-value]
                connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                for table in ("sources", "recommendations", "history_entries")
            )
    finally:
        engine.dispose()


def test_a_killed_import_leaves_nothing_behind(database, tmp_path: Path):
    path = write_upr_info_file(tmp_path / "big.csv", ROWS)
    before = _counts(database.url)
    env = os.environ | {"RECTRACK_DATABASE_URL": database.url, "RECTRACK_DATA_DIR": str(tmp_path / "data")}
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "import", "upr-info", str(path)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while not _import_transaction_open(database.url):
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "the import never began writing"
            time.sleep(0.05)
        time.sleep(0.5)  # well into the transaction: rows are being inserted
        assert process.poll() is None, "the import finished before it could be killed: raise ROWS"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL
    deadline = time.monotonic() + 30
    while _import_transaction_open(database.url):  # PostgreSQL notices the dead client soon after
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert _counts(database.url) == before
    assert run_cli(database.url, "verify").returncode == 0
    # And the same file imports whole afterwards.
    done = run_cli(database.url, "import", "upr-info", str(path), "--json")
    assert done.returncode == 0, done.stderr
    assert _counts(database.url)[1] == before[1] + ROWS
