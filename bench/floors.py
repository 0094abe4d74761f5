"""The floors: the same aggregations as the app's, as raw SQL through the drivers, with no framework.

Each scorecard floor computes what `compute_scorecard` returns (status, staleness and evidence coverage
per group, the totals, the number of claim gaps and the first page of them with their entries) and is
checked against it. Several query
shapes are tried per database and the fastest one is the floor.
"""

import csv
import json
import re
import sqlite3
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

STATUSES = ("not_assessed", "not_implemented", "partially_implemented", "implemented", "regressed")
CLAIMED = "('implemented', 'partially_implemented')"
DISPUTED = "('not_implemented', 'regressed')"
SHOWN = "('progress', 'regression')"
STALE_AFTER_DAYS = 365
GAPS_LIMIT = 100  # the scorecard's default gaps_limit: its first page of claim gaps

# (how the latest assessment per recommendation is found, how evidence coverage is found)
CANDIDATES = {
    "postgresql": [("distinct_on", "semi"), ("lateral", "semi"), ("window", "semi"), ("lateral", "exists")],
    "sqlite": [
        ("correlated", "exists"),
        ("correlated", "semi"),
        ("window", "exists"),
        ("group_max", "exists"),
    ],
}
DESCRIPTIONS = {
    "distinct_on": "DISTINCT ON (recommendation_id) ORDER BY recommendation_id, effective_on DESC, seq DESC",
    "lateral": "LEFT JOIN LATERAL (... ORDER BY effective_on DESC, seq DESC LIMIT 1): an index seek each",
    "window": "row_number() OVER (PARTITION BY recommendation_id ORDER BY effective_on DESC, seq DESC) = 1",
    "correlated": "scalar (SELECT effective_on || status ... LIMIT 1): one covering index seek each",
    "group_max": "GROUP BY recommendation_id with max(effective_on || seq) and SQLite's bare columns",
    "semi": "evidence coverage as one DISTINCT semi-join set, joined once",
    "exists": "evidence coverage as a correlated EXISTS per recommendation",
}


@dataclass(frozen=True)
class Point:
    """The scorecard's point in time (None, None: current) and today's date for staleness."""

    as_of: date | None = None
    known_at: datetime | None = None
    today: date | None = None

    @property
    def current(self) -> bool:
        """No as_of and no known_at: the denormalised statuses hold the answer."""
        return self.as_of is None and self.known_at is None

    def reference(self) -> date:
        """The date staleness is measured from (as the app's PointInTime.reference_date)."""
        if self.as_of is not None:
            return self.as_of
        if self.known_at is not None:
            return self.known_at.date()
        return self.today or datetime.now(UTC).date()


class Raw:
    """A bare DB-API connection: sqlite3 or psycopg, `:name` parameters on both."""

    def __init__(self, url: str):
        parsed = make_url(url)
        self.backend = parsed.get_backend_name()
        if self.backend == "sqlite":
            self.db: Any = sqlite3.connect(parsed.database, isolation_level=None)
        else:
            conninfo = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
            # As the app: automatic prepared statements made correlated queries slower (DESIGN.md).
            self.db = psycopg.connect(conninfo, autocommit=True, prepare_threshold=None)

    def sql(self, text: str) -> str:
        """The statement in the driver's parameter style."""
        return text if self.backend == "sqlite" else re.sub(r"(?<!:):(\w+)", r"%(\1)s", text)

    def value(self, value: Any) -> Any:
        """A parameter as the database stores it (SQLite: SQLAlchemy's text formats, UTC)."""
        if self.backend == "sqlite" and isinstance(value, datetime):
            return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        if self.backend == "sqlite" and isinstance(value, date):
            return value.isoformat()
        return value

    def rows(self, text: str, params: dict[str, Any]) -> list[tuple]:
        """Run a statement and fetch every row."""
        bound = {name: self.value(value) for name, value in params.items()}
        return self.db.execute(self.sql(text), bound).fetchall()

    def close(self) -> None:
        """Close the connection."""
        self.db.close()


def _filter(alias: str, perspective: str, point: Point) -> str:
    conditions = [f"{alias}.perspective = '{perspective}'"]
    if point.as_of is not None:
        conditions.append(f"{alias}.effective_on <= :as_of")
    if point.known_at is not None:
        conditions.append(f"{alias}.recorded_at <= :known_at")
    return " AND ".join(conditions)


