"""Imported sources on every read surface: the sources list, the new fields and filters, scorecards by
recommending state and by response (as of a date), the matrix's columns, and the web pages."""

import csv
import io
import time
from datetime import UTC, date, datetime

import docx
import openpyxl
import pytest
from sqlalchemy import event
from sqlmodel import Session

from app.db import build_engine, write_engine
from app.imports.apply import ApplyOptions, apply_import
from app.imports.rows import ImportedRow, ReadResult, SourceSpec
from app.vocabulary import Response, SourceKind
from tests.support import assess, make_token

UPR = SourceSpec(
    slug="upr-kz-s20",
    kind=SourceKind.upr_review,
    title="Universal Periodic Review of Kazakhstan, session 20",
    publisher="UN Human Rights Council",
    state_under_review="Kazakhstan",
    cycle=2,
    session=20,
    reviewed_on=date(2014, 10, 30),
    document_symbol="A/HRC/28/10",
)
CEDAW = SourceSpec(
    slug="cedaw-kz-2019",
    kind=SourceKind.treaty_body,
    title="CEDAW concluding observations on Kazakhstan",
    publisher="CEDAW",
    state_under_review="Kazakhstan",
    published_on=date(2019, 11, 12),
)
U = "upr-kz-s20-1."
C = "cedaw-kz-2019-1."
SEED = 43
RATIFY = "Ratify the Optional Protocol to the Convention against Torture."
DEFAME = "Decriminalise defamation and bring the law on libel into line with article 19 of the ICCPR."


def _upr_rows(second_response: Response, original: str) -> list[ImportedRow]:
    return [
        ImportedRow(
            line=2,
            source=UPR,
            text=RATIFY,
            paragraph="106.1",
            recommending_states=("Estonia", "Latvia"),
            response=Response.supported,
            response_original="Accepted",
            action_category=5,
        ),
        ImportedRow(
            line=3,
            source=UPR,
            text=DEFAME,
            paragraph="106.2",
            recommending_states=("Norway",),
            response=second_response,
            response_original=original,
            action_category=4,
        ),
        ImportedRow(
            line=4,
            source=UPR,
            text="Consider abolishing the death penalty for all crimes.",
            paragraph="106.3",
            recommending_states=("Estonia",),
            response=Response.noted,
            response_original="Noted",
            action_category=3,
        ),
        ImportedRow(
            line=5,
            source=UPR,
            text="Continue cooperation with the special procedures.",
            recommending_states=("Russian Federation",),
            action_category=2,
        ),
    ]


CEDAW_ROWS = [
    ImportedRow(line=2, source=CEDAW, text="Adopt a comprehensive law on violence against women."),
    ImportedRow(line=3, source=CEDAW, text="Ensure women's access to justice in rural areas."),
]


def _import(url: str, rows: list[ImportedRow], **options) -> None:
    engine = build_engine(url)
    with Session(write_engine(engine)) as session:
        result = ReadResult(format="test", rows=rows)
        report = apply_import(
            session, result, ApplyOptions(filename="t.csv", file_sha256="0" * 64, **options)
        )
        assert report.applied
        session.commit()
    engine.dispose()


@pytest.fixture(scope="module")
def imported(module_client, module_database):
    """Two imported sources beside the seed: a UPR review (one response pending, then supported on
    2015-03-01) and a treaty body's observations; a few assessments. Returns a time between the imports."""
    _import(module_database.url, _upr_rows(Response.pending, "Pending") + CEDAW_ROWS)
    time.sleep(0.01)
    between = datetime.now(UTC).isoformat()
    time.sleep(0.01)
    _import(module_database.url, _upr_rows(Response.supported, "Supported"), responses_on=date(2015, 3, 1))
    token = make_token(module_database.url, "monitor", "Aigerim Monitor")
    for code, status, on in (
        (f"{U}1", "implemented", "2016-01-01"),
        (f"{U}2", "partially_implemented", "2016-06-01"),
        (f"{C}1", "not_implemented", "2020-01-01"),
    ):
        body = {"status": status, "effective_on": on, "summary": f"{code} is {status}."}
        assess(module_client, token, code, body)
    return {"between": between}


