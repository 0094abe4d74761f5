"""Claim gaps paged from their own endpoint, and finished scorecards cached per app by the data state."""

import threading
import time
from collections.abc import Iterator
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.config import Settings
from app.db import build_engine
from app.lru import LRUCache
from app.main import create_app
from app.scorecards.params import ScorecardParams
from app.scorecards.schemas import ScorecardOut
from app.scorecards.service import compute_scorecard
from seed.loader import DEFAULT_SEED, read_seed
from tests.support import bearer, copy_database, make_token
from tests.test_scorecard import PREFIX, SCORECARD, record

GAPS = f"{SCORECARD}/claim-gaps"
NATURAL_ORDER = [item["code"] for item in read_seed(DEFAULT_SEED)["recommendations"]]
CLAIMED = {"implemented", "partially_implemented"}
DISPUTED = {"not_implemented", "regressed"}
AS_OF = "2024-06-30"


@pytest.fixture(scope="module")
def gaps_history(backend, seeded_template, postgres_server, tmp_path_factory, run_id) -> Iterator[dict]:
    """The claims below, recorded once per backend on a copy of the seeded database that tests copy in turn.

    Returns that database's URL and the time to use as known_at.
    """
    name = f"rectrack_{run_id}_gaps"
    url = copy_database(seeded_template, tmp_path_factory.mktemp("gaps"), name, postgres_server)
    with TestClient(create_app(Settings(database_url=url, _env_file=None))) as client:
        known_at = _record_gaps(client, make_token(url, "monitor", "Aigerim Monitor"))
    yield {"url": url, "known_at": known_at}
    if backend == "postgresql":
        postgres_server.drop(url)


@pytest.fixture(scope="module")
def database_template(gaps_history) -> str:
    """Every database a test here gets (its own `database`, or `module_database`) holds the claims below."""
    return gaps_history["url"]


def _record_gaps(client, t) -> str:
    """Claims on the first 16 recommendations; the monitors disagree on most, some later or backfilled."""
    numbers = [code.removeprefix(PREFIX) for code in NATURAL_ORDER[:16]]
    for i, number in enumerate(numbers):
        claim = "implemented" if i % 2 == 0 else "partially_implemented"
        record(client, t, number, claim, "2024-01-10", perspective="state")
        if i % 4 == 3:
            record(client, t, number, "implemented", "2024-02-01")  # the monitors agree: no gap
        elif i % 5 == 0:
            record(client, t, number, "partially_implemented", "2023-05-01")
            record(client, t, number, "regressed", "2024-09-01")  # a gap now, none as of AS_OF
        else:
            record(client, t, number, "not_implemented", "2024-02-01")
    known_at = record(client, t, "7.1", "implemented", "2024-01-01", perspective="un")["recorded_at"]
    for number in (numbers[1], numbers[2], numbers[6]):
        record(client, t, number, "implemented", "2024-03-01")  # backfilled: closes the gap as now known
    return known_at