def _latest_set(strategy: str, perspective: str, point: Point) -> str:
    """A set of (recommendation_id, id, status, effective_on): each recommendation's latest assessment."""
    where = _filter("h", perspective, point)
    columns = "h.recommendation_id, h.id, h.status, h.effective_on"
    if strategy == "distinct_on":
        return (
            f"SELECT DISTINCT ON (h.recommendation_id) {columns} FROM history_entries h WHERE {where} "
            "ORDER BY h.recommendation_id, h.effective_on DESC, h.seq DESC"
        )
    if strategy == "window":
        return (
            f"SELECT recommendation_id, id, status, effective_on FROM (SELECT {columns}, row_number() OVER "
            "(PARTITION BY h.recommendation_id ORDER BY h.effective_on DESC, h.seq DESC) AS rn "
            f"FROM history_entries h WHERE {where}) ranked WHERE rn = 1"
        )
    if strategy == "group_max":
        return (
            f"SELECT {columns}, max(h.effective_on || printf('%010d', h.seq)) AS newest "
            f"FROM history_entries h WHERE {where} GROUP BY h.recommendation_id"
        )
    raise ValueError(strategy)


def _latest_seek(strategy: str, perspective: str, point: Point, what: str) -> str:
    """A per-recommendation lookup of the latest assessment (r is the recommendation)."""
    where = f"h.recommendation_id = r.id AND {_filter('h', perspective, point)}"
    order = "ORDER BY h.effective_on DESC, h.seq DESC LIMIT 1"
    if strategy == "lateral":
        lookup = f"SELECT {what} FROM history_entries h WHERE {where} {order}"
        return f"LEFT JOIN LATERAL ({lookup}) {perspective} ON true"
    return f"(SELECT {what} FROM history_entries h WHERE {where} {order})"


def _link_conditions(point: Point) -> str:
    # The link's own visibility and its copy of the item's date (migration 0019): no join to evidence.
    conditions = [f"re.relation IN {SHOWN}", "re.visibility = 'public'"]
    if point.known_at is None:
        conditions.append("re.unlinked_at IS NULL")
    else:
        conditions += ["re.linked_at <= :known_at", "(re.unlinked_at IS NULL OR re.unlinked_at > :known_at)"]
    if point.as_of is not None:
        conditions.append("(re.evidence_published_on IS NULL OR re.evidence_published_on <= :as_of)")
    return " AND ".join(conditions)


def _gap(claimed: str, independent: str) -> str:
    return f"CASE WHEN {claimed} IN {CLAIMED} AND {independent} IN {DISPUTED} THEN 1 ELSE 0 END"


