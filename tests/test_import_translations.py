"""Translations in imports: a text_ru column (mapped, UPR Info), a second file keyed by paragraph, whose
they are, and re-imports that record a changed translation and nothing else (issue 15)."""

import json
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import Session, col

from app.db import build_engine, write_engine
from app.imports.apply import ImportConflict, _claim_all
from app.imports.readers import mapped, upr_info
from app.imports.rows import ReadOptions, TranslationOrigin, TranslationSpec, UnreadableFile
from app.models import HistoryEntry, Recommendation, Translation
from tests.import_fixtures import UPR_COLUMNS, UPR_ROWS, upr_info_text
from tests.support import bearer, run_cli
from tests.test_web_pages import _csrf, _sign_in

SHEET = (
    "No.,Recommendation,Текст (рус)\r\n"
    "118.1,Repeal article 174 of the Criminal Code.,Отменить статью 174 Уголовного кодекса.\r\n"
    "118.2,Decriminalise defamation.,\r\n"
)
MAPPING = [
    "--column",
    "text=Recommendation",
    "--column",
    "paragraph=No.",
    "--column",
    "text_ru=Текст (рус)",
    *("--source", "state=Kazakhstan", "--source", "kind=ngo_report", "--source", "slug=ourngo-kz-2024"),
    *("--source", "title=Our NGO: follow-up (2024)", "--source", "publisher=Our NGO"),
]
TRANSLATOR = ("--translator", "Our NGO's volunteers")
DEFAMATION_RU = "Декриминализировать диффамацию."
_RU_COLUMN = 'text_ru = "Текст (рус)"\n'
_MAPPING_TOML = (
    f'[columns]\ntext = "Recommendation"\nparagraph = "No."\n{_RU_COLUMN}[source]\nstate = "Kazakhstan"\n'
    'kind = "ngo_report"\nslug = "ourngo-kz-2024"\ntitle = "T"\npublisher = "P"\n'
)


def _mapping(**options: object) -> ReadOptions:
    columns = ["text=Recommendation", "paragraph=No.", "text_ru=Текст (рус)"]
    constants = {"state": "Kazakhstan", "kind": "ngo_report", "slug": "ourngo-kz-2024", "title": "T"}
    chosen = mapped.mapping_from_options(columns, constants | {"publisher": "P"})
    return ReadOptions(mapping=chosen, **options)  # type: ignore[arg-type]


def test_a_mapped_column_is_the_text_in_russian_whose_translation_the_import_says() -> None:
    with pytest.raises(UnreadableFile, match="--translator"):
        mapped.read(SHEET.encode(), "sheet.csv", _mapping())
    official = _mapping(translation=TranslationOrigin("official"))
    rows = mapped.read(SHEET.encode(), "sheet.csv", official).rows
    assert rows[0].translations == (
        TranslationSpec("ru", "Отменить статью 174 Уголовного кодекса.", "official", None),
    )
    assert rows[1].translations == ()  # an empty cell is no translation


def test_a_upr_info_column_naming_russian_text_is_read_as_translations() -> None:
    rows = [replace(UPR_ROWS[0], cells=UPR_ROWS[0].cells | {"Text (Russian)": DEFAMATION_RU}), UPR_ROWS[1]]
    text = upr_info_text(rows, columns=(*UPR_COLUMNS, "Text (Russian)")).encode("utf-8")
    whose = TranslationOrigin("unofficial", "A volunteer")
    result = upr_info.read(text, "export.csv", ReadOptions(translation=whose))
    assert result.rows[0].translations == (TranslationSpec("ru", DEFAMATION_RU, "unofficial", "A volunteer"),)
    assert result.rows[1].translations == ()
    assert "The column “Text (Russian)” is read as the text in Russian (a translation)." in result.notes
    with pytest.raises(UnreadableFile, match="Text \\(Russian\\)"):
        upr_info.read(text, "export.csv", ReadOptions())


def _import(url: str, tmp_path: Path, translations: str | None, *extra: str) -> tuple[int, dict, str]:
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    args = ["import", "mapped", str(sheet), *MAPPING, "--json", *extra]
    if translations is not None:
        (tmp_path / "ru.csv").write_text(translations, encoding="utf-8")
        args += ["--translations", str(tmp_path / "ru.csv")]
    run = run_cli(url, *args)
    return run.returncode, json.loads(run.stdout) if run.stdout.strip() else {}, run.stderr


def _count(url: str, model: type) -> int:
    engine = build_engine(url)
    try:
        with Session(engine) as session:
            return session.execute(select(func.count()).select_from(model)).scalar_one()
    finally:
        engine.dispose()


@pytest.mark.sqlite_only
def test_an_unknown_paragraph_of_the_translations_file_is_reported_and_stops_the_import(database, tmp_path):
    before = _count(database.url, Recommendation)
    unknown = f"paragraph,text_ru\r\n118.2,{DEFAMATION_RU}\r\n118.9,Неизвестно.\r\n"
    code, report, _ = _import(database.url, tmp_path, unknown, *TRANSLATOR, "--dry-run")
    assert code == 0 and report["dry_run"]
    assert (report["new"], report["translations_added"], report["translations_updated"]) == (2, 2, 0)
    assert [(r["line"], r["reason"][:46]) for r in report["translations_refused"]] == [
        (3, "No recommendation of the import has the paragr")
    ]
    code, report, _ = _import(database.url, tmp_path, unknown, *TRANSLATOR)
    assert code == 1 and not report["applied"] and _count(database.url, Recommendation) == before
    code, report, _ = _import(database.url, tmp_path, unknown, *TRANSLATOR, "--skip-bad-rows")
    assert code == 0 and report["applied"] and _count(database.url, Recommendation) == before + 2


