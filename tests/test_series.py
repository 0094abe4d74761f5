"""Progress over time: each step of a series is the scorecard as of that date, in SQL, on both databases."""

import re
from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session

from app.db import build_engine
from app.errors import Unprocessable
from app.scorecards import series as series_module
from app.scorecards.export import SERIES_COLUMNS, series_cells
from app.scorecards.params import Interval, SeriesParams
from app.scorecards.series import compute_series, period_end, step_dates
from tests.support import bearer, make_token
from tests.test_scorecard import PREFIX, SCORECARD, record

SERIES = f"{SCORECARD}/series"
FIGURES = ("total", "by_status", "assessed", "score")


@pytest.fixture(scope="module")
def history(module_client, module_database) -> dict:
    """Assessments across 2022-2024 from the monitors, the state and the UN; a backfill known later."""
    client, t = module_client, make_token(module_database.url, "monitor", "Aigerim Monitor")
    record(client, t, "2.1", "not_implemented", "2022-03-10")
    record(client, t, "2.1", "partially_implemented", "2023-05-01")
    record(client, t, "2.1", "implemented", "2024-02-01")
    record(client, t, "2.2", "regressed", "2023-08-20")
    record(client, t, "2.2", "not_implemented", "2023-08-20")  # the same day: the later one counts
    record(client, t, "3.2", "implemented", "2023-04-01", perspective="state")
    record(client, t, "3.1", "partially_implemented", "2022-11-30")
    record(client, t, "4.1", "implemented", "2023-12-31", perspective="state")
    record(client, t, "4.1", "not_implemented", "2024-01-15")
    known = record(client, t, "5.1", "implemented", "2023-06-30", perspective="un")["recorded_at"]
    record(client, t, "2.2", "implemented", "2022-01-01")  # backfilled: earliest effective date now
    themes = client.get(f"/api/v1/recommendations/{PREFIX}2.1").json()["themes"]
    return {"known_at": known, "theme": themes[0]["slug"]}


def get(client, path, **params):
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def figures(item: dict) -> dict:
    return {name: item[name] for name in FIGURES}


@pytest.mark.parametrize(
    "params",
    [
        {"interval": "quarter"},
        {"interval": "month", "from": "2023-05-15", "to": "2024-02-10", "group_by": "theme"},
        {"interval": "year", "perspective": "state", "group_by": "status"},
        {"interval": "quarter", "from": "2022-01-01", "to": "2024-06-30", "known_at": "KNOWN"},
        {"interval": "quarter", "from": "2022-06-01", "status": "implemented", "claim_gap": "any"},
        {"interval": "year", "perspective": "un", "group_by": "source", "section": 2},
        {"interval": "month", "from": "2023-01-01", "to": "2023-12-31", "status": "not_implemented"},
        {"interval": "quarter", "status": "not_assessed", "group_by": "addressee"},
        {"interval": "quarter", "group_by": "sdg", "perspective": "state", "theme": "THEME"},
        {"interval": "year", "group_by": "response", "q": "law"},
    ],
)
def test_each_step_is_the_scorecard_as_of_its_date(module_client, history, params):
    replaced = {"KNOWN": history["known_at"], "THEME": history["theme"]}
    params = {key: replaced.get(value, value) for key, value in params.items()}
    series = get(module_client, SERIES, **params)
    steps = [step["as_of"] for step in series["steps"]]
    assert steps == sorted(steps) and steps[-1] == series["to"]
    assert all(
        date.fromisoformat(step) == period_end(date.fromisoformat(step), Interval(params["interval"]))
        for step in steps[:-1]
    )
    scorecard_params = {key: value for key, value in params.items() if key not in ("from", "to", "interval")}
    for step in series["steps"]:
        scorecard = get(module_client, SCORECARD, as_of=step["as_of"], **scorecard_params)
        assert step["totals"] == figures(scorecard["totals"]), step["as_of"]
        expected = [
            {"key": g["key"], "label": g["label"], "source": g["source"]} | figures(g)
            for g in scorecard["groups"]
        ]
        assert step["groups"] == expected, step["as_of"]


def test_from_defaults_to_the_earliest_effective_date(module_client, history):
    series = get(module_client, SERIES, interval="year")
    assert series["from"] == "2022-01-01"  # the backfill, effective before everything else
    assert series["to"] == datetime.now(UTC).date().isoformat()
    assert series["steps"][0]["as_of"] == "2022-12-31"
    first = series["steps"][0]["totals"]["by_status"]
    assert (first["implemented"], first["partially_implemented"]) == (1, 1)  # 2.2 until August 2023; 3.1
    as_known = get(module_client, SERIES, interval="year", known_at=history["known_at"])
    assert as_known["from"] == "2022-03-10"  # the backfill was not recorded yet


