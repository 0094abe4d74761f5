"""UPR Info export files the tests write themselves, in every encoding and line-ending style seen in the wild.

`UPR_ROWS` are the logical rows: the cells as written and what reading them must give. `write_upr_info` writes
them (a header, then one record a row; a quoted cell may span lines) and `upr_info_file` also returns each
row with the line it starts on. Every character used exists in UTF-8, Windows-1252 and Mac Roman alike.
The texts are the project's own, not UN text.
"""

from dataclasses import dataclass, field
from pathlib import Path

from app.imports.readers.upr_info import COLUMNS

UPR_COLUMNS = COLUMNS  # the export's columns, in its order
ENCODINGS = ("utf-8", "utf-8-sig", "cp1252", "mac_roman")
# The name ReadResult.encoding reports for a file written in each encoding.
REPORTED_ENCODING = {"utf-8": "utf-8", "utf-8-sig": "utf-8-sig", "cp1252": "cp1252", "mac_roman": "mac_roman"}
NEWLINES = {"LF": "\n", "CRLF": "\r\n", "CR": "\r"}


@dataclass(frozen=True)
class UprRow:
    """One row of a fixture file: its cells as written and the row a reader must make of them."""

    cells: dict[str, str]
    slug: str
    state: str
    session: int
    cycle: int
    text: str
    recommending_states: tuple[str, ...]
    response: str | None  # an app.vocabulary.Response value
    response_original: str | None
    action_category: int | None
    themes: tuple[str, ...] = field(default=())


def _cells(
    to: str, text: str, from_: str, response: str, action: str, issue: str, session: str
) -> dict[str, str]:
    """A row's cells; the regional group and organisation columns are filled as an export fills them."""
    asian = to in {"Kazakhstan", "Kyrgyzstan"}
    return {
        "To": to,
        "To-Rgrp": "Asia-Pacific Group" if asian else "African Group",
        "To-Org": "OSCE" if asian else "AU",
        "Text": text,
        "From": from_,
        "From-Rgrp": "",
        "From-Org": "",
        "Response": response,
        "Action": action,
        "Issue": issue,
        "Session": session,
    }


