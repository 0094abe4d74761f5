"""The list's `total` is cached per app by filters and data fingerprint, and is never stale after a write."""

import re
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlmodel import Session

from app.config import Settings
from app.db import build_engine
from app.history.fingerprint import data_fingerprint
from app.lru import LRUCache
from app.main import create_app
from app.recommendations.schemas import RecommendationFilters
from app.recommendations.totals import filters_key
from seed.loader import DEFAULT_SEED, read_seed
from tests.support import assess, copy_database, make_token

CURATED = read_seed(DEFAULT_SEED)["recommendations"]
LIST = "/api/v1/recommendations"


def _total(client, **params) -> int:
    response = client.get(LIST, params=params | {"limit": 500})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == len(body["items"])  # one page holds them all: the total must agree with it
    return body["total"]


def _synthetic(status: str) -> dict[str, str]:
    return {"status": status, "summary": "Synthetic."}


def _count_statements(client, action) -> int:
    """How many SELECT count(...) statements `action` sends."""
    seen: list[str] = []

    def listener(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    engine = client.app.state.engine
    event.listen(engine, "before_cursor_execute", listener)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return sum("count(" in statement.lower() for statement in seen)


def test_total_follows_status_changes(client, monitor_token):
    section4 = [c["code"] for c in CURATED if c["section"] == 4]
    assert _total(client, status="not_assessed") == 43
    assert _total(client, status="implemented") == 0
    assert _total(client, status="implemented", section=4) == 0
    assess(client, monitor_token, section4[0], _synthetic("implemented"))
    assert _total(client, status="implemented") == 1
    assert _total(client, status="implemented", section=4) == 1
    assert _total(client, status="not_assessed") == 42
    assess(client, monitor_token, section4[1], _synthetic("implemented"))
    assess(client, monitor_token, section4[0], _synthetic("regressed"))
    assert _total(client, status="implemented") == 1
    assert _total(client, status="regressed") == 1
    assert _total(client, status="not_assessed") == 41
    assert _total(client) == 43


def test_web_list_total_follows_a_write(client, monitor_token):
    def count_line(**params) -> str:
        page = client.get("/recommendations", params=params).text
        return re.search(r'<p class="count" id="count">([^<]*)</p>', page).group(1)

    assert count_line(status="implemented") == "0 recommendations match."
    assert count_line() == "43 recommendations match."
    assess(client, monitor_token, "odf-kz-2015-2.1", _synthetic("implemented"))
    assert count_line(status="implemented") == "1 recommendation matches."
    assert count_line(status="not_assessed") == "42 recommendations match."


def test_each_filter_set_has_its_own_total(shared_client):
    section4 = [c for c in CURATED if c["section"] == 4]
    religion = [c for c in CURATED if "freedom-of-religion" in c["themes"]]
    extremism = [c for c in CURATED if "extremism" in c["text"].lower()]
    assert 0 < len(section4) != len(religion) > 0
    for _ in range(2):  # the second round is served from the cache
        assert _total(shared_client) == 43
        assert _total(shared_client, section=4) == len(section4)
        assert _total(shared_client, theme="freedom-of-religion") == len(religion)
        assert _total(shared_client, section=4, theme="freedom-of-religion") == len(
            [c for c in section4 if c in religion]
        )
        assert _total(shared_client, q="EXTREMISM") == _total(shared_client, q="extremism") == len(extremism)
        assert _total(shared_client, source="no-such-source") == 0


def test_a_cached_total_is_not_counted_again_until_a_write(client, monitor_token):
    def first_page(**params):
        return lambda: client.get(LIST, params=params | {"limit": 5})

    assert _count_statements(client, first_page(section=4)) == 1
    assert _count_statements(client, first_page(section=4)) == 0
    # Another page of the same filters shares the total; other filters count their own.
    cursor = client.get(LIST, params={"section": 4, "limit": 5}).json()["next_cursor"]
    assert _count_statements(client, lambda: client.get(LIST, params={"section": 4, "cursor": cursor})) == 0
    assert _count_statements(client, first_page(section=5)) == 1
    assess(client, monitor_token, "odf-kz-2015-4.1", _synthetic("implemented"))
    assert _count_statements(client, first_page(section=4)) == 1


def test_cache_off_counts_every_page(settings, monitor_token):
    # The page cache off too: a kept page would answer without counting (tests/test_list_pages.py).
    off = settings.model_copy(update={"list_total_cache_entries": 0, "list_page_cache_entries": 0})
    with TestClient(create_app(off)) as client:
        assert client.app.state.list_totals is None
        assert _count_statements(client, lambda: client.get(LIST)) == 1
        assert _count_statements(client, lambda: client.get(LIST)) == 1
        assert _total(client, status="implemented") == 0
        assess(client, monitor_token, "odf-kz-2015-2.1", _synthetic("implemented"))
        assert _total(client, status="implemented") == 1


@pytest.fixture
def other_database_url(
    backend, seeded_template, postgres_server, tmp_path: Path, run_id: str
) -> Iterator[str]:
    """A second copy of the seeded database, for a second app."""
    name = f"rectrack_{run_id}_{uuid.uuid4().hex[:8]}"
    url = copy_database(seeded_template, tmp_path, name, postgres_server)
    yield url
    if backend == "postgresql":
        postgres_server.drop(url)


def _fingerprint(url: str) -> str:
    engine = build_engine(url)
    with Session(engine) as session:
        fingerprint = data_fingerprint(session)
    engine.dispose()
    return fingerprint


def test_apps_on_different_databases_keep_their_own_totals(database, other_database_url, monitor_token):
    other_token = make_token(other_database_url, "monitor", "Other Monitor")
    first = TestClient(create_app(Settings(database_url=database.url, _env_file=None)))
    second = TestClient(create_app(Settings(database_url=other_database_url, _env_file=None)))
    with first, second:
        # One write each, so both data fingerprints move to the same value; only the statuses differ.
        assess(first, monitor_token, "odf-kz-2015-2.1", _synthetic("implemented"))
        assess(second, other_token, "odf-kz-2015-2.2", _synthetic("not_implemented"))
        assert _fingerprint(database.url) == _fingerprint(other_database_url)
        assert _total(first, status="implemented") == 1
        assert _total(second, status="implemented") == 0
        assert _total(second, status="not_implemented") == 1
        assert _total(first, status="not_implemented") == 0


def test_filters_key_names_the_rows_selected():
    assert filters_key(RecommendationFilters(q="Press")) == filters_key(RecommendationFilters(q="PRESS"))
    assert filters_key(RecommendationFilters(q="")) == filters_key(RecommendationFilters())
    assert filters_key(RecommendationFilters(section=4, theme="media-freedom")) == filters_key(
        RecommendationFilters(theme="media-freedom", section=4)
    )
    assert filters_key(RecommendationFilters(section=4)) != filters_key(RecommendationFilters(section=5))
    assert filters_key(RecommendationFilters(status="implemented")) != filters_key(RecommendationFilters())


def test_lru_cache_is_bounded_and_keeps_the_recently_used():
    cache: LRUCache[int] = LRUCache(2)
    cache.get_or_compute("a", lambda: 1)
    cache.get_or_compute("b", lambda: 2)
    assert cache.get_or_compute("a", lambda: -1) == 1  # a hit: "b" is now the least recently used
    cache.get_or_compute("c", lambda: 3)
    assert cache.get_or_compute("b", lambda: -2) == -2  # "b" was evicted, so it is computed again
    assert len(cache) == 2
    with pytest.raises(ValueError):
        LRUCache(0)


def test_lru_cache_stays_bounded_under_threads():
    cache: LRUCache[int] = LRUCache(50)

    def work(offset: int) -> None:
        for n in range(2000):
            cache.get_or_compute((offset, n), lambda n=n: n)
            cache.get_or_compute((offset, n - 1), lambda n=n: n - 1)

    threads = [threading.Thread(target=work, args=(offset,)) for offset in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(cache) == 50
