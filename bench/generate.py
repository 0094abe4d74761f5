"""Clearly synthetic data at the scale of the UN index, loaded through the drivers' bulk paths.

Every history entry is hash-chained with the app's own chain functions, so `verify_chains` accepts it,
and every recommendation's denormalised status, claimed status, version and maintained columns agree with
its history.
"""

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import func, select, text
from sqlmodel import Session

from app.db import build_engine, is_postgres, write_engine
from app.evidence.urls import normalise_url
from app.history.chain import (
    COMMITTED_FORMAT,
    canonical_json,
    content_commitment,
    entry_digest,
    format_recorded_at,
    new_salt,
)
from app.history.log import sequence
from app.history.periods import fill_derived
from app.models import Monitor, Recommendation, derived_alias
from app.monitors.service import create_monitor, issue_token
from app.recommendations.maintained import COVERAGE_RELATIONS
from app.recommendations.service import search_text_for
from app.text_terms import terms_text
from app.vocabulary import (
    CategoryKind,
    EvidenceKind,
    Perspective,
    Relation,
    Role,
    Status,
    Visibility,
    claim_gap_class,
)
from bench.bulk import TABLES, loader
from seed.loader import read_seed

FIRST_PUBLISHED = date(2015, 1, 1)
LAST_PUBLISHED = date(2017, 12, 31)
LAST_RECORDED = datetime(2025, 12, 31, 18, 0, tzinfo=UTC)
FIRST_LINKED = datetime(FIRST_PUBLISHED.year, FIRST_PUBLISHED.month, FIRST_PUBLISHED.day, tzinfo=UTC)
MONITORS = 20
ENTRIES_PER_RECOMMENDATION = 10
LINKS_PER_RECOMMENDATION = 10 / 3  # 1,000,000 links for 300,000 recommendations
BACKFILLED_SHARE = 0.15
UNLINKED_SHARE = 0.05
STATUS_WEIGHTS = {
    Status.not_implemented: 35,
    Status.partially_implemented: 35,
    Status.implemented: 20,
    Status.regressed: 10,
}
PERSPECTIVE_WEIGHTS = {
    Perspective.independent: 70,
    Perspective.state: 20,
    Perspective.un: 7,
    Perspective.other: 3,
}
WORDS = [
    "registration", "associations", "assembly", "journalists", "media", "defamation", "courts", "extradition",
    "funding", "education", "dialogue", "participation", "religion", "prisoners", "investigations", "donors",
    "parliament", "transparency", "permits", "broadcasting", "internet", "inspections", "grants",
    "volunteers",
]  # fmt: skip
Rows = dict[str, list[dict[str, Any]]]


@dataclass
class GenerateReport:
    """What was generated and how long each phase took."""

    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    tokens: list[str] = field(default_factory=list)

    @property
    def total_seconds(self) -> float:
        """Wall time of the whole generation."""
        return sum(self.seconds.values())


