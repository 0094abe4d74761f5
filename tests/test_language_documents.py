"""Documents in the asked language: `lang=` (else Accept-Language, else the instance default) on the report
endpoints, in their ETag and Vary; JSON stays English; the command line's --lang; Kazakh letters in PDFs."""

import io
import subprocess

import docx
import openpyxl
import pytest

from tests.support import run_cli

pytestmark = pytest.mark.sqlite_only
MATRIX = "/api/v1/reports/matrix"
# The letters Kazakh adds to the Russian alphabet: a PDF font without them prints boxes or drops them.
KAZAKH_LETTERS = "әғқңөұүһі"


def test_each_document_is_written_in_the_asked_language(module_client):
    russian = module_client.get(f"{MATRIX}.html", params={"lang": "ru", "section": 2})
    assert '<html lang="ru">' in russian.text and "Матрица выполнения рекомендаций" in russian.text
    kazakh = module_client.get(f"{MATRIX}.docx", params={"lang": "kk", "section": 2})
    assert (
        docx.Document(io.BytesIO(kazakh.content)).core_properties.title
        == "Kazakhstan: ұсынымдардың орындалуы"
    )
    workbook = openpyxl.load_workbook(
        io.BytesIO(module_client.get(f"{MATRIX}.xlsx?lang=ru&section=2").content)
    )
    assert workbook.sheetnames == ["Сводка", "Матрица"]
    assert workbook["Матрица"]["A1"].value == "Код"
    csv = module_client.get(f"{MATRIX}.csv", headers={"Accept-Language": "kk-KZ, ru;q=0.5"})
    assert csv.text.removeprefix("\ufeff").startswith("Код,")
    scorecard = module_client.get("/api/v1/scorecard.csv", params={"lang": "ru"})
    assert scorecard.text.removeprefix("\ufeff").startswith("Группа,Название,Источник,Рекомендации,")
    english = module_client.get(f"{MATRIX}.csv", headers={"Accept-Language": "de"})
    assert english.text.removeprefix("\ufeff").startswith("Code,")


def test_printed_documents_show_the_translated_texts_and_say_so(module_client):
    russian = docx.Document(
        io.BytesIO(module_client.get(f"{MATRIX}.docx", params={"lang": "ru", "section": 4}).content)
    )
    matrix = next(t for t in russian.tables if t.rows[0].cells[0].text == "Рекомендация")
    first = matrix.rows[1].cells[0].text.splitlines()
    assert first[1].startswith("Декриминализировать статьи о диффамации")
    assert first[2].startswith("Неофициальный перевод")
    html = module_client.get(f"{MATRIX}.html", params={"lang": "ru", "section": 4}).text
    assert "Декриминализировать статьи о диффамации" in html and "Неофициальный перевод" in html
    # Kazakh has no translation of the seed: the original, without a note.
    kazakh = module_client.get(f"{MATRIX}.html", params={"lang": "kk", "section": 4}).text
    assert "Decriminalise articles on defamation" in kazakh and "translation-note" not in kazakh


def test_data_in_printed_documents_is_marked_with_its_language(module_client):
    # A Kazakh document holds English originals: screen readers and spell checkers must know which is which.
    kazakh = module_client.get(f"{MATRIX}.html", params={"lang": "kk", "section": 4}).text
    assert '<html lang="kk">' in kazakh and '<span lang="en">Decriminalise articles on defamation' in kazakh
    russian = module_client.get(f"{MATRIX}.html", params={"lang": "ru", "section": 4}).text
    assert '<span lang="ru">Декриминализировать статьи о диффамации' in russian
    document = docx.Document(
        io.BytesIO(module_client.get(f"{MATRIX}.docx", params={"lang": "kk", "section": 4}).content)
    )
    assert document.core_properties.language == "kk"
    defaults = document.styles.element.xpath("w:docDefaults/w:rPrDefault/w:rPr/w:lang/@w:val")
    assert defaults == ["kk"]
    matrix = next(t for t in document.tables if t.rows[0].cells[0].text == "Ұсыным")
    languages = (
        matrix.rows[1].cells[0]._tc.xpath(".//w:r[w:t[starts-with(., 'Decriminalise')]]/w:rPr/w:lang/@w:val")
    )
    assert languages == ["en"]


