"""The seed in the database: 43 recommendations, the report's sources per section, idempotency."""

from collections import Counter

from sqlalchemy import func, select
from sqlmodel import Session

from app.db import build_engine
from app.models import Evidence, HistoryEntry, Recommendation, RecommendationEvidence, Source
from seed.loader import DEFAULT_SEED, read_seed
from tests.support import seed


def _counts(url: str) -> dict[str, int]:
    engine = build_engine(url)
    with Session(engine) as session:
        counts = {
            model.__tablename__: session.scalar(select(func.count()).select_from(model))
            for model in (Source, Recommendation, Evidence, RecommendationEvidence, HistoryEntry)
        }
    engine.dispose()
    return counts


def test_seed_has_every_recommendation_with_its_text(shared_database):
    curated = {item["code"]: item["text"] for item in read_seed(DEFAULT_SEED)["recommendations"]}
    engine = build_engine(shared_database.url)
    with Session(engine) as session:
        stored = dict(session.execute(select(Recommendation.code, Recommendation.text)).all())
        per_section = Counter(session.scalars(select(Recommendation.section_number)))
    engine.dispose()
    assert stored == curated
    assert dict(per_section) == {2: 5, 3: 4, 4: 5, 5: 7, 6: 3, 7: 19}


def test_footnotes_are_linked_to_every_recommendation_of_the_citing_section(shared_database):
    footnotes = read_seed(DEFAULT_SEED)["footnotes"]
    assert len(footnotes) == 38
    engine = build_engine(shared_database.url)
    with Session(engine) as session:
        links = session.execute(
            select(Recommendation.section_number, Recommendation.code, Evidence.url)
            .join(RecommendationEvidence, RecommendationEvidence.recommendation_id == Recommendation.id)
            .join(Evidence, Evidence.id == RecommendationEvidence.evidence_id)
            .where(RecommendationEvidence.relation == "baseline")
        ).all()
        codes_by_section: dict[int, set[str]] = {}
        for section, code in session.execute(select(Recommendation.section_number, Recommendation.code)):
            codes_by_section.setdefault(section, set()).add(code)
    engine.dispose()
    linked = {(code, url) for _, code, url in links}
    expected = {(code, note["url"]) for note in footnotes for code in codes_by_section[note["section"]]}
    assert linked == expected
    # [38] is cited in section 6 although its URL is printed in section 7.
    assert all(url != footnotes[37]["url"] for section, _, url in links if section == 7)


def test_shared_url_is_one_evidence_item(shared_database):
    """Footnotes [12] and [36] cite the same page: one item, linked from two sections."""
    counts = _counts(shared_database.url)
    assert counts["evidence"] == 37
    assert counts["recommendations"] == 43
    assert counts["history_entries"] == 43


def test_seed_twice_changes_nothing(database):
    before = _counts(database.url)
    seed(database.url)
    assert _counts(database.url) == before


def test_genesis_entry_per_recommendation(shared_client):
    history = shared_client.get("/api/v1/recommendations/odf-kz-2015-6.2/history").json()["items"]
    assert len(history) == 1
    genesis = history[0]
    assert genesis["kind"] == "genesis"
    assert genesis["status"] == "not_assessed"
    assert genesis["effective_on"] == "2015-06-19"
    assert genesis["recorded_by"] == "system"
    assert genesis["seq"] == 1 and genesis["prev_hash"] is None
    assert genesis["payload"]["text"].startswith("The UN, OSCE, PACE, European Parliament")
