"""Check the ODF 2015 seed: the parser's reading of the report and the curated TOML agree."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from seed import report_parser

SEED = Path(__file__).parents[1] / "seed"
REPORT = SEED / "odf-kz-2015.txt"
CURATED = SEED / "odf-kz-2015.toml"
BULLETS = "\uf0b7\uf0a7\uf0d8\uf076\uf0fc\u2022\u25cf\u25aa\u25e6\u2043"
EXPECTED_COUNTS = {2: 5, 3: 4, 4: 5, 5: 7, 6: 3, 7: 19}


@pytest.fixture(scope="module")
def parsed():
    return report_parser.load_report(REPORT)


@pytest.fixture(scope="module")
def curated():
    with CURATED.open("rb") as fh:
        return tomllib.load(fh)


def test_sections_and_recommendation_counts(parsed):
    assert [s.number for s in parsed.sections] == [1, 2, 3, 4, 5, 6, 7]
    counts: dict[int, int] = {}
    for rec in parsed.recommendations:
        counts[rec.section] = counts.get(rec.section, 0) + 1
    assert counts == EXPECTED_COUNTS
    for section, count in EXPECTED_COUNTS.items():
        numbers = [r.number for r in parsed.recommendations if r.section == section]
        assert numbers == list(range(1, count + 1))


def test_recommendation_texts_are_clean(parsed):
    for rec in parsed.recommendations:
        assert "http" not in rec.text
        assert not any(ch in BULLETS for ch in rec.text)
        assert "  " not in rec.text
        assert rec.text == rec.text.strip() and rec.text
        assert "\n" not in rec.text


def test_hyphenated_line_breaks_are_joined(parsed):
    texts = {(r.section, r.number): r.text for r in parsed.recommendations}
    assert "‘On state support of non-governmental organisations’" in texts[(5, 4)]
    assert "from non-democratic countries" in texts[(6, 2)]


def test_footnotes(parsed):
    assert [f.number for f in parsed.footnotes] == list(range(1, 39))
    for fn in parsed.footnotes:
        assert re.match(r"^https?://\S+$", fn.url)
        assert fn.citing_sentence and not re.search(r"\[\d+\]", fn.citing_sentence)
        assert not any(ch in BULLETS for ch in fn.citing_sentence)
    by_number = {f.number: f for f in parsed.footnotes}
    # cited in one section, URL printed in the next one
    assert by_number[38].cited_in_section == 6
    assert [by_number[n].cited_in_section for n in (26, 27, 28)] == [4, 4, 4]
    assert by_number[12].url == by_number[36].url


def test_curated_texts_match_report(parsed, curated):
    expected = {f"odf-kz-2015-{r.section}.{r.number}": (r.section, r.text) for r in parsed.recommendations}
    actual = {r["code"]: (r["section"], r["text"]) for r in curated["recommendations"]}
    assert list(actual) == list(expected)
    for code, value in expected.items():
        assert actual[code] == value, code


def test_curated_codes_follow_pattern(curated):
    for rec in curated["recommendations"]:
        match = re.fullmatch(r"odf-kz-2015-(\d+)\.(\d+)", rec["code"])
        assert match, rec["code"]
        assert int(match.group(1)) == rec["section"]


def test_curated_footnotes_match_report(parsed, curated):
    expected = [(f.number, f.url, f.cited_in_section) for f in parsed.footnotes]
    actual = [(f["number"], f["url"], f["section"]) for f in curated["footnotes"]]
    assert actual == expected
    kinds = {"law", "court_decision", "news", "ngo_report", "un_document", "official_statement", "other"}
    for fn in curated["footnotes"]:
        assert fn["kind"] in kinds
        assert fn["title"].strip()


def test_curated_sections_match_report(parsed, curated):
    parsed_titles = {s.number: s.title for s in parsed.sections}
    sections = curated["sections"]
    assert [s["number"] for s in sections] == sorted(EXPECTED_COUNTS)
    for section in sections:
        if section["number"] != 7:  # section 7's curated title is shortened
            assert section["title"].upper() == parsed_titles[section["number"]]


def test_categories_are_declared_and_used(curated):
    categories = curated["categories"]
    for rec in curated["recommendations"]:
        for field, kind in (("addressees", "addressee"), ("themes", "theme"), ("sdg", "sdg")):
            assert rec[field], f"{rec['code']} has no {field}"
            for slug in rec[field]:
                assert slug in categories[kind], f"{rec['code']}: undeclared {kind} {slug!r}"
    for kind in ("addressee", "theme"):
        for slug in categories[kind]:
            assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug), slug


def test_source_points_at_report(curated):
    source = curated["source"]
    assert source["slug"] == "odf-kz-2015"
    assert str(source["published_on"]) == "2015-06-19"
    assert (SEED / source["report_file"]).resolve() == REPORT.resolve()
    assert REPORT.is_file()