def sizes(recommendations: int) -> dict[str, int]:
    """How many sources and evidence items go with a number of recommendations."""
    return {"sources": max(1, min(200, recommendations // 20)), "evidence": max(20, recommendations * 2 // 3)}


def generate(
    url: str, recommendations: int, *, seed: int = 6, log: Callable[[str], None] = print
) -> GenerateReport:
    """Fill a migrated database that has no recommendations yet; returns counts, timings and tokens."""
    report = GenerateReport()
    started = time.perf_counter()
    report.tokens, monitor_ids = _monitors(url)
    report.seconds["monitors"] = time.perf_counter() - started
    with loader(url) as bulk:
        started = time.perf_counter()
        bulk.prepare()
        report.seconds["drop indexes"] = time.perf_counter() - started
        started = time.perf_counter()
        builder = _Builder(random.Random(seed), recommendations, bulk.next_ids(), monitor_ids)
        for table, rows in builder.batches(bulk.existing_categories()):
            bulk.write(table, rows)
            report.counts[table] = report.counts.get(table, 0) + len(rows)
            if table == "recommendations" and report.counts[table] % 30_000 < len(rows):
                log(f"{report.counts[table]:>9,} recommendations generated and loaded")
        report.seconds["generate and load"] = time.perf_counter() - started
        started = time.perf_counter()
        bulk.finish()
        report.seconds["indexes and statistics"] = time.perf_counter() - started
    started = time.perf_counter()
    _status_periods(url)
    report.seconds["status periods"] = time.perf_counter() - started
    started = time.perf_counter()
    report.counts["log_leaves"] = _sequence(url)
    report.seconds["sequence the log"] = time.perf_counter() - started
    return report


def _status_periods(url: str) -> None:
    """Fill the status periods and pairs from the loaded entries, as the migrations do; gather statistics."""
    engine = build_engine(url)
    try:
        with engine.begin() as connection:
            fill_derived(connection)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            # PostgreSQL: the visibility map lets the as-of joins read the periods' indexes alone.
            vacuum = "VACUUM (ANALYZE) {}" if is_postgres(connection) else "ANALYZE {}"
            for table in ("status_periods", "status_pairs"):
                connection.execute(text(vacuum.format(table)))
    finally:
        engine.dispose()


def _sequence(url: str) -> int:
    """Give every generated entry its leaf, as the server's sequencer would have, a batch per transaction."""
    engine = build_engine(url)
    given = 0
    try:
        while True:
            with Session(write_engine(engine)) as session:
                batch = sequence(session, limit=100_000)
                session.commit()
            given += batch
            if not batch:
                return given
    finally:
        engine.dispose()


def _monitors(url: str) -> tuple[list[str], list[int]]:
    """Synthetic monitors made by the app's own service, each with a fresh token."""
    engine = build_engine(url)
    try:
        with Session(write_engine(engine)) as session:
            if session.scalar(select(func.count()).select_from(Recommendation)):
                raise SystemExit("the database already holds recommendations: generate into an empty one")
            monitors = [
                create_monitor(session, f"Synthetic monitor {n}", Role.monitor)
                for n in range(1, MONITORS + 1)
            ]
            tokens = [issue_token(session, monitor.id, label="bench")[1] for monitor in monitors]
            ids = [monitor.id for monitor in monitors]
            session.commit()
    finally:
        engine.dispose()
    return tokens, ids


def issue_tokens(url: str, count: int) -> list[str]:
    """Fresh tokens for the synthetic monitors (tokens are stored only as hashes, so reruns need new ones)."""
    engine = build_engine(url)
    try:
        with Session(write_engine(engine)) as session:
            monitors = session.scalars(
                select(Monitor).where(Monitor.name.like("Synthetic monitor %")).order_by(Monitor.id)
            ).all()
            if not monitors:
                raise SystemExit("no synthetic monitors: generate the data first")
            tokens = [
                issue_token(session, monitors[n % len(monitors)].id, label="bench")[1] for n in range(count)
            ]
            session.commit()
    finally:
        engine.dispose()
    return tokens


class _Builder:
    """Makes the rows, one source at a time, with ids allocated up front."""

    def __init__(self, rng: random.Random, total: int, next_ids: dict[str, int], monitors: list[int]):
        self.rng, self.total, self.ids, self.monitors = rng, total, next_ids, monitors
        self.sizes = sizes(total)
        self.evidence: list[dict[str, Any]] = []
        self.categories: dict[int, dict[str, str]] = {}  # as genesis entries anchor them

    def next_id(self, table: str) -> int:
        """Allocate the next id of a table."""
        value = self.ids[table]
        self.ids[table] += 1
        return value

    def batches(self, existing_categories: dict[tuple[str, str], int]) -> Iterator[tuple[str, list[dict]]]:
        """(table, rows) in an order that satisfies the foreign keys."""
        categories, rows = self._categories(existing_categories)
        yield "categories", rows
        yield "evidence", self._evidence()
        for number, count in enumerate(_split(self.total, self.sizes["sources"]), 1):
            yield from self._source(number, count, categories).items()

    def _categories(self, existing: dict[tuple[str, str], int]) -> tuple[dict[str, list[int]], list[dict]]:
        by_kind: dict[str, list[int]] = {kind.value: [] for kind in CategoryKind}
        rows = []
        for kind in CategoryKind:
            for slug, label in read_seed()["categories"].get(kind.value, {}).items():
                category_id = existing.get((kind.value, slug))
                if category_id is None:
                    category_id = self.next_id("categories")
                    rows.append({"id": category_id, "kind": kind.value, "slug": slug, "label": label})
                by_kind[kind.value].append(category_id)
                self.categories[category_id] = {"kind": kind.value, "slug": slug, "label": label}
        return by_kind, rows

    def _evidence(self) -> list[dict[str, Any]]:
        rng, kinds = self.rng, list(EvidenceKind)
        for n in range(self.sizes["evidence"]):
            url = f"https://evidence.example.org/synthetic/{n}"
            published = _day(rng, date(2014, 6, 1), date(2025, 6, 30))
            self.evidence.append(
                {
                    "id": self.next_id("evidence"),
                    "url": url,
                    "url_normalised": normalise_url(url),
                    "title": f"[synthetic] Evidence item {n}",
                    "kind": rng.choice(kinds).value,
                    "published_on": published,
                    "visibility": "restricted" if rng.random() < 0.05 else "public",
                    # Never after the first link to it, as when a write creates it (verify checks it).
                    "created_at": min(_at(published) + timedelta(days=rng.randint(1, 60)), FIRST_LINKED),
                    "created_by": rng.choice(self.monitors),
                }
            )
        return self.evidence

    def _source(self, number: int, count: int, categories: dict[str, list[int]]) -> Rows:
        rng = self.rng
        tables: Rows = {table: [] for table in TABLES if table not in ("categories", "evidence")}
        published = _day(rng, FIRST_PUBLISHED, LAST_PUBLISHED)
        source = {
            "id": self.next_id("sources"),
            "slug": f"synth-{number:03d}",
            "title": f"[synthetic] Benchmark source {number}",
            "publisher": "rectrack benchmark",
            "published_on": published,
            "url": None,
            "date_note": "Generated for benchmarks; not a real report.",
            "created_at": _at(published),
        }
        tables["sources"].append(source)
        for section_number in range(2, 2 + (min(count, rng.randint(5, 8)) or 1)):
            title = f"[synthetic] Section {section_number} of source {number}"
            section = {"id": self.next_id("sections"), "source_id": source["id"], "number": section_number}
            tables["sections"].append(section | {"title": title})
        details = {key: source[key] for key in ("title", "publisher", "url", "date_note")}
        details |= {"published_on": published.isoformat(), "recommendations": count}
        for section, items in zip(tables["sections"], _split(count, len(tables["sections"])), strict=True):
            # What each genesis entry anchors beside the text, as the seed's do (seed/loader.py, _anchors).
            anchors = {
                "source_details": details,
                "section": {"number": section["number"], "title": section["title"], "recommendations": items},
            }
            for item in range(1, items + 1):
                self._recommendation(tables, source, section, item, categories, anchors)
        return tables

    def _recommendation(
        self, tables: Rows, source: dict, section: dict, item: int, categories, anchors: dict[str, Any]
    ) -> None:
        rng = self.rng
        rec_id = self.next_id("recommendations")
        code = f"{source['slug']}-{section['number']}.{item}"
        text = f"[synthetic] Recommendation {code}: act on {' '.join(rng.choices(WORDS, k=12))}."
        filed = []
        for kind, (low, high) in (("addressee", (1, 2)), ("theme", (1, 3)), ("sdg", (0, 2))):
            for category_id in rng.sample(
                categories[kind], min(len(categories[kind]), rng.randint(low, high))
            ):
                tables["recommendation_categories"].append(
                    {
                        "recommendation_id": rec_id,
                        "category_id": category_id,
                        "source_id": source["id"],
                        "section_number": section["number"],
                        "number": item,
                    }
                )
                filed.append(self.categories[category_id])
        chain = _Chain(self, rec_id, code, tables)
        filed.sort(key=lambda category: (category["kind"], category["slug"]))
        chain.build(text, source, anchors | {"categories": filed})
        tables["recommendations"].append(
            {
                "id": rec_id,
                "code": code,
                "source_id": source["id"],
                "section_id": section["id"],
                "section_number": section["number"],
                "number": item,
                "text": text,
                "search_text": search_text_for(code, text),
                "terms": terms_text(text),
                "status": chain.latest_status("independent"),
                "claimed_status": chain.latest_status("state"),
                # The maintained columns, as the writes keep them (app.recommendations.maintained).
                "status_effective_on": chain.latest_effective_on("independent"),
                "claimed_effective_on": chain.latest_effective_on("state"),
                "coverage_links_public": chain.coverage_links(Visibility.public),
                "coverage_links_restricted": chain.coverage_links(Visibility.restricted),
                "coverage_public_since": chain.coverage_since(Visibility.public),
                "coverage_restricted_since": chain.coverage_since(Visibility.restricted),
                "claim_gap_class": _gap_class(
                    chain.latest_status("state"), chain.latest_status("independent")
                ),
                "version": chain.seq,
                "last_assessed_at": chain.last_assessed_at,
                "created_at": chain.created_at,
                "updated_at": chain.updated_at,
            }
        )


class _Chain:
    """One recommendation's history: genesis, evidence links, assessments, the odd unlink."""

    def __init__(self, builder: _Builder, rec_id: int, code: str, tables: Rows):
        self.builder, self.rng, self.rec_id, self.code, self.tables = (
            builder,
            builder.rng,
            rec_id,
            code,
            tables,
        )
        self.seq, self.prev_hash = 0, None
        self.latest: dict[str, tuple[date, int, str]] = {}
        self.last_assessed_at: datetime | None = None
        self.created_at = self.updated_at = LAST_RECORDED
        self.active: dict[int, dict[str, Any]] = {}  # the active evidence links by item, once built
        self.published_on: dict[int, date] = {}  # each linked item's published_on, by item

    def build(self, text: str, source: dict[str, Any], anchors: dict[str, Any]) -> None:
        """Append the whole chain and the evidence links it records."""
        rng, published = self.rng, source["published_on"]
        links = rng.randint(1, 5) + (rng.random() < LINKS_PER_RECOMMENDATION - 3)
        pool = self.builder.evidence
        base = (self.rec_id * 7919) % len(pool)  # neighbouring recommendations share evidence
        chosen = [pool[(base + offset) % len(pool)] for offset in rng.sample(range(60), links)]
        events = max(links, rng.randint(3, 2 * ENTRIES_PER_RECOMMENDATION - 5))  # after genesis; mean ~9
        self.created_at = _at(published) + timedelta(
            days=rng.randint(20, 120), seconds=rng.randint(0, 86_399)
        )
        times = sorted(_between(rng, self.created_at, LAST_RECORDED) for _ in range(events))
        kinds = ["evidence_linked"] * (links - 1) + ["assessment"] * (events - links + 1)
        rng.shuffle(kinds)
        if links > 1 and rng.random() < UNLINKED_SHARE and kinds[-1] == "assessment":
            kinds[-1] = "evidence_unlinked"
        baseline = chosen[0]
        active = {baseline["id"]: self._link(baseline, Relation.baseline, self.created_at, None)}
        genesis = {
            "source": source["slug"],
            **anchors,
            "text": text,
            "status": Status.not_assessed.value,
            "evidence": [_linked_payload(baseline, Relation.baseline)],
            "note": "Synthetic recommendation generated for benchmarks.",
        }
        self._append("genesis", published, self.created_at, None, genesis)
        waiting = iter(chosen[1:])
        for kind, at in zip(kinds, times, strict=True):
            by = rng.choice(self.builder.monitors)
            if kind == "evidence_linked":
                self._linked(next(waiting), at, by, active)
            elif kind == "evidence_unlinked":
                self._unlinked(active, at, by)
            else:
                self._assessed(at, by, list(active), published)
        self.active = active

    def _link(self, evidence: dict, relation: Relation, at: datetime, by: int | None) -> dict[str, Any]:
        self.published_on[evidence["id"]] = evidence["published_on"]
        link = {
            "id": self.builder.next_id("recommendation_evidence"),
            "recommendation_id": self.rec_id,
            "evidence_id": evidence["id"],
            "relation": relation.value,
            "visibility": evidence["visibility"],  # a restricted item is never linked publicly
            "note": f"[synthetic] {relation.value} evidence",
            "linked_at": at,
            "linked_by": by,
            "unlinked_at": None,
            "unlinked_by": None,
            "unlink_reason": None,
            "evidence_published_on": evidence["published_on"],
        }
        self.tables["recommendation_evidence"].append(link)
        return link

    def _linked(self, evidence: dict, at: datetime, by: int, active: dict[int, dict]) -> None:
        relation = self.rng.choice([Relation.progress, Relation.regression, Relation.context])
        active[evidence["id"]] = self._link(evidence, relation, at, by)
        self._append("evidence_linked", at.date(), at, by, _linked_payload(evidence, relation))

    def _unlinked(self, active: dict[int, dict], at: datetime, by: int) -> None:
        evidence_id = self.rng.choice(sorted(active)[1:] or sorted(active))
        link = active.pop(evidence_id)
        reason = "[synthetic] superseded by a later source"
        link |= {"unlinked_at": at, "unlinked_by": by, "unlink_reason": reason}
        payload = {"evidence_id": evidence_id, "relation": link["relation"], "reason": reason}
        self._append("evidence_unlinked", at.date(), at, by, payload)

    def _assessed(self, at: datetime, by: int, active: list[int], published: date) -> None:
        rng = self.rng
        status = rng.choices(list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values()))[0].value
        perspective = rng.choices(list(PERSPECTIVE_WEIGHTS), list(PERSPECTIVE_WEIGHTS.values()))[0].value
        # Some assessments are backfilled: recorded long after the date they are effective from.
        lag = rng.randint(60, 1100) if rng.random() < BACKFILLED_SHARE else rng.randint(0, 30)
        effective = max(published, at.date() - timedelta(days=lag))
        payload = {
            "status": status,
            "perspective": perspective,
            "summary": f"[synthetic] Assessment {self.seq + 1} of {self.code}: {status.replace('_', ' ')}.",
            "evidence_ids": sorted(rng.sample(active, min(len(active), rng.randint(0, 2)))),
        }
        self._append("assessment", effective, at, by, payload, status=status, perspective=perspective)
        key = (effective, self.seq, status)
        if key > self.latest.get(perspective, (date.min, 0, "")):
            self.latest[perspective] = key
        self.last_assessed_at = at

    def _append(
        self, kind, effective_on, recorded_at, recorded_by, payload, *, status=None, perspective=None
    ):
        self.seq += 1
        salt = new_salt()
        entry = {
            "format": COMMITTED_FORMAT,
            "salt": salt,
            "commitment": content_commitment(salt, payload, derived_alias(recorded_by)),
            "seq": self.seq,
            "kind": kind,
            "status": status,
            "perspective": perspective,
            "recorded_by": recorded_by,
            "effective_on": effective_on,
            "recorded_at": recorded_at,
            "prev_hash": self.prev_hash,
        }
        digest = entry_digest(self.code, SimpleNamespace(**entry), payload)
        self.tables["history_entries"].append(
            entry
            | {
                "id": self.builder.next_id("history_entries"),
                "recommendation_id": self.rec_id,
                "payload": canonical_json(payload),
                "hash": digest,
            }
        )
        self.prev_hash = digest
        self.updated_at = recorded_at

    def latest_status(self, perspective: str) -> str:
        """The latest assessment by effective date, then seq (as bench.consistency.latest_status)."""
        return self.latest.get(perspective, (None, None, Status.not_assessed.value))[2]

    def latest_effective_on(self, perspective: str) -> date | None:
        """The effective date of that latest assessment (None when there is none)."""
        latest = self.latest.get(perspective)
        return latest[0] if latest is not None else None

    def coverage_links(self, visibility: Visibility) -> int:
        """Active progress and regression links of this visibility: what evidence coverage counts."""
        return sum(
            link["relation"] in COVERAGE_RELATIONS and link["visibility"] == visibility.value
            for link in self.active.values()
        )

    def coverage_since(self, visibility: Visibility) -> date | None:
        """The earliest published_on among those links (every generated item has one); None when none."""
        return min(
            (
                self.published_on[link["evidence_id"]]
                for link in self.active.values()
                if link["relation"] in COVERAGE_RELATIONS and link["visibility"] == visibility.value
            ),
            default=None,
        )


def _gap_class(claimed: str, independent: str) -> str | None:
    gap = claim_gap_class(claimed, independent)
    return gap.value if gap is not None else None


def _linked_payload(evidence: dict[str, Any], relation: Relation) -> dict[str, Any]:
    """What an evidence_linked entry (or a genesis entry's evidence item) records, as the app writes it."""
    return {
        "evidence_id": evidence["id"],
        "url": evidence["url"],
        "title": evidence["title"],
        "kind": evidence["kind"],
        "published_on": evidence["published_on"].isoformat(),
        "relation": relation.value,
        "note": f"[synthetic] {relation.value} evidence",
        "visibility": evidence["visibility"],
        "evidence_visibility": evidence["visibility"],
        "evidence_created_at": format_recorded_at(evidence["created_at"]),
    }


def _split(total: int, parts: int) -> list[int]:
    """`total` items over `parts` buckets, as even as possible."""
    return [total // parts + (1 if n < total % parts else 0) for n in range(parts)]


def _day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, (last - first).days))


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, tzinfo=UTC)


def _between(rng: random.Random, first: datetime, last: datetime) -> datetime:
    span = int((last - first).total_seconds() * 1_000_000)
    return first + timedelta(microseconds=rng.randint(1, max(1, span)))
