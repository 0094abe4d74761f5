"""Pictures of the documents a UPR preparer submits, for docs/documents/: `make document-pictures`.

Builds a scratch SQLite database with the seed and the tests' realistic review, downloads the matrix as DOCX,
PDF and XLSX the way a preparer would (as of 2025-12-31, the organisation and Almaty's zone set), converts
DOCX and XLSX with LibreOffice and writes the first two pages of each as PNG.
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from tests.realistic_review import record_review
from tests.support import make_token, run_cli

OUT = Path(__file__).resolve().parent.parent / "docs" / "documents"
ORGANISATION = "Kazakhstan Bureau for Human Rights (example)"
PARAMS = {"as_of": "2025-12-31"}


def main() -> None:
    """Write docs/documents/matrix-{docx,pdf,xlsx}-{1,2}.png."""
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        url = f"sqlite:///{folder / 'pictures.db'}"
        for command in (("migrate",), ("seed",)):
            result = run_cli(url, *command, data_dir=folder / "data")
            if result.returncode != 0:
                sys.exit(result.stderr)
        settings = Settings(
            database_url=url,
            data_dir=folder / "data",
            organisation=ORGANISATION,
            timezone="Asia/Almaty",
            _env_file=None,
        )
        with TestClient(create_app(settings)) as client:
            record_review(client, make_token(url, "monitor", "Example Monitor"))
            for format_ in ("docx", "pdf", "xlsx"):
                response = client.get(f"/api/v1/reports/matrix.{format_}", params=PARAMS)
                response.raise_for_status()
                (folder / f"matrix.{format_}").write_bytes(response.content)
        _to_pdf(folder, ["matrix.docx", "matrix.xlsx"])
        for name, pdf in (("docx", "matrix-docx.pdf"), ("pdf", "matrix.pdf"), ("xlsx", "matrix-xlsx.pdf")):
            _pictures(folder / pdf, f"matrix-{name}")


def _to_pdf(folder: Path, names: list[str]) -> None:
    """matrix.docx -> matrix-docx.pdf, each converted alone (LibreOffice names its output after the input)."""
    home = folder / "home"
    home.mkdir(exist_ok=True)
    for name in names:
        stem, kind = name.rsplit(".", 1)
        converted = folder / f"converted-{kind}"
        subprocess.run(
            ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(converted), str(folder / name)],
            check=True,
            capture_output=True,
            env=os.environ | {"HOME": str(home)},
        )
        (converted / f"{stem}.pdf").rename(folder / f"{stem}-{kind}.pdf")


def _pictures(pdf: Path, stem: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "2", str(pdf), str(OUT / stem)], check=True
    )
    print(f"{stem}: {sorted(p.name for p in OUT.glob(stem + '-*.png'))}")


if __name__ == "__main__":
    main()
