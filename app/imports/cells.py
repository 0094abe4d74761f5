"""What a spreadsheet cell means: its text, the values a cell lists, dates, SDG targets, responses.

Cells arrive as openpyxl gives them (str, int, float, datetime, a formula's text) or as CSV text; nothing here
evaluates anything: a formula is the text it was written as.
"""

import re
from datetime import date, datetime, time, timedelta

from app.imports.identity import clean_text
from app.vocabulary import Response

# Excel's day 0: serial 1 is 1900-01-01 once its fictitious 1900-02-29 is allowed for (serials from 61 on).
EXCEL_EPOCH = date(1899, 12, 30)
EXCEL_LAST_SERIAL = 2958465  # 9999-12-31
SEPARATORS = {"comma": ",", "semicolon": ";"}
MULTI_VALUE_STYLES = ("lines", "comma", "semicolon")
_BULLET = re.compile(r"^(?:[-\u2022]\s+)+")
_SERIAL = re.compile(r"^\d{1,7}(?:\.\d+)?$")
_ISO_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[T ][0-9:.+Z-]*)?$")
_SDG = re.compile(
    r"^(?:(?:sdg|goal|target)\s*)?(\d{1,2}(?:\.(?:\d{1,2}|[a-z]))?)\s*(?:[-\u2013\u2014:]\s*(.*))?$",
    re.IGNORECASE,
)
_RESPONSES = {
    "supported": Response.supported,
    "accepted": Response.supported,
    "partially supported": Response.partially_supported,
    "partially accepted": Response.partially_supported,
    "noted": Response.noted,
    "pending": Response.pending,
    "to be determined": Response.pending,
}


def cell_text(value: object) -> str:
    """A cell as text: integers without '.0', dates in ISO form, a formula as written ('=1+1'), None as ''."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    formula = getattr(value, "text", None)  # openpyxl's ArrayFormula keeps its formula's text here
    if isinstance(formula, str):
        return formula
    return str(value)


def strip_bullet(text: str) -> str:
    """A value without the '- ' the UHRI export puts before each one, trimmed and its spaces collapsed."""
    value = clean_text(_BULLET.sub("", text.strip())).replace("\n", " ")
    return "" if value in ("-", "\u2022") else value


def single_value(value: object) -> str:
    """A one-value cell as text ('- CEDAW' -> 'CEDAW'); '' when empty."""
    return strip_bullet(cell_text(value))


def split_values(value: object, style: str) -> list[str]:
    """The values a multi-valued cell lists: one a line ('lines'), or separated by commas or semicolons."""
    text = cell_text(value)
    parts = text.splitlines() if style == "lines" else text.split(SEPARATORS[style])
    values: list[str] = []
    for part in parts:
        item = strip_bullet(part)
        if item and item not in values:
            values.append(item)
    return values


def excel_date(serial: float) -> date:
    """The day of an Excel serial number (44561 -> 2021-12-31); ValueError outside Excel's calendar."""
    if not 1 <= serial <= EXCEL_LAST_SERIAL:
        raise ValueError(serial)
    return EXCEL_EPOCH + timedelta(days=int(serial))


def cell_date(value: object) -> date | None:
    """A date from a date cell, an Excel serial number or ISO text; None when empty, ValueError otherwise."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return excel_date(value)
    text = single_value(value)
    if not text:
        return None
    if _SERIAL.match(text):
        return excel_date(float(text))
    iso = _ISO_DATE.match(text)
    if iso:
        return date.fromisoformat(iso.group(1))
    raise ValueError(text)


def whole_number(value: object) -> int | None:
    """A whole number from a number cell or digits ('20', 20, 20.0); None when empty, ValueError otherwise."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = single_value(value)
    if not text:
        return None
    if not text.isascii() or not text.isdigit():
        raise ValueError(text)
    return int(text)


def sdg_target(value: str) -> tuple[str | None, str]:
    """An SDG cell value's target (or goal) and label: '16.3 - Promote the rule of law' -> ('16.3', ...)."""
    match = _SDG.match(value)
    if not match:
        return None, value
    target = match.group(1).lower()
    return target, (match.group(2) or "").strip() or target


def response_of(word: str) -> Response | None:
    """The response a file's word means ('Supported', 'Accepted', 'Noted', ...); unclear for other words."""
    folded = " ".join(word.casefold().split())
    if not folded:
        return None
    return _RESPONSES.get(folded, Response.unclear)