def test_more_than_120_steps_is_a_clear_422(module_client, history):
    response = module_client.get(
        SERIES, params={"from": "2000-01-01", "to": "2010-01-31", "interval": "month"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "more than 120 steps" in response.json()["detail"]
    exactly = get(module_client, SERIES, **{"from": "2000-01-01", "to": "2009-12-31", "interval": "month"})
    assert len(exactly["steps"]) == 120


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    "query",
    [
        "interval=week",
        "from=2024-02-01&to=2024-01-01",
        "from=2999-01-01",
        "to=yesterday",
        "from=1900-01-01",
        "group_by=colour",
        "claim_gap=often",
    ],
)
def test_bad_input_is_a_problem(module_client, query):
    response = module_client.get(f"{SERIES}?{query}")
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.sqlite_only
def test_etag_and_304(module_client, module_database, history):
    params = {"from": "2023-01-01", "interval": "quarter"}
    first = module_client.get(SERIES, params=params)
    assert (
        module_client.get(SERIES, params=params, headers={"If-None-Match": first.headers["etag"]}).status_code
        == 304
    )
    record(module_client, make_token(module_database.url, "monitor", "M"), "6.1", "implemented", "2023-02-01")
    later = module_client.get(SERIES, params=params, headers={"If-None-Match": first.headers["etag"]})
    assert later.status_code == 200 and later.json() != first.json()


def test_step_dates():
    assert step_dates(date(2023, 2, 15), date(2024, 1, 20), Interval.quarter) == [
        date(2023, 3, 31),
        date(2023, 6, 30),
        date(2023, 9, 30),
        date(2023, 12, 31),
        date(2024, 1, 20),
    ]
    assert step_dates(date(2024, 1, 31), date(2024, 3, 31), Interval.month) == [
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2024, 3, 31),
    ]
    assert step_dates(date(2024, 5, 5), date(2024, 5, 6), Interval.year) == [date(2024, 5, 6)]
    with pytest.raises(Unprocessable):
        step_dates(date(1900, 1, 1), date(2025, 1, 1), Interval.year)


def test_series_cells_print_the_same_numbers(module_client, history):
    series = get(module_client, SERIES, **{"from": "2023-01-01", "to": "2023-12-31", "interval": "quarter"})
    rows = series_cells(series)
    assert [row[0] for row in rows] == ["2023-03-31", "2023-06-30", "2023-09-30", "2023-12-31"]
    for row, step in zip(rows, series["steps"], strict=True):
        totals = step["totals"]
        assert row[1] == ("" if totals["score"] is None else f"{totals['score']:.2f}")
        statuses = [key for key, _ in SERIES_COLUMNS[2:-1]]
        assert row[2:-1] == [str(totals["by_status"][status]) for status in statuses]
        assert row[-1] == str(totals["total"])


@pytest.mark.sqlite_only
def test_the_overview_charts_the_series_with_the_same_numbers_in_a_table(module_client, history):
    page = module_client.get("/")
    assert page.status_code == 200
    html = page.text
    assert '<svg class="series"' in html and 'aria-labelledby="series-h"' in html
    # 2022-01-01 to today: more than two years, so by quarter; the page's series groups by status.
    series = get(module_client, SERIES, **{"from": "2022-01-01", "interval": "quarter", "group_by": "status"})
    table = html[html.index('aria-labelledby="series-h"') :]
    rows = re.findall(r'<tr><th scope="row">([\d-]+)</th>(.*?)</tr>', table)
    assert [day for day, _ in rows] == [step["as_of"] for step in series["steps"]]
    for (_, cells), expected in zip(rows, series_cells(series), strict=True):
        assert re.findall(r'<td class="num">([^<]*)</td>', cells) == [cell or "–" for cell in expected[1:]]
    # One column per step; as of a date before any assessment there is no series to chart.
    assert html.count('class="series-point"') == sum(
        1 for s in series["steps"] if s["totals"]["score"] is not None
    )
    assert 'class="series"' not in module_client.get("/", params={"as_of": "2021-06-01"}).text


@pytest.mark.parametrize("group_by", ["section", "theme", "status", "source", "recommending_state"])
def test_the_sweep_gives_what_a_scorecard_a_step_gives(module_database, history, monkeypatch, group_by):
    """The one-pass sweep against the scorecard statement per step, on the same data and parameters."""
    params = SeriesParams.model_validate({"from": "2021-11-15", "interval": "month", "group_by": group_by})
    with Session(build_engine(module_database.url)) as session:
        swept_series = compute_series(session, params, include_restricted=False)
        monkeypatch.setattr(series_module, "sweeps", lambda _params: False)
        stepped = compute_series(session, params, include_restricted=False)
    assert len(swept_series["steps"]) > 12 and swept_series == stepped


def test_a_correction_counts_in_the_series_as_in_the_scorecard(client, monitor_token):
    """The sweep leaves out an entry superseded by a correction known at the point, like the lookups."""
    wrong = record(client, monitor_token, "3.1", "implemented", "2023-02-10")
    record(client, monitor_token, "3.2", "partially_implemented", "2023-05-10")
    known_before = record(client, monitor_token, "3.3", "regressed", "2023-08-01")["recorded_at"]
    url = f"/api/v1/recommendations/{PREFIX}3.1"
    response = client.post(
        f"{url}/entries/{wrong['seq']}/corrections",
        json={"reason": "Only drafted.", "status": "not_implemented"},
        headers=bearer(monitor_token) | {"If-Match": client.get(url).headers["etag"]},
    )
    assert response.status_code == 201, response.text
    for extra in ({}, {"known_at": known_before}, {"group_by": "theme"}):
        params = {"from": "2023-01-01", "to": "2023-12-31", "interval": "quarter"} | extra
        series = get(client, SERIES, **params)
        for step in series["steps"]:
            scorecard = get(client, SCORECARD, as_of=step["as_of"], **extra)
            assert step["totals"] == figures(scorecard["totals"]), (extra, step["as_of"])
        last = series["steps"][-1]["totals"]["by_status"]
        assert last["implemented"] == (1 if "known_at" in extra else 0), extra
