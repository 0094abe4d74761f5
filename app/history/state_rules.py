"""Compare one recommendation's stored rows with what its chain says (state_chain.ChainFacts)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from app.history import status_pairs
from app.history.chain import format_recorded_at
from app.history.periods import PeriodSource, replay
from app.history.state_chain import STATUS_COLUMNS, ChainFacts, LinkEvent, read_chain
from app.history.state_findings import Findings, plain
from app.history.state_streams import Group
from app.vocabulary import Relation, Visibility, claim_gap_class

# Rows written in the same transaction as a genesis entry (the recommendation, the seed's links) are
# stamped a moment before it: the chain anchors their time to within this window.
GENESIS_WINDOW = timedelta(minutes=1)
SOURCE_DETAILS = ("title", "publisher", "published_on", "url", "date_note")
# Anchored by genesis entries written since sources had kinds (migration 0007), and the language since
# translations (0010); compared where anchored.
SOURCE_KIND_DETAILS = ("kind", "state_under_review", "cycle", "session", "reviewed_on", "document_symbol")
# The maintained columns (app.recommendations.maintained, restated: history imports no domain package).
EFFECTIVE_ON_COLUMNS = {"independent": "status_effective_on", "state": "claimed_effective_on"}
COVERAGE_COLUMNS = {
    Visibility.public.value: "coverage_links_public",
    Visibility.restricted.value: "coverage_links_restricted",
}
COVERAGE_SINCE_COLUMNS = {
    Visibility.public.value: "coverage_public_since",
    Visibility.restricted.value: "coverage_restricted_since",
}
COVERAGE_RELATIONS = (Relation.progress.value, Relation.regression.value)


@dataclass
class Tally:
    """How many recommendations a section or source has, and the most its genesis entries anchor."""

    slug: str | None
    section: int | None = None
    found: int = 0
    anchored: int | None = None

    def anchor(self, count: Any) -> None:
        """Take a genesis entry's count: later imports anchor larger ones, so the largest holds."""
        if isinstance(count, int):
            self.anchored = count if self.anchored is None else max(self.anchored, count)


class Tallies:
    """Recommendations per section and per source, counted while the groups stream by."""

    def __init__(self) -> None:
        self.sections: dict[int, Tally] = {}
        self.sources: dict[int, Tally] = {}
        self.anchored_categories: set[int] = set()


def check_group(findings: Findings, group: Group, tallies: Tallies) -> None:
    """Check everything stored under one recommendation id against its chain."""
    if group.recommendation is None:
        _orphans(findings, group)
        return
    code = group.recommendation[1]
    findings.checked["recommendations"] += 1
    findings.checked["entries"] += len(group.entries)
    findings.checked["links"] += len(group.links)
    findings.checked["recommendation_links"] += sum(1 for row in group.pair_links if row[11])
    if not group.entries:
        findings.differs("chains", code, "history_entries", "a chain starting with a genesis entry", None)
        return
    findings.checked["chains"] += 1
    try:
        facts = read_chain(group.entries)
        _check_recommendation(findings, group.recommendation, facts, tallies)
        _check_maintained(findings, group.recommendation, facts, group.links)
        _check_pairs(findings, code, group, _check_periods(findings, code, group))
        _check_anchors(findings, group, facts, tallies)
        if facts.links_readable:
            _check_links(findings, code, facts, group.links)
        else:
            findings.unanchored["links_of_withdrawn_entries"] += len(group.links)
        if facts.pair_links_readable:
            _check_pair_links(findings, code, facts, group.pair_links)
        else:
            findings.unanchored["recommendation_links_of_withdrawn_entries"] += len(group.pair_links)
    except (ValueError, KeyError, TypeError, AttributeError):
        # Only a payload that is not what the app writes gets here: its hash may still hold (format 1 entries
        # re-hashed by whoever rewrote them), so say so rather than stop the verification.
        findings.differs("chains", code, "history_entries.payload", "payloads as the app writes them", None)


def _orphans(findings: Findings, group: Group) -> None:
    where = {"recommendation_id": group.recommendation_id}
    if group.entries:
        findings.differs("chains", None, "history_entries", None, f"{len(group.entries)} entries", **where)
    if group.links:
        findings.differs("links", None, "recommendation_evidence", None, f"{len(group.links)} links", **where)
    if group.categories:
        found = f"{len(group.categories)} categories"
        findings.differs("categories", None, "recommendation_categories", None, found, **where)
    if group.pair_links:
        found = f"{len(group.pair_links)} links"
        findings.differs("recommendation_links", None, "recommendation_links", None, found, **where)


