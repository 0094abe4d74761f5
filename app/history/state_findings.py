"""The checks of `verify_state` by name, and what they found: each one's first discrepancy, and counts."""

from collections import Counter
from datetime import date, datetime
from typing import Any

# Each check's name (the key its first discrepancy is reported under) and what it compares with the chains.
CHECKS: dict[str, str] = {
    "text": "each recommendation's text: its genesis entry's text, or the newest text_changed entry's",
    "status": "status: the independent assessment latest by (effective_on, seq), or not_assessed",
    "claimed_status": "claimed_status: the same for the state's perspective",
    "version": "version: the number of entries in the recommendation's chain",
    "last_assessed_at": "last_assessed_at: when the newest assessment of any perspective was recorded",
    "created_at": "a recommendation's created_at: within a minute before its genesis entry",
    "placement": "source, section and numbers as the code (which the chain hashes) spells them",
    "source": "the source's slug and details as its recommendations' genesis entries anchor them",
    "section": "the section's number and title as its recommendations' genesis entries anchor them",
    "categories": "a recommendation's addressees, themes and SDG targets with their labels, as its genesis",
    "chains": "one chain per recommendation, none without one, and as many recommendations per section "
    "and source as their genesis entries anchor",
    "evidence": "each evidence item's URL, title, kind, date, visibility and creation time, as linked",
    "links": "each link to evidence (relation, visibility, note, who, when, unlinking, its item's date) "
    "against its entries",
    "recommendation_links": "each link between recommendations (the other's code and source, strength, note, "
    "who, when, unlinking) against the entries of both chains",
    "aliases": "each monitor's public alias: 'Monitor <id>'",
    "response": "the state's response and its original word: the newest response_recorded entry's, else the "
    "genesis entry's; each such entry's response column as its payload records it",
    "upr_fields": "a recommendation's paragraph and action category, as its genesis entry records them",
    "checkpoints": "each checkpoint's key id: derived from its public key",
    "maintained": "the columns kept for current scorecards: each perspective's latest effective date, the "
    "active progress and regression links by visibility, and the claim-gap class, as the chain gives them",
    "periods": "the status periods as-of scorecards read: each perspective's status from one effective date "
    "to the next, as known from one recording time to the next, as the chain's entries give them",
    "pairs": "the status pairs as-of scorecards read: the independent and the state status side by side from "
    "one effective date to the next, as the status periods the chain gives hold them now",
    "translations": "each translation (text, provenance, translator, who, when, superseded when) as the "
    "translation_recorded entries of its recommendation's, section's or source's chains record it",
}


def plain(value: Any) -> Any:
    """A value as JSON shows it: dates and times in ISO 8601 (times in UTC, read naive from SQLite)."""
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.isoformat() + "Z"
    return value.isoformat() if isinstance(value, date | datetime) else value


class Findings:
    """The first discrepancy of each check, how much was checked, and what the chains do not anchor."""

    def __init__(self) -> None:
        self.first: dict[str, dict[str, Any]] = {}
        self.checked: Counter[str] = Counter()
        self.unanchored: Counter[str] = Counter()

    def differs(
        self, check: str, code: str | None, what: str, expected: Any, found: Any, **where: Any
    ) -> None:
        """Record a discrepancy, unless this check found one already."""
        if check not in CHECKS:
            raise ValueError(f"unknown check {check!r}")
        if check not in self.first:
            self.first[check] = {
                "code": code,
                "what": what,
                "expected": plain(expected),
                "found": plain(found),
                **{key: plain(value) for key, value in where.items()},
            }

    def compare(
        self, check: str, code: str | None, what: str, expected: Any, found: Any, **where: Any
    ) -> bool:
        """Record a discrepancy when `found` is not `expected`; True when they agree."""
        if expected == found:
            return True
        self.differs(check, code, what, expected, found, **where)
        return False

    def report(self) -> dict[str, Any]:
        """The findings as the verification report's `state`."""
        return {
            "ok": not self.first,
            "first_discrepancies": dict(self.first),
            "checked": dict(sorted(self.checked.items())),
            "unanchored": dict(sorted(self.unanchored.items())),
        }
