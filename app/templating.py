"""The one Jinja2 environment of pages and HTML reports, with the filters both use.

Templates translate their own texts with `_("... %(name)s ...", name=value)` / `ngettext(...)` (Jinja's
i18n extension, new-style: values are escaped, the translation is trusted markup) and texts handed in from
Python (N_-marked) with `| translate`, whose result is escaped like any value; in app/i18n's current locale.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup

from app.i18n.formatting import (
    iso_date,
    local_timestamp,
    number,
    percent,
    score,
    text_language,
    utc_timestamp,
)
from app.i18n.translation import current_locale, gettext, template_callables
from app.upr_text import at_review, commitment_line
from app.vocabulary import ClaimGapClass, Status, label, status_label

APP = Path(__file__).parent
TEMPLATE_FOLDERS = [APP / "web" / "templates", APP / "reports" / "templates"]


def _shorten(text: str, length: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rsplit(" ", 1)[0] + "…"


def data_lang(text: str | None) -> Markup:
    """A ` lang="…"` attribute for an element holding stored data in another language than the page's."""
    language = text_language(text)
    return Markup(' lang="%s"') % language if language and language != current_locale() else Markup("")


def data(text: str | None) -> Markup:
    """Stored data (a text, a title, a label) marked with its language where it differs from the page's."""
    attribute = data_lang(text)
    return Markup("<span%s>%s</span>") % (attribute, text) if attribute else Markup("%s") % (text or "")


def time_tag(value: datetime | None) -> Markup:
    """A time in the instance's zone, as `<time>` with its UTC instant and, on hover, the UTC time."""
    if value is None:
        return Markup("")
    utc = value.astimezone(UTC)
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        utc.strftime("%Y-%m-%dT%H:%M:%SZ"), utc_timestamp(utc), local_timestamp(value)
    )


def per_render(function: Callable[..., Any]) -> Callable[..., Any]:
    """A filter whose result depends on the request's locale or zone: never folded at compile time.

    Jinja's optimiser calls a filter on constant input once, when it compiles the template, and keeps the
    result (`"overclaim" | label("claim_gap")` stayed in the language of the first request after a start);
    a filter that takes the render's context is left to run at each render.
    """

    @pass_context
    def filter_(_context: Context, *args: Any, **kwargs: Any) -> Any:
        return function(*args, **kwargs)

    return filter_


environment = Environment(
    loader=FileSystemLoader(TEMPLATE_FOLDERS),
    autoescape=select_autoescape(["html", "svg"], default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    extensions=["jinja2.ext.i18n"],
)
environment.install_gettext_callables(**template_callables(), newstyle=True)  # type: ignore[attr-defined]
environment.filters.update(iso_date=iso_date, shorten=_shorten)
# Filters that read the request's locale or zone.
LOCALE_FILTERS: dict[str, Callable[..., Any]] = {
    "timestamp": local_timestamp,
    "time_tag": time_tag,
    # Numbers in the page's language (a decimal comma in Russian and Kazakh); dates are ISO.
    "percent": lambda value: percent(value, current_locale()),
    "score": lambda value: "–" if value is None else score(value, current_locale()),
    "number": lambda value: number(value, current_locale()),
    "status_label": status_label,
    "label": lambda value, vocabulary: label(vocabulary, value),
    "translate": lambda message, **values: gettext(message, **values),
    "commitment_line": commitment_line,
    "at_review": at_review,
    "data_lang": data_lang,
    "data": data,
}
environment.filters.update({name: per_render(function) for name, function in LOCALE_FILTERS.items()})
environment.globals.update(
    STATUSES=list(Status), CLAIM_GAP_CLASSES=list(ClaimGapClass), current_locale=current_locale
)