def test_a_reimport_records_a_changed_translation_and_nothing_when_unchanged(database, tmp_path, client):
    translations = f"paragraph,text_ru\r\n118.2,{DEFAMATION_RU}\r\n"
    code, _, stderr = _import(database.url, tmp_path, translations)
    assert code == 1 and "--translator" in stderr  # unofficial and no one's: refused before anything
    code, report, _ = _import(database.url, tmp_path, translations, *TRANSLATOR)
    assert code == 0 and report["applied"] and report["translations_added"] == 2
    page = client.get("/api/v1/recommendations", params={"source": "ourngo-kz-2024", "lang": "ru"}).json()
    code_2 = page["items"][1]["code"]
    assert page["items"][1]["translated_text"] == DEFAMATION_RU
    assert page["items"][1]["translation"]["translator"] == "Our NGO's volunteers"

    entries = _count(database.url, HistoryEntry)
    code, again, _ = _import(database.url, tmp_path, translations, *TRANSLATOR)
    assert (again["unchanged"], again["translations_added"], again["translations_updated"]) == (2, 0, 0)
    code, lacking, _ = _import(database.url, tmp_path, None, *TRANSLATOR)  # a file lacking one removes none
    assert lacking["changed"] == 0 and _count(database.url, HistoryEntry) == entries

    changed = f"paragraph,text_ru\r\n118.2,{DEFAMATION_RU[:-1]} и клевету.\r\n"
    code, report, _ = _import(database.url, tmp_path, changed, *TRANSLATOR)
    assert (report["changed"], report["translations_updated"]) == (1, 1)
    assert [(c["code"], c["field"], c["stored"]) for c in report["changes"]] == [
        (code_2, "text_ru", DEFAMATION_RU)
    ]
    assert _count(database.url, HistoryEntry) == entries + 1
    detail = client.get(f"/api/v1/recommendations/{code_2}", params={"lang": "ru"}).json()
    assert detail["translated_text"] == "Декриминализировать диффамацию и клевету." and detail["version"] == 2
    engine = build_engine(database.url)
    with Session(engine) as session:
        kinds = session.scalars(
            select(col(HistoryEntry.kind))
            .join(Recommendation, col(Recommendation.id) == col(HistoryEntry.recommendation_id))
            .where(col(Recommendation.code) == code_2)
            .order_by(col(HistoryEntry.seq))
        ).all()
        kept = session.scalars(
            select(col(Translation.superseded_at)).where(col(Translation.text) == DEFAMATION_RU)
        ).all()
    engine.dispose()
    assert kinds == ["genesis", "translation_recorded"] and len(kept) == 1 and kept[0] is not None
    verify = run_cli(database.url, "verify")
    assert verify.returncode == 0, verify.stdout[-2000:]


@pytest.mark.sqlite_only
def test_the_api_takes_a_translations_file_and_whose_it_is(client, admin_token):
    files = {
        "file": ("sheet.csv", SHEET.replace(",Текст (рус)", "").encode(), "text/csv"),
        "mapping_file": ("m.toml", _MAPPING_TOML.replace(_RU_COLUMN, "").encode(), "application/toml"),
        "translations_file": ("ru.csv", f"paragraph,language,text\r\n118.2,ru,{DEFAMATION_RU}\r\n".encode()),
    }
    form = {"format": "mapped", "dry_run": "false", "translation_provenance": "official"}
    response = client.post("/api/v1/imports", data=form, files=files, headers=bearer(admin_token))
    assert response.status_code == 200, response.text
    assert response.json()["translations_added"] == 1
    code = client.get("/api/v1/recommendations", params={"source": "ourngo-kz-2024"}).json()["items"][1][
        "code"
    ]
    detail = client.get(f"/api/v1/recommendations/{code}", params={"lang": "ru"}).json()
    assert detail["translation"]["provenance"] == "official" and detail["translated_text"] == DEFAMATION_RU


@pytest.mark.sqlite_only
def test_the_web_form_takes_the_translations_file_and_the_translator(client, admin_token):
    _sign_in(client, admin_token)
    page = client.get("/imports").text
    assert 'name="translations_file"' in page and 'name="translator"' in page
    files = {
        "file": ("sheet.csv", SHEET.encode(), "text/csv"),
        "mapping_file": ("m.toml", _MAPPING_TOML.encode(), "application/toml"),
        "translations_file": ("ru.csv", f"paragraph,text_ru\r\n118.2,{DEFAMATION_RU}\r\n".encode()),
    }
    form = {
        "csrf_token": _csrf(page),
        "format": "mapped",
        "dry_run": "on",
        "translator": "Our NGO's volunteers",
    }
    response = client.post("/imports", data=form, files=files)
    assert response.status_code == 200, response.text
    assert "Dry run: nothing was written" in response.text
    assert "Translations: 2 new, 0 replacing a different one." in response.text


@pytest.mark.sqlite_only
def test_claims_of_a_version_changed_meanwhile_stop_the_import(database):
    engine = build_engine(database.url)
    with Session(write_engine(engine)) as session:
        rec_id, version = session.execute(select(col(Recommendation.id), col(Recommendation.version))).first()
        with pytest.raises(ImportConflict):
            _claim_all(session, [(rec_id, version, 1, {}), (rec_id, version - 1, 1, {"response": "noted"})])
        session.rollback()
    engine.dispose()