def _get(client, path, **params):
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response


def _codes(client, **params) -> list[str]:
    body = _get(client, "/api/v1/recommendations", limit=500, **params).json()
    assert body["total"] == len(body["items"])
    return [item["code"] for item in body["items"]]


def _card(client, **params) -> dict:
    return _get(client, "/api/v1/scorecard", **params).json()


def _groups(scorecard) -> dict:
    return {group["key"]: group for group in scorecard["groups"]}


@pytest.mark.usefixtures("imported")
def test_sources_list_kinds_details_and_counts_in_one_group_by(module_client):
    statements: list[str] = []
    engine = module_client.app.state.engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        sources = {source["slug"]: source for source in _get(module_client, "/api/v1/sources").json()}
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert list(sources) == ["cedaw-kz-2019", "odf-kz-2015", "upr-kz-s20"]
    assert len([sql for sql in statements if sql.lstrip().upper().startswith("SELECT")]) == 3
    upr = sources["upr-kz-s20"]
    assert upr["kind"] == "upr_review" and upr["state_under_review"] == "Kazakhstan"
    assert (upr["cycle"], upr["session"], upr["reviewed_on"]) == (2, 20, "2014-10-30")
    assert upr["document_symbol"] == "A/HRC/28/10"
    assert upr["sections"] == [{"number": 1, "title": "Recommendations", "translated_title": None}]
    assert upr["recommendations"] == 4
    assert upr["by_status"] == {
        "not_assessed": 2,
        "not_implemented": 0,
        "partially_implemented": 1,
        "implemented": 1,
        "regressed": 0,
    }
    assert sources["cedaw-kz-2019"]["kind"] == "treaty_body"
    assert sources["cedaw-kz-2019"]["by_status"]["not_implemented"] == 1
    odf = sources["odf-kz-2015"]
    assert odf["kind"] == "ngo_report" and odf["recommendations"] == SEED == odf["by_status"]["not_assessed"]
    assert odf["cycle"] is None and odf["document_symbol"] is None


@pytest.mark.usefixtures("imported")
def test_recommendations_carry_the_upr_fields(module_client):
    first = _get(module_client, f"/api/v1/recommendations/{U}1").json()
    assert first["source_kind"] == "upr_review" and first["paragraph"] == "106.1"
    assert (first["response"], first["response_original"], first["action_category"]) == (
        "supported",
        "Accepted",
        5,
    )
    assert first["recommending_states"] == [
        {"slug": "estonia", "label": "Estonia"},
        {"slug": "latvia", "label": "Latvia"},
    ]
    second = _get(module_client, f"/api/v1/recommendations/{U}2").json()
    assert (second["response"], second["response_original"]) == ("supported", "Supported")
    seed = _get(module_client, "/api/v1/recommendations/odf-kz-2015-2.1").json()
    assert seed["source_kind"] == "ngo_report" and seed["recommending_states"] == []
    assert (
        seed["paragraph"] is seed["response"] is seed["response_original"] is seed["action_category"] is None
    )
    listed = _get(module_client, "/api/v1/recommendations", source="upr-kz-s20").json()["items"]
    assert [item["paragraph"] for item in listed] == ["106.1", "106.2", "106.3", None]
    assert [len(item["recommending_states"]) for item in listed] == [2, 1, 1, 1]


@pytest.mark.usefixtures("imported")
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"recommending_state": "estonia"}, [f"{U}1", f"{U}3"]),
        ({"recommending_state": "russia"}, [f"{U}4"]),
        ({"recommending_state": "nowhere"}, []),
        ({"response": "supported"}, [f"{U}1", f"{U}2"]),
        ({"response": "pending"}, []),  # the list matches the current response
        ({"response": "noted", "kind": "upr_review"}, [f"{U}3"]),
        ({"kind": "treaty_body"}, [f"{C}1", f"{C}2"]),
        ({"kind": "special_procedure"}, []),
        ({"source": "upr-kz-s20", "recommending_state": "estonia", "status": "implemented"}, [f"{U}1"]),
    ],
)
def test_list_filters(module_client, params, expected):
    assert _codes(module_client, **params) == expected


