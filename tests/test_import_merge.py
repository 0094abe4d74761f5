"""A UPR Info export and a UHRI export of the same review meet: one recommendation per text, the UHRI's
annotation id given to it, a later change of the state's position recorded, a changed text reported."""

import io
import json

from openpyxl import Workbook
from sqlalchemy import select
from sqlmodel import Session, col

from app.db import build_engine
from app.models import HistoryEntry, Recommendation
from tests.support import run_cli
from tests.test_import_mapped import UHRI_COLUMNS, uhri_row

TEXT = "Decriminalise defamation and insult, and bring them under civil law \u2013 as promised in 2010."
UPR_INFO = (
    "To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,Session\r"
    f'Kazakhstan,Asia-Pacific Group,OSCE,"{TEXT}","Hungary; Australia",,,Pending,5,'
    '"Freedom of opinion and expression, Justice",20\r'
)
ANNOTATION = "6f1c2a00-0000-4000-8000-00000000kz20"


def _uhri(text: str, position: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(UHRI_COLUMNS)
    sheet.append(
        uhri_row(
            Text=f"  {text.upper()} ",  # the UHRI's own spacing and case: the same recommendation
            Countries_Concerned="- Kazakhstan",
            Reccomending_Body="- Universal Periodic Review",
            Document_Symbol="A/HRC/28/10",
            Themes="- Freedom of opinion and expression",
            Document_Publication_Date=42045,
            UPR_Reccomending_States="- Australia\n- Hungary",
            UPR_Position=position,
            Type="Recommendation",
            OHCHR_Annotation_Id=ANNOTATION,
            UPR_Session=20,
        )
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _import(url: str, *args: str) -> dict:
    run = run_cli(url, "import", *args, "--json")
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def _stored(url: str) -> tuple[Recommendation, list[str]]:
    engine = build_engine(url)
    try:
        with Session(engine) as session:
            rec = session.execute(
                select(Recommendation).where(col(Recommendation.code).like("upr-kz-s20-%"))
            ).scalar_one()
            kinds = session.scalars(
                select(col(HistoryEntry.kind))
                .where(col(HistoryEntry.recommendation_id) == rec.id)
                .order_by(col(HistoryEntry.seq))
            ).all()
            return rec, list(kinds)
    finally:
        engine.dispose()


def test_a_upr_info_row_and_a_uhri_row_of_one_review_are_one_recommendation(database, tmp_path):
    csv_path = tmp_path / "upr-info.csv"
    csv_path.write_bytes(UPR_INFO.encode("cp1252"))
    first = _import(database.url, "upr-info", str(csv_path), "--reviewed-on", "2014-10-30")
    assert first["new"] == 1

    xlsx = tmp_path / "uhri.xlsx"
    xlsx.write_bytes(_uhri(TEXT, "Supported"))
    merged = _import(database.url, "mapped", str(xlsx), "--mapping", "uhri", "--responses-on", "2015-03-10")
    assert (merged["new"], merged["changed"], merged["sources"][0]["slug"]) == (0, 1, "upr-kz-s20")
    assert [(c["field"], c["stored"], c["imported"]) for c in merged["changes"]] == [
        ("response", "pending", "supported")
    ]
    rec, kinds = _stored(database.url)
    assert (rec.external_id, rec.response, rec.response_original) == (
        f"uhri:{ANNOTATION}",
        "supported",
        "Supported",
    )
    assert kinds == ["genesis", "response_recorded"]

    # Found by its annotation id now: a reworded text is reported, and applied only when asked.
    xlsx.write_bytes(_uhri(TEXT + " By 2016.", "Supported"))
    reported = _import(database.url, "mapped", str(xlsx), "--mapping", "uhri")
    assert [c["field"] for c in reported["changes"]] == ["text"] and not reported["changes"][0]["applied"]
    applied = _import(database.url, "mapped", str(xlsx), "--mapping", "uhri", "--update-texts")
    assert applied["texts_updated"] == 1
    rec, kinds = _stored(database.url)
    assert kinds == ["genesis", "response_recorded", "text_changed"] and rec.text.endswith("BY 2016.")
    assert run_cli(database.url, "verify").returncode == 0
