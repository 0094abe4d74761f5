"""The suggestions' quality on the labelled set (docs/crossrefs/): recall@5, recall@10 and MRR of same_measure
pairs, computed as `python -m bench.crossref_quality` computes them, never below the documented floors."""

import re

import pytest

from bench.crossref_quality import CROSSREFS, FLOORS, LabelError, measure_on, prepare, read_labels

pytestmark = pytest.mark.sqlite_only  # the ranking is Python over stored terms: the database does not matter


@pytest.fixture(scope="module")
def quality(module_database):
    prepare(module_database.url, seed=False)  # the module's database is migrated and seeded already
    return measure_on(module_database.url)


def test_the_labels_fit_the_data_set_and_the_seed():
    labels = read_labels()
    same = labels.same_measure()
    assert sum(len(pairs) for pairs in same.values()) >= 15 and len(same) >= 10
    assert labels.none, "some seed recommendations (addressed to donors, the EU) have no pair"
    assert all(pair.reason.strip() for pair in labels.pairs)


def test_a_row_number_that_names_another_text_is_refused(tmp_path):
    original = (CROSSREFS / "labelled-pairs.toml").read_text(encoding="utf-8")
    row = int(re.search(r"^upr_row = (\d+)$", original, re.MULTILINE).group(1))
    moved = original.replace(f"upr_row = {row}\n", f"upr_row = {row + 1}\n", 1)
    (tmp_path / "labels.toml").write_text(moved, encoding="utf-8")
    with pytest.raises(LabelError, match=f"upr_row {row + 1} does not hold"):
        read_labels(tmp_path / "labels.toml")


def test_recall_and_mrr_are_not_below_the_documented_floors(quality):
    figures = quality.figures()
    below = {name: round(value, 3) for name, value in figures.items() if value < FLOORS[name]}
    misses = [f"{found.pair.odf} -> {found.code} (rank {found.rank})" for found in quality.misses()]
    assert not below, f"below the floors {FLOORS}: {below}; missed in the top 10: {misses}"
    assert FLOORS["recall@10"] >= 0.8  # the target


def test_the_documented_floors_are_the_ones_tested():
    readme = (CROSSREFS / "README.md").read_text(encoding="utf-8")
    line = re.search(r"^Floors \(the test fails below them\): (.*)$", readme, re.MULTILINE)
    assert line, "docs/crossrefs/README.md states the floors"
    stated = dict(re.findall(r"(recall@5|recall@10|MRR) (\d\.\d+)", line.group(1)))
    assert {name.lower() if name == "MRR" else name: float(value) for name, value in stated.items()} == FLOORS
