"""The one Jinja2 environment of pages and HTML reports, with the filters both use."""

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from app.i18n.formatting import iso_date, number, percent, utc_timestamp
from app.vocabulary import Status, status_label

APP = Path(__file__).parent
TEMPLATE_FOLDERS = [APP / "web" / "templates", APP / "reports" / "templates"]


def _shorten(text: str, length: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rsplit(" ", 1)[0] + "…"


environment = Environment(
    loader=FileSystemLoader(TEMPLATE_FOLDERS),
    autoescape=select_autoescape(["html", "svg"], default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.filters.update(
    iso_date=iso_date,
    timestamp=utc_timestamp,
    percent=percent,
    shorten=_shorten,
    number=number,
    status_label=status_label,
)
environment.globals.update(STATUSES=list(Status))