def _per_recommendation(strategy: str, coverage: str, point: Point) -> str:
    """CTEs ending in per_rec(id, section_id, status, stale, covered, gap)."""
    ctes = []
    links = f"FROM recommendation_evidence re WHERE {_link_conditions(point)}"
    if coverage == "semi":
        ctes.append(f"covered AS (SELECT DISTINCT re.recommendation_id AS id {links})")
        covered_join, covered = (
            "LEFT JOIN covered c ON c.id = r.id",
            "CASE WHEN c.id IS NULL THEN 0 ELSE 1 END",
        )
    else:
        covered_join = ""
        covered = f"CASE WHEN EXISTS (SELECT 1 {links} AND re.recommendation_id = r.id) THEN 1 ELSE 0 END"
    created = "WHERE r.created_at <= :known_at" if point.known_at is not None else ""
    if strategy == "correlated":
        seek = _latest_seek(strategy, "independent", point, "h.effective_on || h.status")
        state = "" if point.current else f", {_latest_seek(strategy, 'state', point, 'h.status')} AS state"
        # Materialised: a subquery would be flattened into per_rec and each use of `latest` would seek again.
        ctes.append(
            f"seeks AS MATERIALIZED (SELECT r.id, r.section_id, r.status, r.claimed_status, {seek} AS latest"
            f"{state}, {covered} AS covered FROM recommendations r {covered_join} {created})"
        )
        status = "status" if point.current else "coalesce(substr(latest, 11), 'not_assessed')"
        gap = _gap("claimed_status", "status") if point.current else _gap("state", "substr(latest, 11)")
        ctes.append(
            f"per_rec AS (SELECT id, section_id, {status} AS status, CASE WHEN latest IS NULL OR "
            f"substr(latest, 1, 10) < :cutoff THEN 1 ELSE 0 END AS stale, covered, {gap} AS gap FROM seeks)"
        )
        return ", ".join(ctes)
    if strategy == "lateral":
        join = _latest_seek(strategy, "independent", point, "h.status, h.effective_on")
        if not point.current:
            join += " " + _latest_seek(strategy, "state", point, "h.status")
    else:
        ctes.append(f"latest AS ({_latest_set(strategy, 'independent', point)})")
        join = "LEFT JOIN latest independent ON independent.recommendation_id = r.id"
        if not point.current:
            ctes.append(f"latest_state AS ({_latest_set(strategy, 'state', point)})")
            join += " LEFT JOIN latest_state state ON state.recommendation_id = r.id"
    status = "r.status" if point.current else "coalesce(independent.status, 'not_assessed')"
    gap = (
        _gap("r.claimed_status", "r.status") if point.current else _gap("state.status", "independent.status")
    )
    stale = (
        "CASE WHEN independent.effective_on IS NULL OR independent.effective_on < :cutoff THEN 1 ELSE 0 END"
    )
    ctes.append(
        f"per_rec AS (SELECT r.id, r.section_id, {status} AS status, {stale} AS stale, {covered} AS covered, "
        f"{gap} AS gap FROM recommendations r {join} {covered_join} {created})"
    )
    return ", ".join(ctes)


def scorecard_sql(strategy: str, coverage: str, group_by: str, point: Point) -> str:
    """Counts by (group, status) and by status alone, with staleness, coverage and gaps, in one statement."""
    ctes = _per_recommendation(strategy, coverage, point)
    sums = "count(*), sum(p.stale), sum(p.covered), sum(p.gap)"
    if group_by == "section":
        groups = (
            f"SELECT 1, so.slug, CAST(se.number AS TEXT), p.status, {sums} FROM per_rec p "
            "JOIN sections se ON se.id = p.section_id JOIN sources so ON so.id = se.source_id "
            "GROUP BY se.id, so.slug, se.number, p.status"
        )
    else:
        groups = (
            f"SELECT 1, NULL, t.slug, p.status, {sums} FROM per_rec p LEFT JOIN (SELECT "
            "rc.recommendation_id, c.slug FROM recommendation_categories rc "
            f"JOIN categories c ON c.id = rc.category_id WHERE c.kind = '{group_by}') t "
            "ON t.recommendation_id = p.id GROUP BY t.slug, p.status"
        )
    totals = f"SELECT 0, NULL, NULL, p.status, {sums} FROM per_rec p GROUP BY p.status"
    return f"WITH {ctes} {groups} UNION ALL {totals}"