def test_the_language_is_in_the_etag_and_vary(module_client):
    asked = {
        language: module_client.get(f"{MATRIX}.csv", params={"lang": language})
        for language in ("en", "ru", "kk")
    }
    assert len({response.headers["ETag"] for response in asked.values()}) == 3
    assert all(
        response.headers["Vary"] == "Authorization, Cookie, Accept-Language" for response in asked.values()
    )
    # The same language by header or by parameter is the same document.
    by_header = module_client.get(f"{MATRIX}.csv", headers={"Accept-Language": "ru"})
    assert by_header.headers["ETag"] == asked["ru"].headers["ETag"]
    again = module_client.get(f"{MATRIX}.csv?lang=ru", headers={"If-None-Match": asked["ru"].headers["ETag"]})
    assert again.status_code == 304
    other = module_client.get(f"{MATRIX}.csv?lang=kk", headers={"If-None-Match": asked["ru"].headers["ETag"]})
    assert other.status_code == 200
    pdf = module_client.get("/api/v1/scorecard.pdf", params={"lang": "kk"}, headers={"If-None-Match": "x"})
    assert pdf.headers["Vary"].endswith("Accept-Language")


def test_the_json_stays_english_whatever_is_asked(module_client):
    plain = module_client.get(f"{MATRIX}.json")
    russian = module_client.get(f"{MATRIX}.json", params={"lang": "ru"}, headers={"Accept-Language": "ru"})
    assert russian.json() == plain.json() and russian.headers["ETag"] == plain.headers["ETag"]
    assert "Accept-Language" not in russian.headers["Vary"]
    scorecard = module_client.get("/api/v1/scorecard", headers={"Accept-Language": "kk"}).json()
    assert scorecard["groups"][0]["label"].isascii()


@pytest.mark.parametrize(
    "path", [f"{MATRIX}.csv", f"{MATRIX}.pdf", "/api/v1/scorecard.csv", "/api/v1/scorecard.pdf"]
)
def test_an_unknown_language_is_refused(module_client, path):
    refused = module_client.get(path, params={"lang": "de"})
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")


def test_a_kazakh_pdf_keeps_every_kazakh_letter(module_client, tmp_path):
    # The search is written into the document's filter line: every Kazakh letter, through WeasyPrint.
    response = module_client.get(f"{MATRIX}.pdf", params={"lang": "kk", "q": KAZAKH_LETTERS})
    assert response.status_code == 200
    path = tmp_path / "kk.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert KAZAKH_LETTERS in text and "Ұсынымдардың орындалу матрицасы" in text
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "DejaVu-Sans" in fonts and all(
        line.split()[-5] == "yes" for line in fonts.splitlines()[2:] if line.strip()
    ), fonts


def test_the_command_line_writes_documents_in_the_asked_language(module_database, tmp_path):
    table = run_cli(module_database.url, "scorecard", "--lang", "kk")
    assert table.returncode == 0 and "Бөлімдер бойынша жиынтық бағалау" in table.stdout
    out = tmp_path / "m.csv"
    written = run_cli(
        module_database.url, "report", "matrix", "--format", "csv", "--out", str(out), "--lang", "ru"
    )
    assert written.returncode == 0 and out.read_text("utf-8-sig").startswith("Код,")
    default = run_cli(module_database.url, "scorecard", env={"RECTRACK_DEFAULT_LANGUAGE": "ru"})
    assert "Сводная оценка по разделам" in default.stdout
    refused = run_cli(module_database.url, "scorecard", "--lang", "de")
    assert refused.returncode == 2 and "--lang" in refused.stderr
