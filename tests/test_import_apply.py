"""The import writer on both databases: new rows with their chains, re-imports, changes, all or nothing."""

from datetime import date

from sqlalchemy import func, select
from sqlmodel import Session, col

from app.db import build_engine, write_engine
from app.imports.apply import ApplyOptions, apply_import
from app.imports.rows import CategorySpec, ImportedRow, ReadResult, RefusedRow, SourceSpec
from app.models import Category, HistoryEntry, Recommendation, Source
from app.vocabulary import CategoryKind, Response, SourceKind
from tests.support import run_cli

S20 = SourceSpec(
    slug="upr-kz-s20",
    kind=SourceKind.upr_review,
    title="Universal Periodic Review of Kazakhstan: session 20 (second cycle)",
    publisher="UN Human Rights Council, Working Group on the Universal Periodic Review",
    state_under_review="Kazakhstan",
    cycle=2,
    session=20,
    reviewed_on=date(2014, 10, 30),
)
DEFAMATION = "Decriminalise defamation and bring it under civil law."
RELIGION = "Ease the registration of religious associations."


def _rows(**changes: object) -> list[ImportedRow]:
    rows = [
        ImportedRow(
            line=2,
            source=S20,
            text=DEFAMATION,
            recommending_states=("Hungary", "Australia"),
            response=Response.pending,
            response_original="Pending",
            action_category=5,
            paragraph="106.12",
            categories=(CategorySpec(CategoryKind.theme, "Freedom of opinion and expression"),),
            external_id="uhri:0001",
        ),
        ImportedRow(
            line=3,
            source=S20,
            text=RELIGION,
            recommending_states=("Russian Federation",),
            response=Response.noted,
            response_original="Noted",
            categories=(CategorySpec(CategoryKind.theme, "Prisoners' rights"),),
        ),
    ]
    return [ImportedRow(**{**row.__dict__, **changes.get(str(row.line), {})}) for row in rows]  # type: ignore[arg-type]


def _apply(url: str, rows: list[ImportedRow], refused: list[RefusedRow] | None = None, **options: object):
    engine = build_engine(url)
    try:
        with Session(write_engine(engine)) as session:
            result = ReadResult(format="test", rows=rows, refused=refused or [], encoding="utf-8")
            report = apply_import(
                session, result, ApplyOptions(filename="f.csv", file_sha256="0" * 64, **options)
            )  # type: ignore[arg-type]
            session.commit()
        return report
    finally:
        engine.dispose()


def _count(url: str, model: type) -> int:
    engine = build_engine(url)
    try:
        with Session(engine) as session:
            return session.execute(select(func.count()).select_from(model)).scalar_one()
    finally:
        engine.dispose()


def _recommendation(url: str, code: str) -> Recommendation:
    engine = build_engine(url)
    try:
        with Session(engine) as session:
            return session.execute(
                select(Recommendation).where(col(Recommendation.code) == code)
            ).scalar_one()
    finally:
        engine.dispose()


def _verified(url: str) -> None:
    run = run_cli(url, "verify")
    assert run.returncode == 0, run.stdout + run.stderr


def test_an_import_creates_sources_recommendations_and_chains_that_verify(database):
    report = _apply(database.url, _rows())
    assert report.applied and report.new == 2 and report.sources[0].created
    rec = _recommendation(database.url, "upr-kz-s20-1.1")
    assert (rec.text, rec.paragraph, rec.response, rec.response_original, rec.action_category) == (
        DEFAMATION,
        "106.12",
        "pending",
        "Pending",
        5,
    )
    assert rec.external_id == "uhri:0001" and rec.version == 1
    engine = build_engine(database.url)
    with Session(engine) as session:
        source = session.execute(select(Source).where(col(Source.slug) == "upr-kz-s20")).scalar_one()
        assert (source.kind, source.session, source.cycle, source.reviewed_on) == (
            "upr_review",
            20,
            2,
            date(2014, 10, 30),
        )
        states = session.scalars(
            select(col(Category.slug))
            .where(col(Category.kind) == "recommending_state")
            .order_by(col(Category.slug))
        ).all()
        assert states == ["australia", "hungary", "russia"]
        # UPR Info's label means an existing theme; an unknown label becomes a theme of its own.
        themes = session.scalars(
            select(col(Category.slug)).where(
                col(Category.kind) == "theme", col(Category.slug).like("prisoners%")
            )
        ).all()
        assert themes == ["prisoners-rights"]
        genesis = session.execute(
            select(HistoryEntry).where(col(HistoryEntry.recommendation_id) == rec.id)
        ).scalar_one()
        assert (genesis.kind, genesis.response, genesis.effective_on) == (
            "genesis",
            "pending",
            date(2014, 10, 30),
        )
        assert "f.csv" not in genesis.payload  # the file's digest, never its name
    engine.dispose()
    _verified(database.url)