def gaps_sql(strategy: str, point: Point, backend: str) -> str:
    """The first :gaps_limit claim gaps with both entries and their summaries, in natural order.

    The recommendations are walked in natural order and the lookups stop at the last gap wanted; only the
    gaps' entries are fetched.
    """
    summary = (
        "(e.payload::json ->> 'summary')"
        if backend == "postgresql"
        else "json_extract(e.payload, '$.summary')"
    )
    entry = "{a}.id, {a}.seq, {a}.status, {a}.effective_on, {a}.recorded_at, " + summary.replace("e.", "{a}.")
    conditions = []
    if point.current:
        conditions += [f"r.claimed_status IN {CLAIMED}", f"r.status IN {DISPUTED}"]
    if point.known_at is not None:
        conditions.append("r.created_at <= :known_at")
    ctes = ""
    if strategy == "correlated":
        # A seek each, in WHERE: SQLite evaluates the second only when the first matched.
        if not point.current:
            conditions += [
                f"{_latest_seek(strategy, 'state', point, 'h.status')} IN {CLAIMED}",
                f"{_latest_seek(strategy, 'independent', point, 'h.status')} IN {DISPUTED}",
            ]
        state_id = _latest_seek(strategy, "state", point, "h.id")
        independent_id = _latest_seek(strategy, "independent", point, "h.id")
        source = (
            f"recommendations r JOIN history_entries cs ON cs.id = {state_id} "
            f"JOIN history_entries ci ON ci.id = {independent_id}"
        )
    else:
        if strategy == "lateral":
            source = (
                f"recommendations r {_latest_seek(strategy, 'state', point, 'h.id, h.status')} "
                f"{_latest_seek(strategy, 'independent', point, 'h.id, h.status')} "
            )
        else:
            ctes = (
                f"WITH state AS ({_latest_set(strategy, 'state', point)}), "
                f"independent AS ({_latest_set(strategy, 'independent', point)}) "
            )
            source = (
                "recommendations r JOIN state ON state.recommendation_id = r.id JOIN independent ON "
                "independent.recommendation_id = r.id "
            )
        source += (
            "JOIN history_entries cs ON cs.id = state.id JOIN history_entries ci ON ci.id = independent.id"
        )
        if not point.current:
            conditions += [f"state.status IN {CLAIMED}", f"independent.status IN {DISPUTED}"]
    return (
        f"{ctes}SELECT r.code, so.slug, r.section_number, {entry.format(a='cs')}, {entry.format(a='ci')} "
        f"FROM {source} JOIN sources so ON so.id = r.source_id WHERE {' AND '.join(conditions)} "
        "ORDER BY r.source_id, r.section_number, r.number LIMIT :gaps_limit"
    )


def scorecard_floor(
    raw: Raw, strategy: str, coverage: str, group_by: str, point: Point, gaps_limit: int = GAPS_LIMIT
) -> dict[str, Any]:
    """Run the floor and shape its result for comparison with the app's."""
    params = {"cutoff": point.reference() - timedelta(days=STALE_AFTER_DAYS)}
    if point.as_of is not None:
        params["as_of"] = point.as_of
    if point.known_at is not None:
        params["known_at"] = point.known_at
    counts = raw.rows(scorecard_sql(strategy, coverage, group_by, point), params)
    groups: dict[Any, dict[str, Any]] = {}
    gaps_total = 0
    for part, source, key, status, count, stale, covered, gaps in counts:
        name = "totals" if part == 0 else (source, key)
        group = groups.setdefault(
            name, {"total": 0, "by_status": dict.fromkeys(STATUSES, 0), "stale": 0, "covered": 0}
        )
        group["total"] += count
        group["by_status"][status] = count
        group["stale"] += int(stale)
        group["covered"] += int(covered)
        gaps_total += int(gaps) if part == 0 else 0
    # As the app: no walk when there is nothing to find, and it stops at the last gap there is.
    wanted = min(gaps_limit, gaps_total)
    page = raw.rows(gaps_sql(strategy, point, raw.backend), params | {"gaps_limit": wanted}) if wanted else []
    return {
        "groups": {name: _comparable(group) for name, group in groups.items()},
        "gaps_total": gaps_total,
        "gaps": [(row[0], row[3], row[9]) for row in page],
    }


def app_comparable(scorecard: dict[str, Any], group_by: str) -> dict[str, Any]:
    """The app's scorecard shaped as `scorecard_floor` shapes its own."""
    groups = {"totals": _comparable(scorecard["totals"])}
    for group in scorecard["groups"]:
        name = (group["source"], group["key"]) if group_by == "section" else (None, group["key"])
        groups[name] = _comparable(group)
    gaps = [(gap["code"], gap["claimed"]["id"], gap["independent"]["id"]) for gap in scorecard["claim_gaps"]]
    return {"groups": groups, "gaps_total": scorecard["claim_gaps_total"], "gaps": gaps}


def _comparable(group: dict[str, Any]) -> tuple:
    covered = group.get("covered")
    coverage = group.get("evidence_coverage") if covered is None else round(covered / group["total"], 4)
    by_status = tuple(group["by_status"][status] for status in STATUSES)
    return group["total"], by_status, group["stale"], coverage