def _check_recommendation(
    findings: Findings, rec: Sequence[Any], facts: ChainFacts, tallies: Tallies
) -> None:
    (_, code, text, status, claimed, version, last_assessed_at, created_at, source_id, section_id) = rec[:10]
    section_number, number, slug = rec[10:13]
    sec_source_id, sec_number = rec[18:20]
    if facts.text is None:
        findings.unanchored["genesis_without_text"] += 1
    else:
        findings.compare("text", code, "recommendations.text", facts.text, text)
    columns = {"status": status, "claimed_status": claimed}
    for perspective, column in STATUS_COLUMNS.items():
        expected = facts.status(perspective)
        findings.compare(column, code, f"recommendations.{column}", expected, columns[column])
    findings.compare("version", code, "recommendations.version", facts.length, version)
    findings.compare(
        "last_assessed_at", code, "recommendations.last_assessed_at", facts.last_assessed_at, last_assessed_at
    )
    if facts.genesis_at is not None and not _just_before(created_at, facts.genesis_at):
        findings.differs("created_at", code, "recommendations.created_at", facts.genesis_at, created_at)
    spelled = f"{slug}-{section_number}.{number}"
    findings.compare("placement", code, "recommendations.source_id, section_number, number", code, spelled)
    findings.compare("placement", code, "recommendations.section_id", section_number, sec_number)
    findings.compare("placement", code, "sections.source_id", source_id, sec_source_id)
    tallies.sections.setdefault(section_id, Tally(slug, section_number)).found += 1
    tallies.sources.setdefault(source_id, Tally(slug)).found += 1
    _check_upr_fields(findings, rec, facts)


def _check_maintained(
    findings: Findings, rec: Sequence[Any], facts: ChainFacts, links: list[Sequence[Any]]
) -> None:
    """The columns current scorecards count: dates, claim-gap class and coverage as the chain gives them."""
    code = rec[1]
    stored = dict(
        zip(
            (
                *EFFECTIVE_ON_COLUMNS.values(),
                *COVERAGE_COLUMNS.values(),
                "claim_gap_class",
                *COVERAGE_SINCE_COLUMNS.values(),
            ),
            rec[32:39],
            strict=True,
        )
    )
    for perspective, column in EFFECTIVE_ON_COLUMNS.items():
        latest = facts.latest.get(perspective)
        expected = latest[0] if latest is not None else None
        findings.compare("maintained", code, f"recommendations.{column}", expected, stored[column])
    covering = _coverage_links(facts, links)
    for visibility, column in COVERAGE_COLUMNS.items():
        dates = covering.get(visibility, [])
        findings.compare("maintained", code, f"recommendations.{column}", len(dates), stored[column])
        # The earliest date among them; none when one has no date (it covers at any date) or there are none.
        dated = [on for on in dates if on is not None]
        since = min(dated) if dated and len(dated) == len(dates) else None
        since_column = COVERAGE_SINCE_COLUMNS[visibility]
        found = _iso(stored[since_column])
        findings.compare("maintained", code, f"recommendations.{since_column}", since, found)
    gap = claim_gap_class(facts.status("state"), facts.status("independent"))
    expected_class = gap.value if gap is not None else None
    findings.compare(
        "maintained", code, "recommendations.claim_gap_class", expected_class, stored["claim_gap_class"]
    )


def _check_periods(findings: Findings, code: str, group: Group) -> list[tuple[Any, ...]]:
    """The status periods as the chain's entries replay them (app.history.periods), row for row; returns
    the replayed rows."""
    sources = [
        PeriodSource(row[1], row[2], row[5], row[4], row[6], row[7], row[11])
        for row in group.entries
        if row[5] is not None or row[11] is not None
    ]
    expected = sorted((period.row() for period in replay(group.recommendation_id, sources)), key=_order)
    stored = sorted((tuple(row) for row in group.periods), key=_order)
    findings.checked["periods"] += len(stored)
    _compare_rows(findings, "periods", code, "status_periods", expected, stored)
    return expected


def _check_pairs(findings: Findings, code: str, group: Group, periods: list[tuple[Any, ...]]) -> None:
    """The status pairs as the replayed periods give them (app.history.status_pairs), row for row."""
    expected = status_pairs.from_periods(group.recommendation_id, periods)
    stored = [tuple(row) for row in group.pairs]
    findings.checked["pairs"] += len(stored)
    _compare_rows(findings, "pairs", code, "status_pairs", expected, stored)