@pytest.mark.usefixtures("imported")
def test_list_totals_are_cached_per_filter_set(module_client):
    # One data state, one cache: totals of different responses, states and kinds must not be shared.
    totals = [
        _get(module_client, "/api/v1/recommendations", limit=1, **params).json()["total"]
        for params in (
            {"response": "supported"},
            {"response": "noted"},
            {"recommending_state": "estonia"},
            {"recommending_state": "norway"},
            {"kind": "treaty_body"},
            {"kind": "ngo_report"},
        )
    ]
    assert totals == [2, 1, 2, 1, 2, SEED]


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    "params", [{"response": "accepted"}, {"kind": "ngo"}, {"recommending_state": "x" * 65}]
)
def test_bad_new_filters_are_422(shared_client, params):
    response = shared_client.get("/api/v1/recommendations", params=params)
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"


@pytest.mark.usefixtures("imported")
def test_scorecard_by_recommending_state(module_client):
    scorecard = _card(module_client, group_by="recommending_state")
    groups = _groups(scorecard)
    assert [group["key"] for group in scorecard["groups"]] == ["estonia", "latvia", "norway", "russia", None]
    assert groups["estonia"]["label"] == "Estonia" and groups["estonia"]["total"] == 2
    assert groups["estonia"]["by_status"]["implemented"] == 1 and groups["estonia"]["score"] == 1.0
    assert groups["norway"]["by_status"]["partially_implemented"] == 1
    assert groups[None]["label"] == "No recommending state" and groups[None]["total"] == SEED + 2
    assert scorecard["totals"]["total"] == SEED + 6
    estonia = _card(module_client, recommending_state="estonia")
    assert estonia["totals"]["total"] == 2 and [g["key"] for g in estonia["groups"]] == ["1"]


@pytest.mark.usefixtures("imported")
def test_scorecard_by_response_now_and_as_of_a_date(module_client, imported):
    now = _card(module_client, group_by="response")
    assert [group["key"] for group in now["groups"]] == ["supported", "noted", None]
    assert [group["label"] for group in now["groups"]] == ["Supported", "Noted", "No response"]
    assert [group["total"] for group in now["groups"]] == [2, 1, SEED + 3]
    supported = _groups(now)["supported"]
    assert supported["by_status"]["implemented"] == supported["by_status"]["partially_implemented"] == 1
    assert supported["score"] == 0.75
    # Pending at the review, supported from 2015-03-01 (the date the state took the position).
    before = _groups(_card(module_client, group_by="response", as_of="2015-01-01"))
    assert {key: group["total"] for key, group in before.items()} == {
        "supported": 1,
        "noted": 1,
        "pending": 1,
        None: SEED + 3,
    }
    after = _groups(_card(module_client, group_by="response", as_of="2015-06-01"))
    assert after["supported"]["total"] == 2 and "pending" not in after
    # Before the review, no response at all.
    assert [g["key"] for g in _card(module_client, group_by="response", as_of="2014-01-01")["groups"]] == [
        None
    ]
    # Known at a time before the second import: still pending, whatever the date.
    known = _groups(_card(module_client, group_by="response", known_at=imported["between"]))
    assert known["pending"]["total"] == 1 and known["supported"]["total"] == 1
    # The response filter means the response at the scorecard's point, like the status filter.
    assert _card(module_client, response="pending", as_of="2015-01-01")["totals"]["total"] == 1
    assert _card(module_client, response="pending")["totals"]["total"] == 0
    assert _card(module_client, response="supported", as_of="2015-01-01")["totals"]["total"] == 1
    assert _card(module_client, response="supported")["totals"]["total"] == 2
    assert _card(module_client, kind="treaty_body")["totals"]["by_status"]["not_implemented"] == 1


