"""The spreadsheet matrix (CSV, XLSX) read as tuples gives the same cells and bytes as the dict rows did.

One module database per backend: generated recommendations (many evidence links, restricted ones, claims,
undated items), the seed (the report's own sources with footnotes, categories), a UPR review linked to it
(commitments, responses, paragraphs, recommending states), and texts a spreadsheet would run as formulas.
Each case renders the matrix both ways, in batches small enough that keyset paging is exercised.
"""

import csv
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text
from sqlmodel import Session

from app.db import build_engine, write_engine
from app.i18n.translation import use_locale
from app.imports.apply import ApplyOptions, apply_import
from app.imports.rows import ImportedRow, ReadResult, SourceSpec
from app.recommendations.service import categories_by_recommendation
from app.reports.cells import sheet_columns
from app.reports.csv_report import matrix_csv
from app.reports.documents import matrix_meta
from app.reports.matrix import matrix_rows
from app.reports.sheet_rows import SHEET_KEYS, sheet_rows, status_code_index
from app.scorecards.params import MatrixParams
from app.vocabulary import Response, SourceKind
from bench.generate import generate
from tests.matrix_reference import cells, reference_csv, status_of_cell
from tests.support import assess, bearer, link, make_token, migrate, seed

ODF = "odf-kz-2015-"
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
GENERATED = 240
LAST_FIRST = "source_id DESC, section_number DESC, number DESC"
BATCH = 50  # rows a query: several batches, so the keyset position is carried between them
CASES = [
    {},
    {"perspective": "state"},
    {"perspective": "un"},
    {"as_of": "2019-06-30"},
    {"known_at": "KNOWN"},
    {"source": "upr-kz-s20"},
    {"status": "not_implemented"},
]


def _import_review(url: str) -> None:
    row = {"source": UPR, "action_category": 5}
    rows = [
        ImportedRow(
            line=2,
            text="Decriminalise defamation.",
            paragraph="106.1",
            recommending_states=("Hungary", "Australia"),
            response=Response.supported,
            response_original="Accepted",
            **row,
        ),
        ImportedRow(
            line=3,
            text="=Repeal the offences of insulting officials.",
            paragraph="106.2",
            recommending_states=("Norway",),
            response=Response.noted,
            response_original="Noted",
            **row,
        ),
        ImportedRow(line=4, text="-Simplify registration.", recommending_states=(), **row),
    ]
    engine = build_engine(url)
    with Session(write_engine(engine)) as session:
        report = apply_import(
            session,
            ReadResult(format="test", rows=rows),
            ApplyOptions(filename="t.csv", file_sha256="0" * 64),
        )
        assert report.applied
        session.commit()
    engine.dispose()


def _link(client, token: str, code: str, other: str, strength: str) -> None:
    version = client.get(f"/api/v1/recommendations/{other}").headers["etag"].strip('"')
    etag = client.get(f"/api/v1/recommendations/{code}").headers["etag"]
    response = client.post(
        f"/api/v1/recommendations/{code}/links",
        json={"other": other, "other_version": int(version), "strength": strength},
        headers=bearer(token) | {"If-Match": etag},
    )
    assert response.status_code == 201, response.text


@pytest.fixture(scope="module")
def database_template(backend, postgres_server, tmp_path_factory, run_id) -> Iterator[str]:
    """Generated recommendations (the generator wants an empty database), then the seed, once per backend."""
    name = f"rectrack_{run_id}_sheets"
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sheets') / name}.db"
    else:
        url = postgres_server.create(name)
    migrate(url)
    generate(url, GENERATED, log=lambda _line: None)
    seed(url)
    yield url
    if backend == "postgresql":
        postgres_server.drop(url)


@pytest.fixture(scope="module")
def scripted(module_client, module_database) -> str:
    """The data described above, recorded once; returns a time between two steps (for known_at)."""
    url = module_database.url
    token = make_token(url, "monitor", "Sheet Monitor")
    _import_review(url)
    for code, other, strength in (
        (f"{ODF}2.1", "upr-kz-s20-1.1", "same_measure"),
        (f"{ODF}2.1", "upr-kz-s20-1.2", "same_measure"),
        (f"{ODF}2.2", "upr-kz-s20-1.2", "related"),
    ):
        _link(module_client, token, code, other, strength)
    for code, status, on, perspective, summary in (
        (f"{ODF}2.1", "not_implemented", "2016-01-01", "independent", "+1 more arrests"),
        (f"{ODF}2.1", "implemented", "2016-02-01", "state", "=SUM(A1:A2) claims the state"),
        (f"{ODF}2.2", "partially_implemented", "2018-01-01", "un", '@UN: partly, "quoted", and\nlines'),
        (f"{ODF}2.3", "regressed", "2020-01-01", "independent", "Tab\tinside"),
    ):
        body = {"status": status, "effective_on": on, "summary": summary, "perspective": perspective}
        assess(module_client, token, code, body)
    known = datetime.now(UTC).isoformat()
    for title, url_, published_on, relation, visibility in (
        ('=HYPERLINK("x")', "https://example.org/a", "2017-03-01", "progress", "public"),
        ("Same day, linked later", "https://example.org/b", "2017-03-01", "regression", "public"),
        ("Undated", "https://example.org/c", None, "context", "public"),
        ("Restricted; informant", "https://example.org/d", "2021-01-01", "progress", "restricted"),
    ):
        body = {
            "url": url_,
            "title": title,
            "kind": "news",
            "relation": relation,
            "visibility": visibility,
            **({"published_on": published_on} if published_on else {}),
        }
        link(module_client, token, f"{ODF}2.1", body)
    return known