def _compare_rows(
    findings: Findings,
    check: str,
    code: str,
    table: str,
    expected: list[tuple[Any, ...]],
    stored: list[tuple[Any, ...]],
) -> None:
    """The first row where two ordered lists differ, reported under `check`."""
    if expected == stored:
        return
    at = next(
        (index for index, pair in enumerate(zip(expected, stored, strict=False)) if pair[0] != pair[1]),
        min(len(expected), len(stored)),
    )
    findings.differs(check, code, table, _nth(expected, at), _nth(stored, at), position=at)


def _nth(rows: list[tuple[Any, ...]], index: int) -> list[Any] | None:
    return [plain(value) for value in rows[index]] if index < len(rows) else None


def _order(row: Sequence[Any]) -> tuple[Any, ...]:
    # Perspective, start, then when known: an order both sides share whatever order the rows were written in.
    return (row[1], row[4], row[5], row[7], row[8] is None, row[8] or row[7])


def _coverage_links(facts: ChainFacts, rows: list[Sequence[Any]]) -> dict[str, list[str | None]]:
    """The published_on (ISO) of each active progress and regression link by visibility, as the chain records
    them (the link rows when a withdrawn entry leaves the chain's links unreadable)."""
    covering: dict[str, list[str | None]] = {}
    if not facts.links_readable:
        for row in rows:
            if row[8] is None and row[3] in COVERAGE_RELATIONS:
                covering.setdefault(row[4], []).append(_iso(row[15]))
        return covering
    stored: dict[int, list[Sequence[Any]]] = {}
    for row in rows:
        stored.setdefault(row[2], []).append(row)
    for evidence_id, events in facts.links.items():
        found = stored.get(evidence_id, [])
        for index, event in enumerate(events):
            if event.unlink is None and event.payload.get("relation") in COVERAGE_RELATIONS:
                link = found[index] if index < len(found) else None
                # Entries from before links had their own visibility: migration 0005 gave links their item's.
                legacy = link[16] if link is not None else ""
                visibility = str(event.payload.get("visibility", legacy))
                published = event.payload.get("published_on", _iso(link[15]) if link is not None else None)
                covering.setdefault(visibility, []).append(published)
    return covering


def _check_upr_fields(findings: Findings, rec: Sequence[Any], facts: ChainFacts) -> None:
    """The response against the newest response entry; paragraph and action category against the genesis."""
    code = rec[1]
    paragraph, response, original, action_category = rec[27:31]
    for seq, recorded, column in facts.response_copies:
        findings.differs("response", code, "history_entries.response", recorded, column, seq=seq)
    if facts.response_readable:
        findings.compare("response", code, "recommendations.response", facts.response[0], response)
        findings.compare("response", code, "recommendations.response_original", facts.response[1], original)
    else:
        findings.unanchored["response_of_withdrawn_entries"] += 1
    genesis = facts.genesis or {}
    for key, stored in (("paragraph", paragraph), ("action_category", action_category)):
        if key in genesis:
            findings.compare("upr_fields", code, f"recommendations.{key}", genesis[key], stored)
        elif stored is not None:
            findings.unanchored[f"genesis_without_{key}"] += 1