@pytest.mark.usefixtures("imported")
def test_fast_path_matches_the_history_for_the_new_groupings(module_client):
    today, now = datetime.now(UTC).date().isoformat(), datetime.now(UTC).isoformat()
    for group_by in ("recommending_state", "response", "source"):
        for filters in ({}, {"response": "supported"}, {"kind": "upr_review"}):
            fast = _card(module_client, group_by=group_by, **filters)
            derived = _card(module_client, group_by=group_by, as_of=today, known_at=now, **filters)
            assert fast.pop("known_at") is None and derived.pop("known_at") is not None
            assert fast == derived, (group_by, filters)


@pytest.mark.usefixtures("imported")
def test_scorecard_by_source_is_labelled_by_title(module_client):
    groups = _groups(_card(module_client, group_by="source"))
    assert groups["upr-kz-s20"]["label"] == UPR.title and groups["upr-kz-s20"]["total"] == 4
    assert groups["cedaw-kz-2019"]["label"] == CEDAW.title


@pytest.mark.usefixtures("imported")
def test_scorecard_csv_translates_response_groups(module_client):
    text = _get(module_client, "/api/v1/scorecard.csv", group_by="response").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert [row[:2] for row in rows[1:4]] == [
        ["supported", "Supported"],
        ["noted", "Noted"],
        ["", "No response"],
    ]


@pytest.mark.usefixtures("imported")
def test_claim_gaps_and_changes_take_the_new_filters(module_client):
    gaps = _get(module_client, "/api/v1/scorecard/claim-gaps", response="pending", as_of="2015-01-01").json()
    assert gaps["items"] == [] and gaps["total"] == 0
    changes = _get(
        module_client, "/api/v1/scorecard/changes", since="2015-01-01", recommending_state="norway"
    ).json()
    assert [change["code"] for change in changes["changes"]] == [f"{U}2"]


@pytest.mark.usefixtures("imported")
def test_matrix_json_has_the_upr_fields_as_of_the_date(module_client):
    rows = _get(module_client, "/api/v1/reports/matrix.json", source="upr-kz-s20").json()["rows"]
    assert [row["paragraph"] for row in rows] == ["106.1", "106.2", "106.3", None]
    assert [row["response"] for row in rows] == ["supported", "supported", "noted", None]
    assert [row["response_original"] for row in rows] == ["Accepted", "Supported", "Noted", None]
    assert [state["label"] for state in rows[0]["recommending_states"]] == ["Estonia", "Latvia"]
    early = _get(module_client, "/api/v1/reports/matrix.json", source="upr-kz-s20", as_of="2015-01-01")
    second = early.json()["rows"][1]
    # The word the source used names the current response, not the earlier one.
    assert second["response"] == "pending" and second["response_original"] is None
    pending = _get(module_client, "/api/v1/reports/matrix.json", response="pending", as_of="2015-01-01")
    assert [row["code"] for row in pending.json()["rows"]] == [f"{U}2"]
    seed = _get(module_client, "/api/v1/reports/matrix.json", source="odf-kz-2015").json()["rows"][0]
    assert seed["paragraph"] is seed["response"] is None and seed["recommending_states"] == []