# Issue 16's as-of floors: the least work the statuses by group need, over any schema. The floor makes the
# partial covering index it reads (backwards: newest first) when the app has none of that shape (PostgreSQL:
# INCLUDE; SQLite has none, so status and recording time end its key); recorded_at serves known_at.
AS_OF_INDEX = "ix_history_entries_as_of_independent"  # the app's (migration 0012), when it has it
FLOOR_INDEX = "bench_floor_as_of_independent"
FLOOR_INDEX_SQL = {
    "postgresql": "CREATE INDEX IF NOT EXISTS {name} ON history_entries "
    "(recommendation_id, effective_on, seq) INCLUDE (status, recorded_at) "
    "WHERE perspective = 'independent'",
    "sqlite": "CREATE INDEX IF NOT EXISTS {name} ON history_entries (recommendation_id, effective_on, "
    "seq, status, recorded_at) WHERE perspective = 'independent'",
}
AS_OF_FLOORS = {
    "distinct_on": "statuses by group: DISTINCT ON (recommendation_id) over the partial covering index "
    "(recommendation_id, effective_on, seq) INCLUDE (status, recorded_at) WHERE perspective = 'independent', "
    "read backwards (newest first), LEFT JOINed to recommendations, GROUP BY group, status",
    "correlated_limit_1": "statuses by group: a correlated (SELECT status ... ORDER BY effective_on DESC, "
    "seq DESC LIMIT 1) per recommendation over the partial covering index (recommendation_id, "
    "effective_on, seq, status, recorded_at) WHERE perspective = 'independent', GROUP BY group, status",
    "periods": "statuses by group: the independent status period holding at the point (migration 0016's "
    "status_periods, from_on <= as_of < until_on, recorded_at <= known_at < superseded_at) LEFT JOINed to "
    "recommendations, GROUP BY group, status",
    "one_pass": "count(*) of the independent entries up to the point (effective_on <= as_of, recorded_at <= "
    "known_at) over the same index: the least work that looks at every candidate",
}


def ensure_as_of_index(raw: Raw) -> str:
    """The partial covering index the as-of floors read: the app's if it has one, else the floor's own."""
    if raw.backend == "postgresql":
        found = raw.rows("SELECT 1 FROM pg_indexes WHERE indexname = :name", {"name": AS_OF_INDEX})
    else:
        found = raw.rows(
            "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = :name", {"name": AS_OF_INDEX}
        )
    if found:
        return AS_OF_INDEX
    raw.db.execute(FLOOR_INDEX_SQL[raw.backend].format(name=FLOOR_INDEX))
    raw.db.execute("ANALYZE history_entries")
    return FLOOR_INDEX


def as_of_floor_sql(backend: str, group_by: str, point: Point, index: str, shape: str = "") -> str:
    """Statuses by group at an as-of (and known-at) point: the issue's floor for the database, or with
    `shape` "periods" the same over the status periods table (migration 0016)."""
    where = _filter("h", "independent", point)
    created = "WHERE r.created_at <= :known_at" if point.known_at is not None else ""
    if shape == "periods":
        ctes = (
            f"per_rec AS (SELECT r.id, r.section_id, coalesce(p.status, 'not_assessed') AS status FROM "
            f"recommendations r LEFT JOIN status_periods p ON {_holding('p', point)} {created})"
        )
    elif backend == "postgresql":
        latest = (
            "SELECT DISTINCT ON (h.recommendation_id) h.recommendation_id, h.status FROM history_entries h "
            f"WHERE {where} ORDER BY h.recommendation_id DESC, h.effective_on DESC, h.seq DESC"
        )
        rows = (
            f"SELECT r.id, r.section_id, coalesce(l.status, 'not_assessed') AS status FROM recommendations r "
            f"LEFT JOIN ({latest}) l ON l.recommendation_id = r.id {created}"
        )
        ctes = f"per_rec AS ({rows})"
    else:
        seek = (
            f"SELECT h.status FROM history_entries h INDEXED BY {index} WHERE h.recommendation_id = r.id "
            f"AND {where} ORDER BY h.effective_on DESC, h.seq DESC LIMIT 1"
        )
        # Materialised, or the GROUP BY would run each seek twice (key and output).
        ctes = (
            "per_rec AS MATERIALIZED (SELECT r.id, r.section_id, "
            f"coalesce(({seek}), 'not_assessed') AS status FROM recommendations r {created})"
        )
    if group_by == "section":
        return (
            f"WITH {ctes} SELECT so.slug, CAST(se.number AS TEXT), p.status, count(*) FROM per_rec p "
            "JOIN sections se ON se.id = p.section_id JOIN sources so ON so.id = se.source_id "
            "GROUP BY se.id, so.slug, se.number, p.status"
        )
    return (
        f"WITH {ctes} SELECT NULL, t.slug, p.status, count(*) FROM per_rec p LEFT JOIN (SELECT "
        "rc.recommendation_id, c.slug FROM recommendation_categories rc JOIN categories c ON c.id = "
        f"rc.category_id WHERE c.kind = '{group_by}') t ON t.recommendation_id = p.id "
        "GROUP BY t.slug, p.status"
    )