def _check_anchors(findings: Findings, group: Group, facts: ChainFacts, tallies: Tallies) -> None:
    """The source, section and categories the genesis entry anchors, where it anchors them."""
    rec = group.recommendation
    assert rec is not None
    code, source_id, section_id, slug, sec_title = rec[1], rec[8], rec[9], rec[12], rec[20]
    genesis = facts.genesis or {}
    if "source" in genesis:
        findings.compare("source", code, "sources.slug", genesis["source"], slug)
    details = genesis.get("source_details")
    if isinstance(details, dict):
        stored = dict(zip(SOURCE_DETAILS, rec[13:18], strict=True))
        for key in SOURCE_DETAILS:
            findings.compare(
                "source", code, f"sources.{key}", details.get(key), _iso(stored[key]), source=slug
            )
        for key, value in zip((*SOURCE_KIND_DETAILS, "language"), (*rec[21:27], rec[31]), strict=True):
            if key in details:
                findings.compare("source", code, f"sources.{key}", details[key], _iso(value), source=slug)
        tallies.sources[source_id].anchor(details.get("recommendations"))
    else:
        findings.unanchored["genesis_without_source_details"] += 1
    section = genesis.get("section")
    if isinstance(section, dict):
        findings.compare("section", code, "sections.number", section.get("number"), rec[19])
        findings.compare("section", code, "sections.title", section.get("title"), sec_title)
        tallies.sections[section_id].anchor(section.get("recommendations"))
    else:
        findings.unanchored["genesis_without_section"] += 1
    stored_categories = sorted(f"{kind}/{slug}: {label}" for _, _, kind, slug, label in group.categories)
    findings.checked["category_links"] += len(group.categories)
    anchored = genesis.get("categories")
    if isinstance(anchored, list):
        expected = sorted(f"{item['kind']}/{item['slug']}: {item['label']}" for item in anchored)
        findings.compare(
            "categories", code, "recommendation_categories, categories", expected, stored_categories
        )
        tallies.anchored_categories.update(row[1] for row in group.categories)
    else:
        findings.unanchored["category_links"] += len(group.categories)


def _check_links(findings: Findings, code: str, facts: ChainFacts, rows: list[Sequence[Any]]) -> None:
    """Match the k-th link row of each evidence item (by id) with the k-th link the chain records (by seq)."""
    if facts.stray_unlinks:
        what = "history_entries (evidence_unlinked)"
        findings.differs("links", code, what, "an active link to unlink", None, seq=facts.stray_unlinks[0])
    stored: dict[int, list[Sequence[Any]]] = {}
    for row in rows:
        stored.setdefault(row[2], []).append(row)
    for evidence_id in sorted(set(stored) | set(facts.links)):
        events, links = facts.links.get(evidence_id, []), stored.get(evidence_id, [])
        for index in range(max(len(events), len(links))):
            if index >= len(links):
                findings.differs(
                    "links",
                    code,
                    "recommendation_evidence",
                    "a link the chain records",
                    None,
                    evidence_id=evidence_id,
                )
            elif index >= len(events):
                state = "active" if links[index][8] is None else "unlinked"
                what = "recommendation_evidence"
                findings.differs(
                    "links", code, what, None, f"an {state} link no entry records", evidence_id=evidence_id
                )
            else:
                _check_link(findings, code, events[index], links[index])
                _check_evidence(findings, code, events[index], links[index])


LINK_COLUMNS = (
    "relation",
    "visibility",
    "note",
    "linked_at",
    "linked_by",
    "unlinked_at",
    "unlinked_by",
    "unlink_reason",
    "evidence_published_on",
)
EVIDENCE_KEYS = ("url", "title", "kind", "published_on", "evidence_visibility", "evidence_created_at")


def _check_link(findings: Findings, code: str, event: LinkEvent, row: Sequence[Any]) -> None:
    found = (*row[3:11], _iso(row[19]))
    relation, visibility, note, linked_at, linked_by = found[:5]
    payload, unlink = event.payload, event.unlink
    if "visibility" not in payload:
        findings.unanchored["link_visibility"] += 1
    if "note" not in payload:
        findings.unanchored["link_notes"] += 1
    # The seed stamps its links a moment before the genesis entry; writes stamp them with their entry's time.
    anchored_at = (
        linked_at if event.genesis and _just_before(linked_at, event.recorded_at) else event.recorded_at
    )
    expected = (
        payload.get("relation"),
        # Entries from before links had their own visibility: migration 0005 gave each link its item's.
        payload.get("visibility", row[16]),
        payload.get("note", note),
        anchored_at,
        event.recorded_by,
        unlink and unlink.recorded_at,
        unlink and unlink.recorded_by,
        unlink and unlink.payload.get("reason"),
        # The item's date as the entry recorded it (the item's own where it did not), copied onto the link.
        payload.get("published_on", _iso(row[15])),
    )
    if expected != found:
        column, anchored, stored = next(
            item for item in zip(LINK_COLUMNS, expected, found, strict=True) if item[1] != item[2]
        )
        what = f"recommendation_evidence.{column}"
        findings.differs("links", code, what, anchored, stored, evidence_id=row[2])


PAIR_COLUMNS = (
    "other_source",
    "strength",
    "note",
    "linked_at",
    "linked_by",
    "unlinked_at",
    "unlinked_by",
    "unlink_reason",
)