@pytest.mark.usefixtures("imported")
def test_matrix_csv_and_xlsx_add_the_columns_only_where_there_is_data(module_client):
    text = _get(module_client, "/api/v1/reports/matrix.csv", kind="upr_review").content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    header = next(csv.reader(io.StringIO(text)))
    assert header[:5] == ["Code", "Source", "Paragraph", "Section", "Recommendation"]
    assert header.index("Recommending states") == header.index("Addressees") + 1
    assert header.index("Response") == header.index("State's claim") - 1
    assert [row["Paragraph"] for row in rows] == ["106.1", "106.2", "106.3", ""]
    assert [row["Response"] for row in rows] == ["Supported", "Supported", "Noted", ""]
    assert rows[0]["Recommending states"] == "Estonia; Latvia"
    early = _get(module_client, "/api/v1/reports/matrix.csv", kind="upr_review", as_of="2015-01-01")
    assert "Pending" in early.content.decode("utf-8-sig")
    # A treaty body's observations without paragraphs, states or responses keep the usual columns.
    cedaw = _get(module_client, "/api/v1/reports/matrix.csv", source="cedaw-kz-2019").content.decode(
        "utf-8-sig"
    )
    assert not {"Paragraph", "Recommending states", "Response"} & set(next(csv.reader(io.StringIO(cedaw))))

    workbook = openpyxl.load_workbook(
        io.BytesIO(_get(module_client, "/api/v1/reports/matrix.xlsx", kind="upr_review").content)
    )
    sheet = workbook["Matrix"]
    header = [cell.value for cell in sheet[1]]
    # The printed columns first (the paragraph among them), the others after them.
    assert header[:5] == ["Code", "Paragraph", "Recommendation", "Addressees", "Recommending states"]
    assert header.index("Section") > header.index("Evidence")
    assert sheet.freeze_panes == "B2"  # the code stays in view
    column = {name: index for index, name in enumerate(header)}
    assert sheet[2][column["Response"]].value == "Supported"
    assert sheet[2][column["Recommending states"]].value == "Estonia; Latvia"
    assert sheet.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(header))}5"


@pytest.mark.usefixtures("imported")
def test_matrix_documents_print_the_columns(module_client):
    html = _get(module_client, "/api/v1/reports/matrix.html", kind="upr_review").text
    # The printed layout, as in the Word document: the source column names who recommended it and the
    # state's response, a line each; the paragraph follows the code.
    for text in (
        '<th scope="col">Source</th>',
        "<br>\nRecommended by: Estonia; Latvia",
        "<br>\nResponse: Supported",
        f'<b class="code">{U}1</b> <small>para. 106.1</small>',
    ):
        assert text in html
    assert "<th>Paragraph</th>" not in html and html.count("<col class=") == 6
    document = docx.Document(
        io.BytesIO(_get(module_client, "/api/v1/reports/matrix.docx", kind="upr_review").content)
    )
    matrix = next(t for t in document.tables if t.rows[0].cells[0].text == "Recommendation")
    header = [cell.text for cell in matrix.rows[0].cells]
    assert header[:3] == ["Recommendation", "Source", "Assessment"]
    first = [cell.text for cell in matrix.rows[1].cells]
    assert first[0].startswith(f"{U}1 (para. 106.1)\n")
    # The source column names the review, who recommended it and the state's response, a line each.
    assert "Recommended by: Estonia; Latvia" in first[1].splitlines()
    assert "Response: Supported" in first[1].splitlines()
    # With several sources, the scorecard by section names each section's source.
    everything = docx.Document(io.BytesIO(_get(module_client, "/api/v1/reports/matrix.docx").content))
    names = [row.cells[0].text for row in everything.tables[0].rows[1:]]
    assert "upr-kz-s20 1. Recommendations" in names and "odf-kz-2015 2. Legislative measures" in names


@pytest.mark.usefixtures("imported")
def test_web_list_filters_by_source_state_response_and_kind(module_client):
    page = _get(module_client, "/recommendations").text
    for name in ("source", "kind", "response", "recommending_state"):
        assert f'id="f-{name}"' in page, name
    assert '<option value="supported">Supported</option>' in page
    assert '<option value="pending">' not in page  # no recommendation is pending now
    assert '<option value="upr_review">Universal Periodic Review</option>' in page
    filtered = _get(module_client, "/recommendations", recommending_state="estonia", response="noted").text
    assert filtered.count('<th scope="row">') == 1 and f"{U}3" in filtered
    assert '<option value="estonia" selected>Estonia</option>' in filtered
    by_source = _get(module_client, "/recommendations", source="upr-kz-s20").text
    assert by_source.count('<th scope="row">') == 4 and "para. 106.1" in by_source
    assert _get(module_client, "/recommendations", kind="treaty_body").text.count('<th scope="row">') == 2
    bad = _get(module_client, "/recommendations", response="accepted", kind="x").text
    assert "left out: Kind of source, Response." in bad