UPR_ROWS: list[UprRow] = [
    UprRow(
        cells=_cells(
            "Kazakhstan",
            "Decriminalise defamation and move it to the Civil Code, in line with the State’s obligations.",
            "Hungary; Australia",
            "Noted",
            "5",
            "Freedom of opinion and expression, Justice",
            "20",
        ),
        slug="upr-kz-s20",
        state="Kazakhstan",
        session=20,
        cycle=2,
        text="Decriminalise defamation and move it to the Civil Code, in line with the State’s obligations.",
        recommending_states=("Hungary", "Australia"),
        response="noted",
        response_original="Noted",
        action_category=5,
        themes=("Freedom of opinion and expression", "Justice"),
    ),
    UprRow(
        cells=_cells(
            "Kazakhstan",
            "Revise the law “On Religious Activity and Religious Associations” – in particular the\n"
            "  compulsory re-registration of communities –  so that small groups can worship freely.  ",
            "Norway, Canada",
            "Accepted",
            "4",
            "Freedom of religion and belief, Civil society, Freedom of religion and belief",
            " 20 ",
        ),
        slug="upr-kz-s20",
        state="Kazakhstan",
        session=20,
        cycle=2,
        text="Revise the law “On Religious Activity and Religious Associations” – in particular the\n"
        "compulsory re-registration of communities – so that small groups can worship freely.",
        recommending_states=("Norway", "Canada"),
        response="supported",
        response_original="Accepted",
        action_category=4,
        themes=("Freedom of religion and belief", "Civil society"),
    ),
    UprRow(
        cells=_cells(
            "Kazakhstan",
            "Let peaceful assemblies take place on notification, not permission, and outside the "
            "“designated places” in Almaty, Öskemen and other cities.",
            "Korea, Republic of; Czechia",
            "accepted ",
            "3",
            "Freedom of association and peaceful assembly",
            "20",
        ),
        slug="upr-kz-s20",
        state="Kazakhstan",
        session=20,
        cycle=2,
        text="Let peaceful assemblies take place on notification, not permission, and outside the "
        "“designated places” in Almaty, Öskemen and other cities.",
        recommending_states=("Korea, Republic of", "Czechia"),
        response="supported",
        response_original="accepted",
        action_category=3,
        themes=("Freedom of association and peaceful assembly",),
    ),
    UprRow(
        cells=_cells(
            "Kazakhstan",
            "Investigate every allegation of torture in places of detention, including those made after the "
            "events in Zhanaözen, and prosecute those responsible.",
            "Côte d’Ivoire",
            "Partially accepted",
            "",
            "Torture and other CID treatment,Justice, ",
            "20",
        ),
        slug="upr-kz-s20",
        state="Kazakhstan",
        session=20,
        cycle=2,
        text="Investigate every allegation of torture in places of detention, including those made after the "
        "events in Zhanaözen, and prosecute those responsible.",
        recommending_states=("Côte d’Ivoire",),
        response="partially_supported",
        response_original="Partially accepted",
        action_category=None,
        themes=("Torture and other CID treatment", "Justice"),
    ),
    UprRow(
        cells=_cells(
            "Kazakhstan",
            "Simplify the registration of non-governmental organisations and ease their reporting duties.",
            "Türkiye",
            "Supported",
            "4",
            "Civil society, Freedom of association and peaceful assembly",
            "7",
        ),
        slug="upr-kz-s7",
        state="Kazakhstan",
        session=7,
        cycle=1,
        text="Simplify the registration of non-governmental organisations and ease their reporting duties.",
        recommending_states=("Türkiye",),
        response="supported",
        response_original="Supported",
        action_category=4,
        themes=("Civil society", "Freedom of association and peaceful assembly"),
    ),
    UprRow(
        cells=_cells(
            "Kazakhstan",
            'Guarantee that journalists and human rights defenders can work "without fear of reprisals"…',
            "Sweden; Sweden",
            "Rejected",
            "2",
            "Human rights defenders, Freedom of opinion and expression",
            "7",
        ),
        slug="upr-kz-s7",
        state="Kazakhstan",
        session=7,
        cycle=1,
        text='Guarantee that journalists and human rights defenders can work "without fear of reprisals"…',
        recommending_states=("Sweden",),
        response="noted",
        response_original="Rejected",
        action_category=2,
        themes=("Human rights defenders", "Freedom of opinion and expression"),
    ),
    UprRow(
        cells=_cells(
            "Kyrgyzstan",
            "Ensure that the draft law on “foreign agents” does not restrict the funding of NGOs.",
            "Germany, France; Spain",
            "Pending",
            "1",
            "Civil society",
            "21",
        ),
        slug="upr-kg-s21",
        state="Kyrgyzstan",
        session=21,
        cycle=2,
        text="Ensure that the draft law on “foreign agents” does not restrict the funding of NGOs.",
        recommending_states=("Germany", "France", "Spain"),
        response="pending",
        response_original="Pending",
        action_category=1,
        themes=("Civil society",),
    ),
    UprRow(
        cells=_cells(
            "Kyrgyzstan",
            "Give the national preventive mechanism the means to visit every place of detention.",
            "Iran, Islamic Republic of",
            "To be considered",
            "5",
            "Torture and other CID treatment",
            "21",
        ),
        slug="upr-kg-s21",
        state="Kyrgyzstan",
        session=21,
        cycle=2,
        text="Give the national preventive mechanism the means to visit every place of detention.",
        recommending_states=("Iran, Islamic Republic of",),
        response="unclear",
        response_original="To be considered",
        action_category=5,
        themes=("Torture and other CID treatment",),
    ),
    UprRow(
        cells=_cells(
            "Côte d’Ivoire",
            "Strengthen the independence of the judiciary and guarantee a fair trial to all those detained "
            "after the post-electoral crisis, whatever their political affiliation.",
            "Brazil",
            "",
            "3",
            "Justice",
            "19",
        ),
        slug="upr-ci-s19",
        state="Côte d’Ivoire",
        session=19,
        cycle=2,
        text="Strengthen the independence of the judiciary and guarantee a fair trial to all those detained "
        "after the post-electoral crisis, whatever their political affiliation.",
        recommending_states=("Brazil",),
        response=None,
        response_original=None,
        action_category=3,
        themes=("Justice",),
    ),
]


def upr_info_text(
    rows: list[UprRow] = UPR_ROWS, newline: str = "\r\n", columns: tuple[str, ...] = UPR_COLUMNS
) -> str:
    """The rows as CSV text: every cell quoted, quotes doubled, line breaks inside cells in `newline` too."""
    lines = [",".join(_quoted(column) for column in columns)]
    for row in rows:
        lines.append(",".join(_quoted(row.cells.get(column, "")) for column in columns))
    return "".join(line.replace("\n", newline) + newline for line in lines)


def write_upr_info(
    path: Path,
    rows: list[UprRow] = UPR_ROWS,
    encoding: str = "utf-8",
    newline: str = "\r\n",
    columns: tuple[str, ...] = UPR_COLUMNS,
) -> Path:
    """Write the rows as a UPR Info export in `encoding` with `newline` line endings; returns `path`."""
    path.write_bytes(upr_info_text(rows, newline, columns).encode(encoding))
    return path


def upr_info_file(
    directory: Path, encoding: str, newline: str, rows: list[UprRow] = UPR_ROWS
) -> tuple[Path, list[tuple[int, UprRow]]]:
    """Write a fixture file into `directory`; the path and each row with the line it starts on."""
    name = f"upr-info-{encoding}-{'-'.join(f'{ord(c):x}' for c in newline)}.csv"
    path = write_upr_info(directory / name, rows, encoding, newline)
    return path, list(zip(start_lines(rows), rows, strict=True))


def start_lines(rows: list[UprRow]) -> list[int]:
    """The line each row starts on in a written file: the header is line 1, a cell's line breaks count."""
    lines = []
    line = 2
    for row in rows:
        lines.append(line)
        line += 1 + sum(cell.count("\n") for cell in row.cells.values())
    return lines


def _quoted(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"'
