"""Suggestions for one recommendation against 10,000 candidates, through the service the endpoint calls,
beside the floor: reading the candidates' stored terms in one query, no ranking. And `rectrack reindex`.

The candidates are a scratch source added for the measurement and removed after it (they have no history, so
`verify` must not see them): texts made of clauses of the seed's and the example UPR file's recommendations,
so they hold the words and legal phrases real ones do.
"""

import csv
import random
import re
import statistics
import time
import tomllib
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select
from sqlmodel import Session

from app.db import build_engine, utcnow, write_engine
from app.models import Recommendation, Section, Source
from app.recommendations.reindex import reindex
from app.recommendations.service import search_text_for
from app.suggestions.ranking import Candidate, rank_candidates
from app.suggestions.service import suggest
from app.text_terms import stored_terms, terms_text
from bench.floors import Raw
from bench.report import Config, Row, ms

ROOT = Path(__file__).resolve().parent.parent
SCRATCH = "bench-suggest-candidates"
CANDIDATES = 10_000
LIMIT = 10


def clauses() -> list[str]:
    """Clauses of real recommendations (the seed's, the example file's) to build candidate texts from."""
    seed = tomllib.loads((ROOT / "seed" / "odf-kz-2015.toml").read_text(encoding="utf-8"))
    texts = [item["text"] for item in seed["recommendations"]]
    with (ROOT / "seed" / "examples" / "upr-info-kz-example.csv").open(
        encoding="utf-8", newline=""
    ) as handle:
        texts += [row["Text"] for row in csv.DictReader(handle)]
    return [part.strip() for text in texts for part in re.split(r"[,;:]", text) if len(part.split()) >= 3]


def candidate_texts(count: int, seed: int = 11) -> list[str]:
    """`count` recommendation-like texts of two or three clauses each."""
    rng, parts = random.Random(seed), clauses()
    return [", ".join(rng.sample(parts, rng.randint(2, 3))).capitalize() + "." for _ in range(count)]


def suggest_rows(url: str, backend: str, config: Config) -> list[Row]:
    """Suggestions against 10,000 candidates (app and floor, alternating), and a full reindex."""
    engine = build_engine(url)
    try:
        _remove_scratch(engine)
        code = _add_scratch(engine, candidate_texts(CANDIDATES))
        raw = Raw(url)
        scratch_id = raw.rows("SELECT id FROM sources WHERE slug = :slug", {"slug": SCRATCH})[0][0]

        def app_run() -> list[dict[str, Any]]:
            with Session(engine) as session:  # as a request: a session of its own
                return suggest(session, code, SCRATCH, LIMIT)

        def floor_run() -> list[tuple]:
            return raw.rows("SELECT terms FROM recommendations WHERE source_id = :id", {"id": scratch_id})

        app_run(), floor_run()  # warm-up: caches of the database, the stemmer, the statements
        app_times, floor_times = [], []
        for _ in range(max(5, config.runs)):
            for function, times in ((app_run, app_times), (floor_run, floor_times)):
                started = time.perf_counter()
                function()
                times.append(time.perf_counter() - started)
        rows = floor_run()
        candidates = [Candidate(str(n), stored_terms(terms, "")) for n, (terms,) in enumerate(rows)]
        query = _query_terms(engine, code)
        started = time.perf_counter()
        rank_candidates(query, candidates, LIMIT)
        ranking = time.perf_counter() - started
        raw.close()
        suggestions = app_run()
        app, floor = statistics.median(app_times), statistics.median(floor_times)
        print(f"[{backend}] suggestions against {len(rows):,}: {ms(app)} vs floor {ms(floor)}")
        result = [
            Row(
                "suggest",
                f"suggestions for one recommendation against {len(rows):,} candidates (service call)",
                backend,
                ms(app),
                floor=ms(floor),
                ratio=app / floor,
                target="< 0.5 s (well under 1 s)",
                met=app < 0.5 and len(suggestions) == LIMIT,
                note=f"ranking alone {ms(ranking)}; floor: the candidates' terms in one query, no ranking",
                data={
                    "app": {"median": app, "min": min(app_times)},
                    "floor": {"median": floor, "min": min(floor_times)},
                    "ranking": ranking,
                    "top": [(item["code"], item["score"]) for item in suggestions[:3]],
                },
            )
        ]
    finally:
        _remove_scratch(engine)
    result.append(_reindex_row(engine, backend))
    engine.dispose()
    return result


def _reindex_row(engine: Any, backend: str) -> Row:
    """`rectrack reindex` over every recommendation (each row's terms are computed and compared)."""
    with Session(write_engine(engine)) as session:
        started = time.perf_counter()
        done = reindex(session)
        seconds = time.perf_counter() - started
    print(
        f"[{backend}] reindex {done.checked:,} recommendations: {seconds:,.1f} s ({done.changed:,} changed)"
    )
    return Row(
        "suggest",
        f"rectrack reindex: the terms of {done.checked:,} recommendations",
        backend,
        f"{seconds:,.1f} s",
        target="minutes, not hours",
        met=seconds < 600,
        note=f"{done.checked / seconds:,.0f} rows/s; {done.changed:,} changed (those generated before terms)",
        data={"checked": done.checked, "changed": done.changed, "seconds": seconds},
    )


def _query_terms(engine: Any, code: str) -> list[str]:
    rec = Recommendation.__table__.c
    with engine.connect() as connection:
        terms, text = connection.execute(select(rec.terms, rec.text).where(rec.code == code)).one()
    return stored_terms(terms, text)


def _add_scratch(engine: Any, texts: list[str]) -> str:
    """The scratch source with its candidates; returns the code of a recommendation to suggest for."""
    with Session(write_engine(engine)) as session:
        source = Source(slug=SCRATCH, title="[bench] Suggestion candidates", publisher="rectrack benchmark")
        session.add(source)
        session.flush()
        section = Section(source_id=source.id, number=1, title="[bench] Candidates")
        session.add(section)
        session.flush()
        now = utcnow()
        values = []
        for number, text in enumerate(texts, 1):
            code = f"{SCRATCH}-1.{number}"
            values.append(
                {
                    "code": code,
                    "source_id": source.id,
                    "section_id": section.id,
                    "section_number": 1,
                    "number": number,
                    "text": text,
                    "search_text": search_text_for(code, text),
                    "terms": terms_text(text),
                    "status": "not_assessed",
                    "claimed_status": "not_assessed",
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        session.execute(insert(Recommendation.__table__), values)
        rec = Recommendation.__table__.c
        code = session.execute(
            select(rec.code).where(rec.source_id != source.id).order_by(rec.id).limit(1)
        ).scalar_one()
        session.commit()
    return str(code)


def _remove_scratch(engine: Any) -> None:
    """Take the scratch source out again (its rows have no history: nothing append-only is touched)."""
    rec, section, source = Recommendation.__table__, Section.__table__, Source.__table__
    with Session(write_engine(engine)) as session:
        found = session.execute(select(source.c.id).where(source.c.slug == SCRATCH)).scalar()
        if found is not None:
            session.execute(delete(rec).where(rec.c.source_id == found))
            session.execute(delete(section).where(section.c.source_id == found))
            session.execute(delete(source).where(source.c.id == found))
            session.commit()