@pytest.mark.usefixtures("imported")
def test_web_recommendation_page_shows_the_upr_fields(module_client):
    page = _get(module_client, f"/recommendations/{U}1").text
    assert "para. 106.1" in page
    assert 'Supported <span class="meta">(Accepted)</span>' in page
    assert "<li>Estonia</li><li>Latvia</li>" in page and "5: specific action" in page
    second = _get(module_client, f"/recommendations/{U}2").text
    assert "Supported" in second and "(Supported)" not in second  # the same word is not repeated
    assert "The state's response: Supported. Before: Pending." in second
    assert "Imported from line 3 of a file. The state's response: Pending." in second


@pytest.mark.usefixtures("imported")
def test_web_overview_has_a_scorecard_per_source_and_a_picker(module_client):
    page = _get(module_client, "/").text
    # Three sources and the total; then supported, noted and no response.
    assert "Status by source" in page and page.count('<svg class="bar"') == 4 + 3
    assert '<select id="source" name="source">' in page
    assert "/?source=upr-kz-s20" in page and "Status by the state's response" in page
    picked = _get(module_client, "/", source="upr-kz-s20", as_of="2015-01-01").text
    assert "Status by section" in picked and "Universal Periodic Review · Kazakhstan · session 20" in picked
    assert '<option value="upr-kz-s20" selected>' in picked
    assert "/recommendations?source=upr-kz-s20&amp;response=pending" in picked
    cedaw = _get(module_client, "/", source="cedaw-kz-2019").text
    assert "Status by the state's response" not in cedaw  # a treaty body's observations have none
    unknown = _get(module_client, "/", source="no-such-source").text
    assert "left out: Source." in unknown and "Status by source" in unknown


@pytest.mark.usefixtures("imported")
def test_web_matrix_page_picks_a_source_and_shows_the_upr_columns(module_client):
    page = _get(module_client, "/matrix", source="upr-kz-s20", as_of="2015-01-01").text
    assert page.count('<th scope="row">') == 4 and '<option value="upr-kz-s20" selected>' in page
    assert '<th scope="col">State\'s response</th>' in page
    assert '<td data-label="State\'s response">Pending</td>' in page
    assert "para. 106.2" in page and '<td data-label="Recommended by">Estonia; Latvia</td>' in page
    assert "/api/v1/reports/matrix.csv?source=upr-kz-s20&amp;as_of=2015-01-01&amp;lang=en" in page
    seed = _get(module_client, "/matrix", source="odf-kz-2015").text
    assert seed.count('<th scope="row">') == SEED and "State's response" not in seed


@pytest.mark.usefixtures("imported")
def test_web_list_queries_stay_few_with_several_sources(module_client):
    statements: list[str] = []
    engine = module_client.app.state.engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    _get(module_client, "/recommendations", response="supported")
    event.listen(engine, "before_cursor_execute", listener)
    try:
        _get(module_client, "/recommendations", response="supported")
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len(statements) <= 7  # as in test_web_pages: with the rows' status dates


def test_a_seed_only_database_keeps_its_columns_and_filters(shared_client):
    header = next(
        csv.reader(io.StringIO(_get(shared_client, "/api/v1/reports/matrix.csv").content.decode("utf-8-sig")))
    )
    assert header == [
        "Code",
        "Source",
        "Section",
        "Recommendation",
        "Addressees",
        "Themes",
        "SDG targets",
        "State's claim",
        "Date of the state's claim",
        "What the state's claim says",
        "Independent status",
        "Claim gap",
        "Latest assessment (independent monitors)",
        "Assessment date",
        "Evidence",
        "Newest evidence link",
        "Sources cited in the report",
    ]
    page = _get(shared_client, "/recommendations").text
    for name in ("source", "kind", "response", "recommending_state"):
        assert f'id="f-{name}"' not in page, name
    overview = _get(shared_client, "/").text
    assert "Status by section" in overview and "Status by source" not in overview
    assert "Status by the state's response" not in overview
    assert [g["key"] for g in _card(shared_client, group_by="response")["groups"]] == [None]
    assert (
        _card(shared_client, group_by="recommending_state")["groups"][0]["label"] == "No recommending state"
    )
