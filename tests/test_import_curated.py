"""The "curated" reader: rectrack's own TOML (the seed's format) read into rows (no database)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from app.imports.readers.curated import read
from app.imports.rows import CategorySpec, ReadOptions, ReadResult, SectionSpec, UnreadableFile
from app.vocabulary import CategoryKind, SourceKind
from seed.loader import CATEGORY_KEYS, DEFAULT_SEED, read_seed

SEED = read_seed(DEFAULT_SEED)


def read_text(text: str) -> ReadResult:
    return read(text.encode("utf-8"), "report.toml", ReadOptions())


def test_the_seed_reads_into_its_43_rows() -> None:
    result = read(DEFAULT_SEED.read_bytes(), DEFAULT_SEED.name, ReadOptions())
    assert result.format == "curated" and result.encoding == "utf-8" and result.refused == []
    assert len(result.rows) == 43
    assert [row.code for row in result.rows] == [item["code"] for item in SEED["recommendations"]]
    assert [row.text for row in result.rows] == [item["text"] for item in SEED["recommendations"]]
    titles = {item["number"]: item["title"] for item in SEED["sections"]}
    for row, item in zip(result.rows, SEED["recommendations"], strict=True):
        assert row.section == SectionSpec(item["section"], titles[item["section"]])
        expected = tuple(
            CategorySpec(kind, SEED["categories"][kind.value][slug], slug=slug)
            for key, kind in CATEGORY_KEYS.items()
            for slug in item.get(key, [])
        )
        assert row.categories == expected, row.code
        assert row.paragraph is None and row.response is None and row.external_id is None
    lines = DEFAULT_SEED.read_text(encoding="utf-8").splitlines()
    for row in result.rows:
        assert lines[row.line - 1] == "[[recommendations]]"
        assert lines[row.line] == f'code = "{row.code}"'
    source = result.rows[0].source
    assert all(row.source is source for row in result.rows)
    assert (source.slug, source.kind, source.publisher) == (
        "odf-kz-2015",
        SourceKind.ngo_report,
        "Open Dialog Foundation",
    )
    assert source.title == SEED["source"]["title"] and source.date_note == SEED["source"]["date_note"]
    assert source.published_on == date(2015, 6, 19) and source.state_under_review == "Kazakhstan"
    assert result.notes == [
        "38 footnotes were left out: footnotes are loaded by `rectrack seed`, not imported."
    ]


HEAD = """
[source]
slug = "ngo-kz-2024"
title = "An NGO's report (2024)"
publisher = "An NGO"

[categories.theme]
torture = "Torture"

[categories.sdg]
"16.3" = "Promote the rule of law"

[[sections]]
number = 1
title = "Recommendations"
"""


def test_new_source_keys_and_a_paragraph() -> None:
    text = HEAD.replace(
        'publisher = "An NGO"',
        'publisher = "An NGO"\nkind = "upr_review"\nstate_under_review = "Kazakhstan"\nsession = 34\n'
        'reviewed_on = 2019-11-07\ndocument_symbol = "A/HRC/43/10"',
    )
    text += """
