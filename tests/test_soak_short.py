"""Short versions of `make soak`: concurrent If-Match writes through uvicorn, and a kill -9 mid-run.

Each fails on any 5xx, any acknowledged write missing from the history, a broken chain, a half-done write,
an entry the feed skipped, or (SQLite) a failed integrity check. The full runs are `make soak`.
"""

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from app.db import build_engine
from app.history.verify import verify_chains
from app.history.verify_state import verify_state
from app.models import HistoryEntry, Recommendation, RecommendationEvidence
from app.vocabulary import Perspective
from bench.consistency import latest_status
from bench.generate import generate
from bench.run_soak import crash_run, soak_run
from tests.support import migrate

RECOMMENDATIONS = 120
WORKERS = {"sqlite": 1, "postgresql": 2}


@pytest.fixture(scope="module")
def database_template(backend, postgres_server, tmp_path_factory, run_id) -> Iterator[str]:
    """A migrated database filled by the benchmark generator at a small size, once per backend."""
    name = f"rectrack_{run_id}_generated"
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('generated') / name}.db"
    else:
        url = postgres_server.create(name)
    migrate(url)
    generate(url, RECOMMENDATIONS, log=lambda _line: None)
    yield url
    if backend == "postgresql":
        postgres_server.drop(url)


@pytest.fixture
def synthetic(database):
    """The test's own copy of the generated database (`database` copies `database_template`, here above)."""
    return database


def test_generated_data_is_consistent(synthetic) -> None:
    """The bulk-loaded chains verify and every denormalised status agrees with its history."""
    engine = build_engine(synthetic.url)
    with Session(engine) as session:
        report = verify_chains(session)
        assert report["ok"], report["first_broken"]
        assert report["chains"] == RECOMMENDATIONS
        assert report["entries"] >= 5 * RECOMMENDATIONS
        assert session.scalar(select(func.count()).select_from(RecommendationEvidence)) >= 2 * RECOMMENDATIONS
        for rec in session.scalars(select(Recommendation)):
            assert rec.status == latest_status(session, rec.id, Perspective.independent), rec.code
            assert rec.claimed_status == latest_status(session, rec.id, Perspective.state), rec.code
        perspectives = set(session.scalars(select(HistoryEntry.perspective).distinct()))
        assert {"independent", "state"} <= perspectives
        # What the public sees agrees with the chains: texts, statuses, links, evidence, anchors, aliases.
        state = verify_state(session)
        assert state["ok"], state["first_discrepancies"]
        assert state["checked"]["recommendations"] == RECOMMENDATIONS
    engine.dispose()


def test_soak_short(synthetic) -> None:
    """64 clients (more than the thread pool) for 3 s: no 5xx, nothing acknowledged lost, chains verify."""
    workers = WORKERS[synthetic.backend]
    outcome = soak_run(synthetic.url, synthetic.backend, clients=64, seconds=3, workers=workers)
    assert outcome.ok, outcome.problems
    assert outcome.ledger.acknowledged


def test_crash_short(synthetic) -> None:
    """kill -9 of the server under write load, restart: nothing acknowledged is lost, nothing half-written."""
    workers = WORKERS[synthetic.backend]
    outcome = crash_run(
        synthetic.url, synthetic.backend, clients=16, before_kill=1.5, after_restart=1.5, workers=workers
    )
    assert outcome.ok, outcome.problems
    assert outcome.notes["acknowledged_before_kill"] > 0