def oracle(client, as_of=None, known_at=None) -> list[tuple[str, int, int]]:
    """The claim gaps by their definition, from each recommendation's full history: (code, claim, finding)."""
    found = []
    for code in NATURAL_ORDER:
        entries = client.get(f"/api/v1/recommendations/{code}/history").json()["items"]

        def latest(perspective, entries=entries):
            counted = [
                entry
                for entry in entries
                if entry["kind"] == "assessment"
                and entry["perspective"] == perspective
                and (as_of is None or entry["effective_on"] <= as_of)
                and (known_at is None or _time(entry["recorded_at"]) <= _time(known_at))
            ]
            return max(counted, key=lambda entry: (entry["effective_on"], entry["seq"]), default=None)

        claim, finding = latest("state"), latest("independent")
        if claim and finding and claim["status"] in CLAIMED and finding["status"] in DISPUTED:
            found.append((code, claim["id"], finding["id"]))
    return found


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def walk(client, limit, **params) -> list[dict]:
    """Every page of claim gaps, following next_cursor; checks what each page says about the total."""
    pages, cursor = [], None
    while True:
        response = client.get(GAPS, params=params | {"limit": limit} | ({"cursor": cursor} if cursor else {}))
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= limit
        assert (page["total"] is None) == (cursor is not None)
        pages.append(page)
        cursor = page["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 50, "the cursor does not advance"


def triples(items) -> list[tuple[str, int, int]]:
    return [(gap["code"], gap["claimed"]["id"], gap["independent"]["id"]) for gap in items]


def points(history) -> list[dict]:
    return [{}, {"as_of": AS_OF}, {"as_of": AS_OF, "known_at": history["known_at"]}]


def test_pages_walk_every_gap_once_in_natural_order(module_client, gaps_history):
    for params in points(gaps_history):
        expected = oracle(module_client, params.get("as_of"), params.get("known_at"))
        assert len(expected) >= 6, params  # the history makes enough gaps for several pages of three
        pages = walk(module_client, 3, **params)
        walked = [gap for page in pages for gap in page["items"]]
        assert triples(walked) == expected, params
        assert len({gap["code"] for gap in walked}) == len(walked)
        assert pages[0]["total"] == len(expected)
        assert len(pages) == -(-len(expected) // 3)
        scorecard = module_client.get(SCORECARD, params=params | {"gaps_limit": 500}).json()
        assert scorecard["claim_gaps_total"] == len(expected) and scorecard["claim_gaps_next"] is None
        assert scorecard["claim_gaps"] == walked


def test_the_point_in_time_changes_which_gaps_there_are(module_client, gaps_history):
    now = oracle(module_client)
    as_of = oracle(module_client, AS_OF)
    known = oracle(module_client, AS_OF, gaps_history["known_at"])
    # Later regressions count now only; the backfills close gaps that were open as known at known_at.
    assert len(known) == len(as_of) + 3 and len(now) != len(as_of)
    assert {code for code, _, _ in as_of} < {code for code, _, _ in known}


def test_the_scorecard_holds_the_first_page_and_links_the_next(module_client, gaps_history):
    params = {"as_of": AS_OF, "known_at": gaps_history["known_at"]}
    expected = oracle(module_client, AS_OF, gaps_history["known_at"])
    scorecard = module_client.get(SCORECARD, params=params | {"gaps_limit": 4}).json()
    assert triples(scorecard["claim_gaps"]) == expected[:4]
    assert scorecard["claim_gaps_total"] == len(expected)
    assert scorecard["claim_gaps_next"].startswith(f"{GAPS}?as_of={AS_OF}&known_at=")
    following = module_client.get(scorecard["claim_gaps_next"])
    assert following.status_code == 200, following.text
    assert triples(following.json()["items"]) == expected[4:8]
    default = module_client.get(SCORECARD, params=params).json()
    assert triples(default["claim_gaps"]) == expected and default["claim_gaps_next"] is None
    none = module_client.get(SCORECARD, params=params | {"gaps_limit": 0}).json()
    assert none["claim_gaps"] == [] and none["claim_gaps_total"] == len(expected)
    first = module_client.get(none["claim_gaps_next"]).json()
    assert triples(first["items"]) == expected[:100] and first["total"] == len(expected)


@pytest.mark.usefixtures("gaps_history")
def test_filters_apply_to_the_gaps(module_client):
    section2 = [gap for gap in oracle(module_client, AS_OF) if gap[0].startswith(f"{PREFIX}2.")]
    assert section2
    page = module_client.get(GAPS, params={"as_of": AS_OF, "section": 2}).json()
    assert triples(page["items"]) == section2 and page["total"] == len(section2)
    regressed = module_client.get(GAPS, params={"status": "regressed"}).json()
    assert regressed["items"] and all(
        gap["independent"]["status"] == "regressed" for gap in regressed["items"]
    )
    claimed = module_client.get(GAPS, params={"status": "implemented", "perspective": "state"}).json()
    assert claimed["items"] and all(gap["claimed"]["status"] == "implemented" for gap in claimed["items"])
    assert module_client.get(GAPS, params={"source": "no-such-source"}).json() == {
        "items": [],
        "total": 0,
        "next_cursor": None,
    }


@pytest.mark.sqlite_only
@pytest.mark.parametrize("cursor", ["not a cursor", "bm90LmEuY3Vyc29y", "MS4y", "%%%"])
def test_a_bad_cursor_is_a_400_problem(shared_client, cursor):
    response = shared_client.get(GAPS, params={"cursor": cursor})
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "cursor" in response.json()["detail"]


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 501}, {"as_of": "2999-01-01"}, {"q": "a\x00"}])
def test_bad_page_parameters_are_422(shared_client, params):
    response = shared_client.get(GAPS, params=params)
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
    assert shared_client.get(SCORECARD, params={"gaps_limit": 501}).status_code == 422