[[recommendations]]
code = "ngo-kz-2024-1.1"
section = 1
paragraph = "121.4"
text = "  End   torture. "
themes = ["torture"]
sdg = ["16.3"]
"""
    result = read_text(text)
    (row,) = result.rows
    assert (row.code, row.paragraph, row.text, row.line) == (
        "ngo-kz-2024-1.1",
        "121.4",
        "End torture.",
        17 + 5,
    )
    assert row.categories == (
        CategorySpec(CategoryKind.theme, "Torture", slug="torture"),
        CategorySpec(CategoryKind.sdg, "Promote the rule of law", slug="16.3"),
    )
    source = row.source
    assert source.kind is SourceKind.upr_review and source.state_under_review == "Kazakhstan"
    assert (source.session, source.cycle, source.reviewed_on) == (34, 3, date(2019, 11, 7))
    assert source.document_symbol == "A/HRC/43/10" and result.notes == []


def recommendation(code: str, section: object = 1, text: str = "Act.", extra: str = "") -> str:
    return f'\n[[recommendations]]\ncode = "{code}"\nsection = {section}\ntext = "{text}"\n{extra}\n'


def test_rows_are_refused_with_reasons() -> None:
    text = HEAD + "".join(
        [
            recommendation("ngo-kz-2024-1.1"),
            recommendation("ngo-kz-2024-1-2"),
            recommendation("other-1.3"),
            recommendation("ngo-kz-2024-9.1", section=9),
            recommendation("ngo-kz-2024-1.4", extra='themes = ["torture", "tortures"]'),
            recommendation("ngo-kz-2024-1.1"),
            recommendation("ngo-kz-2024-1.5", text=" "),
            recommendation("ngo-kz-2024-1.6", extra='theme = ["torture"]'),
            recommendation("ngo-kz-2024-2.7"),
        ]
    )
    result = read_text(text)
    assert [row.code for row in result.rows] == ["ngo-kz-2024-1.1"]
    reasons = [refused.reason for refused in result.refused]
    assert len(reasons) == 8
    expected_shape = "does not have the shape ngo-kz-2024-1.<number>"
    assert expected_shape in reasons[0] and "'ngo-kz-2024-1-2'" in reasons[0]
    assert expected_shape in reasons[1]
    assert reasons[2] == "The section 9 is not one of the file's [[sections]] (1)."
    assert reasons[3] == "The category tortures is not in [categories.theme]."
    assert reasons[4] == f"The code ngo-kz-2024-1.1 is already used on line {result.rows[0].line}."
    assert reasons[5] == "The row has no text."
    assert "unknown keys theme" in reasons[6]
    assert expected_shape in reasons[7]  # section 1 given, code says section 2
    lines = [refused.line for refused in result.refused]
    assert lines == sorted(lines) and len(set(lines)) == 8
    assert all(text.splitlines()[line - 1] == "[[recommendations]]" for line in lines)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "The file is empty."),
        ('[source]\nslug = "x"\ntitle = \n', r"not valid TOML: .*\(at line 3, column 9\)"),
        ("[categories.theme]\na = 'A'\n", r"no \[source\] table"),
        ('[source]\nslug = "x"\n', r"\[source\] needs title, publisher"),
        (HEAD.replace('publisher = "An NGO"', 'publisher = "An NGO"\nkind = "ngo"'), "kind must be one of"),
        (
            HEAD.replace('publisher = "An NGO"', 'publisher = "An NGO"\npublised_on = 2020-01-01'),
            "unknown keys publised_on",
        ),
        (
            HEAD.replace('publisher = "An NGO"', 'publisher = "An NGO"\nsession = "twenty"'),
            "wrong type for session",
        ),
        (HEAD + "[categories.region]\nasia = 'Asia'\n", r"\[categories.region\] is not a kind of category"),
        (HEAD + "[[sections]]\nnumber = 1\ntitle = 'Again'\n", "The section 1 is given twice."),
        (HEAD + "[extras]\na = 1\n", "unknown tables extras"),
    ],
)
def test_unreadable_curated_files(text: str, expected: str) -> None:
    with pytest.raises(UnreadableFile, match=expected):
        read_text(text)


def test_not_utf8_is_unreadable() -> None:
    with pytest.raises(UnreadableFile, match="UTF-8"):
        read(HEAD.replace("NGO", "NGÖ").encode("cp1252"), "x.toml", ReadOptions())


def test_footnotes_are_left_out_with_a_note() -> None:
    text = (
        HEAD
        + recommendation("ngo-kz-2024-1.1")
        + '\n[[footnotes]]\nnumber = 1\nurl = "https://example.org"\n'
    )
    result = read_text(text)
    assert len(result.rows) == 1
    assert result.notes == ["1 footnote was left out: footnotes are loaded by `rectrack seed`, not imported."]
    assert re.search(r"rectrack seed", result.notes[0])