def _check_pair_links(findings: Findings, code: str, facts: ChainFacts, rows: list[Sequence[Any]]) -> None:
    """Match the k-th link row (by id) to another recommendation with the k-th link to it the chain records
    (by seq). Every row comes once under each end, so both chains are compared with it."""
    if facts.stray_pair_unlinks:
        what = "history_entries (recommendation_unlinked)"
        findings.differs(
            "recommendation_links",
            code,
            what,
            "an active link to unlink",
            None,
            seq=facts.stray_pair_unlinks[0],
        )
    stored: dict[str, list[Sequence[Any]]] = {}
    for row in rows:
        stored.setdefault(row[2] or "", []).append(row)
    for other in sorted(set(stored) | set(facts.pair_links)):
        events, links = facts.pair_links.get(other, []), stored.get(other, [])
        for index in range(max(len(events), len(links))):
            if index >= len(links):
                what = "recommendation_links"
                findings.differs(
                    "recommendation_links", code, what, "a link the chain records", None, other=other
                )
            elif index >= len(events):
                state = "active" if links[index][8] is None else "unlinked"
                found = f"an {state} link no entry records"
                findings.differs(
                    "recommendation_links", code, "recommendation_links", None, found, other=other
                )
            else:
                _check_pair_link(findings, code, events[index], links[index])


def _check_pair_link(findings: Findings, code: str, event: LinkEvent, row: Sequence[Any]) -> None:
    found = tuple(row[3:11])
    payload, unlink = event.payload, event.unlink
    expected = (
        payload.get("other_source"),
        payload.get("strength"),
        payload.get("note"),
        event.recorded_at,
        event.recorded_by,
        unlink and unlink.recorded_at,
        unlink and unlink.recorded_by,
        unlink and unlink.payload.get("reason"),
    )
    if expected != found:
        column, anchored, stored = next(
            item for item in zip(PAIR_COLUMNS, expected, found, strict=True) if item[1] != item[2]
        )
        what = "sources.slug (of the other)" if column == "other_source" else f"recommendation_links.{column}"
        findings.differs("recommendation_links", code, what, anchored, stored, other=row[2])


def _check_evidence(findings: Findings, code: str, event: LinkEvent, row: Sequence[Any]) -> None:
    """The linked item as the entry saw it: URL, title, kind, date, the item's visibility and creation."""
    link_id, evidence_id = row[1], row[2]
    (stored_id, url, title, kind, published_on, visibility, created_at, first_link_id) = row[11:19]
    if stored_id is None:
        findings.differs(
            "evidence", code, "evidence", f"evidence {evidence_id}", None, evidence_id=evidence_id
        )
        return
    payload, first = event.payload, link_id == first_link_id
    if first:
        findings.checked["evidence"] += 1
    stored = (url, title, kind, _iso(published_on), visibility, format_recorded_at(created_at))
    expected = tuple(payload.get(key, value) for key, value in zip(EVIDENCE_KEYS, stored, strict=True))
    if expected != stored:
        key, anchored, value = next(
            item for item in zip(EVIDENCE_KEYS, expected, stored, strict=True) if item[1] != item[2]
        )
        what = f"evidence.{key.removeprefix('evidence_')}"
        findings.differs("evidence", code, what, anchored, value, evidence_id=evidence_id)
    if first:
        for key in EVIDENCE_KEYS:
            if key not in payload:
                findings.unanchored[f"evidence_{key.removeprefix('evidence_')}"] += 1
    if "evidence_visibility" not in payload:
        where = {"evidence_id": evidence_id}
        _check_legacy_evidence(findings, code, event, first, visibility, created_at, where)


def _check_legacy_evidence(
    findings: Findings,
    code: str,
    event: LinkEvent,
    first: bool,
    visibility: str,
    created_at: datetime,
    where: dict[str, Any],
) -> None:
    """Entries written before links recorded their item's visibility: a public link means a public item, and
    the item's first link row (the write that created it) had the item's visibility and came after it."""
    link_visibility = event.payload.get("visibility")
    if link_visibility == Visibility.public.value or first and link_visibility:
        findings.compare("evidence", code, "evidence.visibility", link_visibility, visibility, **where)
    if first and created_at > event.recorded_at:
        what = "evidence.created_at (not after the entry that first linked it)"
        findings.differs("evidence", code, what, event.recorded_at, created_at, **where)


def _just_before(stamp: datetime, entry_at: datetime) -> bool:
    return entry_at - GENESIS_WINDOW <= stamp <= entry_at


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value