def _params(case: dict, known: str) -> MatrixParams:
    return MatrixParams.model_validate(
        {key: known if value == "KNOWN" else value for key, value in case.items()}
    )


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
@pytest.mark.parametrize("restricted", [False, True], ids=["public", "restricted"])
@pytest.mark.parametrize("case", CASES, ids=lambda case: ",".join(case) or "now")
def test_the_csv_is_the_same_bytes_as_the_dict_rows_gave(
    module_database, scripted, case, restricted, language
):
    params = _params(case, scripted)
    engine = build_engine(module_database.url)
    with Session(engine) as session, use_locale(language):
        optional = matrix_meta(session, params)["columns"]
        expected = reference_csv(
            matrix_rows(session, params, include_restricted=restricted, batch_size=BATCH),
            sheet_columns(params.perspective, optional),
        )
        rows = sheet_rows(session, params, include_restricted=restricted, optional=optional, batch_size=BATCH)
        actual = "".join(matrix_csv(rows, params.perspective, optional))
    engine.dispose()
    assert actual == expected
    lines = list(csv.reader(io.StringIO(actual)))
    assert len(lines) > (1 if case else GENERATED)


def test_every_cell_and_status_matches_with_every_optional_column(module_database, scripted):
    """All optional columns read (what the XLSX shows when some row has one), statuses for the colours."""
    engine = build_engine(module_database.url)
    keys = [*SHEET_KEYS]
    with Session(engine) as session:
        params = MatrixParams(perspective="un")
        optional = matrix_meta(session, params)["columns"]
        assert set(optional) == {"paragraph", "recommending_states", "response", "upr_commitments"}
        old = list(matrix_rows(session, params, include_restricted=True))
        new = list(sheet_rows(session, params, include_restricted=True, optional=optional))
    engine.dispose()
    assert len(new) == len(old) > GENERATED
    for before, after in zip(old, new, strict=True):
        assert dict(zip(keys, after, strict=False)) == cells(before)
        for key in ("claimed_status", "independent_status", "assessment_status"):
            assert after[status_code_index(key)] == status_of_cell(before, key)
    committed = next(row for row in new if row[0] == f"{ODF}2.1")
    assert committed[SHEET_KEYS.index("upr_commitments")].count("\n") == 1  # two UPR recommendations


def test_a_category_linked_between_batches_is_named_as_the_session_sees_it(module_database, scripted):
    """Categories are read once: one added after the first batch (a session that is not one snapshot sees
    it, PostgreSQL's read committed) is read then, and every row names its categories as the session sees."""
    engine = build_engine(module_database.url)
    params = MatrixParams()
    with Session(engine) as session:
        rows = sheet_rows(session, params, include_restricted=False, optional=(), batch_size=BATCH)
        first = next(rows)
        last = session.execute(text(f"SELECT id, code FROM recommendations ORDER BY {LAST_FIRST}")).first()
        with Session(write_engine(engine)) as writer:
            writer.execute(
                text("INSERT INTO categories (kind, slug, label) VALUES ('theme', 'zz-late', 'Added late')")
            )
            writer.execute(
                text(
                    "INSERT INTO recommendation_categories "
                    "(recommendation_id, category_id, source_id, section_number, number) "
                    "SELECT r.id, c.id, r.source_id, r.section_number, r.number FROM recommendations r, "
                    "categories c WHERE r.id = :id AND c.slug = 'zz-late'"
                ),
                {"id": last.id},
            )
            writer.commit()
        rest = list(rows)
        seen = categories_by_recommendation(session, [last.id])[last.id]["theme"]
    engine.dispose()
    assert first[0] != last.code and rest[-1][0] == last.code
    assert rest[-1][SHEET_KEYS.index("themes")] == "; ".join(item["label"] for item in seen)
    if module_database.backend == "postgresql":
        assert seen[-1]["label"] == "Added late"


def test_the_http_csv_in_russian_is_the_reference(module_client, module_database, scripted):
    """The route's own streamed session and language give the same bytes as the reference rendering."""
    response = module_client.get("/api/v1/reports/matrix.csv", params={"lang": "ru", "perspective": "un"})
    assert response.status_code == 200
    params = MatrixParams(perspective="un")
    engine = build_engine(module_database.url)
    with Session(engine) as session, use_locale("ru"):
        optional = matrix_meta(session, params)["columns"]
        rows = matrix_rows(session, params, include_restricted=False)
        expected = reference_csv(rows, sheet_columns(params.perspective, optional))
    engine.dispose()
    assert response.content.decode("utf-8") == expected
    # Cells a spreadsheet would run as formulas start with an apostrophe (a line inside a cell need not).
    for cell in ("'=SUM(A1:A2) claims the state", "'-Simplify registration.", '"\'@UN: partly, ""quoted'):
        assert cell in expected
