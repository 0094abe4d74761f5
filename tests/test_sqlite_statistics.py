"""SQLite's planner statistics are refreshed by PRAGMA optimize as pooled connections close."""

import sqlite3

from sqlalchemy import text

from app.db import build_engine
from tests.support import migrate, seed


def test_closing_connections_leaves_statistics_for_the_tables_they_queried(tmp_path):
    path = tmp_path / "stats.db"
    url = f"sqlite:///{path}"
    migrate(url)
    seed(url)
    raw = sqlite3.connect(path)
    raw.execute("DELETE FROM sqlite_stat1")
    raw.commit()
    engine = build_engine(url)
    with engine.connect() as connection:
        connection.execute(text("SELECT count(*) FROM recommendations WHERE status = 'implemented'")).all()
    assert raw.execute("SELECT count(*) FROM sqlite_stat1").fetchone() == (0,)
    engine.dispose()  # closes the pooled connection, which runs PRAGMA optimize
    analysed = {table for (table,) in raw.execute("SELECT DISTINCT tbl FROM sqlite_stat1")}
    raw.close()
    assert "recommendations" in analysed