@pytest.mark.usefixtures("gaps_history")
def test_claim_gap_pages_revalidate_with_etags(client, monitor_token, viewer_token):
    first = client.get(GAPS, params={"limit": 2})
    etag = first.headers["etag"]
    assert etag.startswith('W/"') and first.headers["cache-control"] == "no-cache"
    assert client.get(GAPS, params={"limit": 2}, headers={"If-None-Match": etag}).status_code == 304
    second = client.get(GAPS, params={"limit": 2, "cursor": first.json()["next_cursor"]})
    assert second.headers["etag"] != etag
    assert client.get(GAPS, params={"limit": 2}, headers=bearer(viewer_token)).headers["etag"] != etag
    record(client, monitor_token, "7.2", "implemented", "2024-01-01", perspective="state")
    record(client, monitor_token, "7.2", "regressed", "2024-02-01")
    after = client.get(GAPS, params={"limit": 2}, headers={"If-None-Match": etag})
    assert after.status_code == 200 and after.headers["etag"] != etag
    assert after.json()["total"] == first.json()["total"] + 1


def fresh(database, **params) -> dict:
    """The scorecard computed now, without any cache, as the API would serialise it."""
    engine = build_engine(database.url)
    with Session(engine) as session:
        body = compute_scorecard(session, ScorecardParams(**params))
    engine.dispose()
    return ScorecardOut.model_validate(body).model_dump(mode="json")


@pytest.fixture
def computations(monkeypatch) -> list[ScorecardParams]:
    """The parameters of every scorecard actually computed (not served from a cache) from now on."""
    calls: list[ScorecardParams] = []

    def counted(session, params, **kwargs):
        calls.append(params)
        return compute_scorecard(session, params, **kwargs)

    monkeypatch.setattr("app.scorecards.service.compute_scorecard", counted)
    return calls


@pytest.mark.usefixtures("gaps_history")
def test_the_cache_serves_what_a_fresh_computation_gives_until_a_write(
    client, database, monitor_token, computations
):
    first = client.get(SCORECARD, params={"group_by": "theme"})
    again = client.get(SCORECARD, params={"group_by": "theme"})
    assert len(computations) == 1
    assert again.json() == first.json() == fresh(database, group_by="theme")
    assert again.headers["etag"] == first.headers["etag"]
    csv = client.get(SCORECARD, params={"group_by": "theme", "format": "csv"})
    assert csv.status_code == 200 and len(computations) == 1  # the same computation, rendered as CSV
    total = first.json()["claim_gaps_total"]
    record(client, monitor_token, "7.3", "implemented", "2024-01-01", perspective="state")
    record(client, monitor_token, "7.3", "not_implemented", "2024-02-01")
    after = client.get(SCORECARD, params={"group_by": "theme"})
    assert len(computations) == 2 and after.headers["etag"] != first.headers["etag"]
    assert after.json()["claim_gaps_total"] == total + 1
    assert after.json() == fresh(database, group_by="theme")