def _holding(alias: str, point: Point) -> str:
    """The independent status period of the recommendation `r` holding at the point."""
    conditions = [f"{alias}.recommendation_id = r.id", f"{alias}.perspective = 'independent'"]
    if point.as_of is not None:
        conditions.append(
            f"{alias}.from_on <= :as_of AND ({alias}.until_on IS NULL OR {alias}.until_on > :as_of)"
        )
    else:
        conditions.append(f"{alias}.until_on IS NULL")
    if point.known_at is not None:
        conditions.append(
            f"{alias}.recorded_at <= :known_at AND ({alias}.superseded_at IS NULL OR {alias}.superseded_at > "
            ":known_at)"
        )
    else:
        conditions.append(f"{alias}.superseded_at IS NULL")
    return " AND ".join(conditions)


def one_pass_sql(backend: str, point: Point, index: str) -> str:
    """Every independent entry up to the point, counted: a lower bound, not an answer."""
    indexed = f" INDEXED BY {index}" if backend == "sqlite" else ""
    return f"SELECT count(*) FROM history_entries h{indexed} WHERE {_filter('h', 'independent', point)}"


def as_of_floor(
    raw: Raw, shape: str, group_by: str, point: Point, index: str
) -> dict[Any, tuple[int, ...]] | int:
    """Run an as-of floor: counts by status per group (as `app_statuses`), or the one-pass count."""
    params: dict[str, Any] = {"as_of": point.as_of}
    if point.known_at is not None:
        params["known_at"] = point.known_at
    if shape == "one_pass":
        return raw.rows(one_pass_sql(raw.backend, point, index), params)[0][0]
    groups: dict[Any, list[int]] = {}
    statement = as_of_floor_sql(raw.backend, group_by, point, index, shape if shape == "periods" else "")
    for source, key, status, count in raw.rows(statement, params):
        groups.setdefault((source, key), [0] * len(STATUSES))[STATUSES.index(status)] = count
    return {name: tuple(counts) for name, counts in groups.items()}


def app_statuses(scorecard: dict[str, Any], group_by: str) -> dict[Any, tuple[int, ...]]:
    """The app's counts by status per group, shaped as `as_of_floor` shapes its own."""
    return {
        (group["source"] if group_by == "section" else None, group["key"]): tuple(
            group["by_status"][status] for status in STATUSES
        )
        for group in scorecard["groups"]
    }


# The GROUP BY floor of a current scorecard (issue 16): the least work the answer needs over any schema. Every
# figure comes from the recommendation's own row (the status, the date of its latest independent assessment,
# its active progress/regression links by visibility, its claim-gap class: the columns migration 0011 added
# and every write maintains), so the scorecard is one `GROUP BY group, status` pass over `recommendations`;
# by a category kind a recommendation may be in several groups or none, so the totals take a second pass.
GAP_CLASSES = ("overclaim", "underclaim", "unassessed")
GROUPBY_SUMS = [
    ("n", "count(*)"),
    (
        "stale",
        "sum(CASE WHEN r.status_effective_on IS NULL OR r.status_effective_on < :cutoff THEN 1 ELSE 0 END)",
    ),
    ("covered", "sum(CASE WHEN r.coverage_links_public > 0 THEN 1 ELSE 0 END)"),
    ("gaps", f"sum({_gap('r.claimed_status', 'r.status')})"),
    *((name, f"sum(CASE WHEN r.claim_gap_class = '{name}' THEN 1 ELSE 0 END)") for name in GAP_CLASSES),
]
DESCRIPTIONS["group_by"] = (
    "GROUP BY group, status over recommendations (maintained columns: status, status_effective_on, "
    "coverage_links_public, claim_gap_class), groups named after; the totals by status in a second pass "
    "for category groupings"
)