def test_importing_again_creates_nothing_and_says_so(database):
    _apply(database.url, _rows())
    entries = _count(database.url, HistoryEntry)
    again = _apply(database.url, _rows())
    assert (again.new, again.unchanged, again.changed) == (0, 2, 0)
    assert not again.sources[0].created
    assert _count(database.url, HistoryEntry) == entries


def test_a_changed_response_is_a_dated_entry_and_a_new_version(database):
    _apply(database.url, _rows())
    supported = {"2": {"response": Response.supported, "response_original": "Accepted"}}
    report = _apply(database.url, _rows(**supported), responses_on=date(2015, 3, 1))
    assert report.responses_recorded == 1
    assert [(c.code, c.field, c.stored, c.imported) for c in report.changes] == [
        ("upr-kz-s20-1.1", "response", "pending", "supported")
    ]
    rec = _recommendation(database.url, "upr-kz-s20-1.1")
    assert (rec.response, rec.response_original, rec.version) == ("supported", "Accepted", 2)
    engine = build_engine(database.url)
    with Session(engine) as session:
        entry = session.execute(
            select(HistoryEntry).where(
                col(HistoryEntry.recommendation_id) == rec.id, col(HistoryEntry.seq) == 2
            )
        ).scalar_one()
        assert (entry.kind, entry.response, entry.effective_on) == (
            "response_recorded",
            "supported",
            date(2015, 3, 1),
        )
    engine.dispose()
    _verified(database.url)


def test_a_changed_text_is_reported_and_applied_only_when_asked(database):
    _apply(database.url, _rows())
    reworded = {"2": {"text": DEFAMATION + " Now."}}
    reported = _apply(database.url, _rows(**reworded))
    assert reported.changed == 1 and reported.texts_updated == 0
    assert reported.changes[0].field == "text" and not reported.changes[0].applied
    assert _recommendation(database.url, "upr-kz-s20-1.1").text == DEFAMATION
    applied = _apply(database.url, _rows(**reworded), update_texts=True)
    assert applied.texts_updated == 1
    rec = _recommendation(database.url, "upr-kz-s20-1.1")
    assert (rec.text, rec.version) == (DEFAMATION + " Now.", 2)
    _verified(database.url)


def test_a_refused_row_imports_nothing_unless_bad_rows_are_skipped(database):
    before = (_count(database.url, Recommendation), _count(database.url, HistoryEntry))
    refused = [RefusedRow(line=4, reason="The row has no text.")]
    report = _apply(database.url, _rows(), refused)
    assert not report.applied and report.new == 2 and report.refused == refused
    assert (_count(database.url, Recommendation), _count(database.url, HistoryEntry)) == before
    skipped = _apply(database.url, _rows(), refused, skip_bad_rows=True)
    assert skipped.applied and _count(database.url, Recommendation) == before[0] + 2


def test_a_dry_run_reports_the_plan_and_writes_nothing(database):
    before = _count(database.url, Recommendation)
    report = _apply(database.url, _rows(), dry_run=True)
    assert not report.applied and report.new == 2
    assert _count(database.url, Recommendation) == before and _count(database.url, Source) == 1


def test_rows_are_found_by_their_text_key_and_codes_never_move(database):
    first = _rows()[1:]  # the row without an id first
    _apply(database.url, first)
    assert _recommendation(database.url, "upr-kz-s20-1.1").text == RELIGION
    # The same row from another format (with an id, other spacing and case) merges; the new one comes after.
    merged = ImportedRow(
        **{
            **first[0].__dict__,
            "text": "  ease the registration  of religious associations.",
            "external_id": "uhri:0002",
        }
    )
    report = _apply(database.url, [_rows()[0], merged])
    assert (report.new, report.unchanged) == (1, 1)
    assert _recommendation(database.url, "upr-kz-s20-1.1").external_id == "uhri:0002"
    assert _recommendation(database.url, "upr-kz-s20-1.2").text == DEFAMATION


def test_two_rows_with_one_identity_are_one_recommendation(database):
    rows = _rows()
    report = _apply(database.url, [rows[1], ImportedRow(**{**rows[1].__dict__, "line": 9})])
    assert (report.new, report.repeats) == (1, 1)