def test_a_past_scorecard_is_the_same_cached_recomputed_and_after_later_writes(
    client, database, monitor_token, gaps_history, computations
):
    params = {"as_of": AS_OF, "known_at": gaps_history["known_at"], "gaps_limit": 5}
    before = client.get(SCORECARD, params=params).json()
    assert client.get(SCORECARD, params=params).json() == before and len(computations) == 1
    assert before == fresh(database, **params)
    record(client, monitor_token, "7.4", "implemented", "2024-01-01", perspective="state")
    record(client, monitor_token, "7.4", "regressed", "2024-02-01")
    # Recorded after known_at, so not counted: a new computation under the new data state agrees.
    assert client.get(SCORECARD, params=params).json() == before
    assert len(computations) == 2


@pytest.mark.usefixtures("gaps_history")
def test_the_overview_and_the_api_share_a_computation(client, computations):
    page = client.get("/", params={"as_of": AS_OF})
    body = client.get(SCORECARD, params={"as_of": AS_OF}).json()
    assert page.status_code == 200 and len(computations) == 1
    overclaims = body["totals"]["claim_gap_counts"]["overclaim"]
    assert f'id="claim-gap-count-overclaim">{overclaims}<' in page.text


@pytest.mark.usefixtures("gaps_history")
def test_the_claim_gap_pages_are_cached_too(module_client):
    cache = module_client.app.state.claim_gaps
    first = module_client.get(GAPS, params={"limit": 3}).json()
    misses = cache.misses
    assert module_client.get(GAPS, params={"limit": 3}).json() == first and cache.misses == misses


@pytest.mark.usefixtures("gaps_history")
def test_the_cache_is_bounded(module_client):
    cache = module_client.app.state.scorecards
    for days in range(cache.size + 5):
        response = module_client.get(SCORECARD, params={"stale_after_days": days, "gaps_limit": 0})
        assert response.status_code == 200
    assert len(cache) == cache.size


@pytest.mark.usefixtures("gaps_history")
def test_the_overview_shows_the_count_and_the_first_gaps(module_client, monkeypatch):
    """Every v1 claim gap is an overclaim: the overview lists them among the overclaims, by class."""
    expected = oracle(module_client)
    page = module_client.get("/")
    assert page.status_code == 200
    counts = module_client.get(SCORECARD).json()["totals"]["claim_gap_counts"]
    assert counts["overclaim"] >= len(expected) and "Showing the first" not in page.text
    assert all(
        f'<li data-gap-class="overclaim">\n      <a href="/recommendations/{code}"' in page.text
        for code, _, _ in expected
    )
    monkeypatch.setattr("app.web.scorecard_pages.OVERVIEW_CLASS_GAPS", 3)
    short = module_client.get("/", params={"as_of": AS_OF})
    assert short.status_code == 200
    assert "Showing the first 3." in short.text
    assert (
        f'href="{SCORECARD}/claim-gap-classes?as_of={AS_OF}&amp;gap_class=overclaim&amp;limit=500"'
        in short.text
    )
    assert short.text.count('<li data-gap-class="overclaim">') == 3


def test_concurrent_misses_compute_once_and_the_oldest_entry_goes_first():
    cache, calls = LRUCache(2), []

    def slow():
        calls.append(1)
        time.sleep(0.2)  # long enough that the other threads arrive while it computes
        return {"answer": 42}

    results = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get_or_compute("a", slow))) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and results == [{"answer": 42}] * 4
    assert (cache.misses, cache.hits) == (1, 3)
    cache.get_or_compute("b", lambda: "b")
    cache.get_or_compute("a", slow)  # a hit: "a" is now the most recently used
    cache.get_or_compute("c", lambda: "c")
    assert cache.get_or_compute("b", lambda: "recomputed") == "recomputed"  # "b" was evicted
    with pytest.raises(ZeroDivisionError):
        cache.get_or_compute("d", lambda: 1 / 0)
    assert cache.get_or_compute("d", lambda: "d") == "d"  # a failure is not cached