def groupby_sql(group_by: str) -> str:
    """The GROUP BY floor: rows of (part, source, key, status, count, stale, covered, gaps, classes...)."""
    sums = ", ".join(f"{expression} AS {name}" for name, expression in GROUPBY_SUMS)
    counted = ", ".join(f"c.{name}" for name, _ in GROUPBY_SUMS)
    if group_by == "section":
        grouped = (
            f"SELECT r.section_id AS g, r.status, {sums} FROM recommendations r "
            "GROUP BY r.section_id, r.status"
        )
        return (
            f"SELECT 1, so.slug, CAST(se.number AS TEXT), c.status, {counted} FROM ({grouped}) c "
            "JOIN sections se ON se.id = c.g JOIN sources so ON so.id = se.source_id"
        )
    grouped = (
        f"SELECT t.category_id AS g, r.status, {sums} FROM recommendations r LEFT JOIN "
        "(SELECT rc.recommendation_id, rc.category_id FROM recommendation_categories rc JOIN categories k "
        f"ON k.id = rc.category_id WHERE k.kind = '{group_by}') t ON t.recommendation_id = r.id "
        "GROUP BY t.category_id, r.status"
    )
    totals = f"SELECT 0, NULL, NULL, r.status, {sums} FROM recommendations r GROUP BY r.status"
    return (
        f"SELECT 1, NULL, k.slug, c.status, {counted} FROM ({grouped}) c "
        f"LEFT JOIN categories k ON k.id = c.g UNION ALL {totals}"
    )


def groupby_floor(raw: Raw, group_by: str, point: Point, gaps_limit: int = GAPS_LIMIT) -> dict[str, Any]:
    """The GROUP BY floor of a current scorecard (and its first page of claim gaps), shaped for comparison."""
    assert point.current, "the GROUP BY floor is the current scorecard's"
    params = {"cutoff": point.reference() - timedelta(days=STALE_AFTER_DAYS)}
    groups: dict[Any, dict[str, Any]] = {}
    for part, source, key, status, count, stale, covered, gaps, *classes in raw.rows(
        groupby_sql(group_by), params
    ):
        # By section the groups partition the recommendations: the totals are their sums.
        names = ["totals"] if part == 0 else [(source, key)] + (["totals"] if group_by == "section" else [])
        for name in names:
            group = groups.setdefault(
                name,
                {
                    "total": 0,
                    "by_status": dict.fromkeys(STATUSES, 0),
                    "stale": 0,
                    "covered": 0,
                    "gaps": 0,
                    "classes": dict.fromkeys(GAP_CLASSES, 0),
                },
            )
            group["total"] += count
            group["by_status"][status] += count
            group["stale"] += int(stale)
            group["covered"] += int(covered)
            group["gaps"] += int(gaps)
            for gap_class, counted in zip(GAP_CLASSES, classes, strict=True):
                group["classes"][gap_class] += int(counted)
    gaps_total = groups["totals"]["gaps"] if "totals" in groups else 0
    wanted = min(gaps_limit, gaps_total)
    # The first page as the other floors find it: a walk in natural order, an index seek per entry.
    strategy = "lateral" if raw.backend == "postgresql" else "correlated"
    page = raw.rows(gaps_sql(strategy, point, raw.backend), params | {"gaps_limit": wanted}) if wanted else []
    return {
        "groups": {
            name: (*_comparable(group), tuple(group["classes"].values())) for name, group in groups.items()
        },
        "gaps_total": gaps_total,
        "gaps": [(row[0], row[3], row[9]) for row in page],
    }


def app_groupby_comparable(scorecard: dict[str, Any], group_by: str) -> dict[str, Any]:
    """The app's scorecard shaped as `groupby_floor` shapes its own (with the claim-gap classes)."""
    shaped = app_comparable(scorecard, group_by)
    found = [("totals", scorecard["totals"])] + [
        ((group["source"], group["key"]) if group_by == "section" else (None, group["key"]), group)
        for group in scorecard["groups"]
    ]
    classes = {name: tuple(group["claim_gap_counts"][c] for c in GAP_CLASSES) for name, group in found}
    return shaped | {"groups": {name: (*row, classes[name]) for name, row in shaped["groups"].items()}}


def matrix_sql(backend: str) -> str:
    """Every recommendation with categories, statuses, latest assessment and evidence, in natural order."""
    if backend == "postgresql":
        agg = "string_agg({value}, '{sep}' ORDER BY {order})"
        summary, lateral = "(a.payload::json ->> 'summary')", True
    else:
        agg = "group_concat({value}, '{sep}')"
        summary, lateral = "json_extract(a.payload, '$.summary')", False

    def categories(kind: str, value: str) -> str:
        return (
            f"(SELECT {agg.format(value=value, sep='; ', order='c.slug')} FROM recommendation_categories rc "
            "JOIN categories c ON c.id = rc.category_id "
            f"WHERE rc.recommendation_id = r.id AND c.kind = '{kind}')"
        )

    line = "e.title || ' (' || re.relation || coalesce(', ' || e.published_on, '') || '): ' || e.url"
    evidence = (
        f"(SELECT {agg.format(value=line, sep=chr(10), order='re.linked_at, re.id')} "
        "FROM recommendation_evidence re JOIN evidence e ON e.id = re.evidence_id "
        "WHERE re.recommendation_id = r.id AND re.unlinked_at IS NULL AND e.visibility = 'public')"
    )
    newest = (
        "SELECT h.id FROM history_entries h WHERE h.recommendation_id = r.id "
        "AND h.perspective = 'independent' ORDER BY h.effective_on DESC, h.seq DESC LIMIT 1"
    )
    assessment = (
        f"LEFT JOIN LATERAL ({newest}) latest ON true LEFT JOIN history_entries a ON a.id = latest.id"
        if lateral
        else f"LEFT JOIN history_entries a ON a.id = ({newest})"
    )
    return (
        f"SELECT r.code, r.section_number || '. ' || se.title, r.text, {categories('addressee', 'c.label')}, "
        f"{categories('theme', 'c.label')}, {categories('sdg', 'c.slug')}, r.claimed_status, r.status, "
        f"{summary}, a.effective_on, {evidence} FROM recommendations r "
        f"JOIN sections se ON se.id = r.section_id {assessment} "
        "ORDER BY r.source_id, r.section_number, r.number"
    )


def matrix_csv_floor(url: str, target: Path) -> dict[str, Any]:
    """Stream the matrix SELECT into a CSV file with the csv module; time and memory of this process."""
    before = _rss_kb()
    started = time.perf_counter()
    raw = Raw(url)
    rows = 0
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(
            [
                "Code",
                "Section",
                "Recommendation",
                "Addressees",
                "Themes",
                "SDG targets",
                "State's claim",
                "Independent status",
                "Latest assessment",
                "Assessment date",
                "Evidence",
            ]
        )
        if raw.backend == "postgresql":
            with raw.db.transaction(), raw.db.cursor(name="matrix") as cursor:
                cursor.itersize = 2000
                cursor.execute(matrix_sql("postgresql"))
                for row in cursor:
                    writer.writerow(row)
                    rows += 1
        else:
            for row in raw.db.execute(matrix_sql("sqlite")):
                writer.writerow(row)
                rows += 1
    raw.close()
    return {
        "seconds": time.perf_counter() - started,
        "rows": rows,
        "bytes": target.stat().st_size,
        "rss_before_kb": before,
        "peak_kb": _peak_kb(),
    }


def _rss_kb() -> int:
    return _proc_status("VmRSS")


def _peak_kb() -> int:
    return _proc_status("VmHWM")


def _proc_status(name: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    return 0


if __name__ == "__main__":
    # python -m bench.floors matrix-csv URL TARGET: run in a process of its own so its memory is its own.
    if len(sys.argv) != 4 or sys.argv[1] != "matrix-csv":
        raise SystemExit("usage: python -m bench.floors matrix-csv URL TARGET")
    print(json.dumps(matrix_csv_floor(sys.argv[2], Path(sys.argv[3]))))
