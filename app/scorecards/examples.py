"""Examples shown in the OpenAPI page for scorecard responses."""

from typing import Any

BROKEN_COMMITMENT: dict[str, Any] = {
    "code": "odf-kz-2015-2.3",
    "source": "odf-kz-2015",
    "section": 2,
    "text": "Decriminalise defamation and insult.",
    "status": "not_implemented",
    "partially": False,
    "commitments": [
        {
            "code": "upr-kz-s20-1.12",
            "text": "Decriminalise defamation and move it to the Civil Code.",
            "paragraph": "106.12",
            "source": "upr-kz-s20",
            "cycle": 2,
            "session": 20,
            "reviewed_on": "2014-10-30",
            "document_symbol": "A/HRC/28/10",
            "recommending_states": [
                {"slug": "hungary", "label": "Hungary"},
                {"slug": "australia", "label": "Australia"},
            ],
            "response": "supported",
            "response_original": "Accepted",
            "strength": "same_measure",
        }
    ],
}
COMMITMENT_GAP_EXAMPLE: dict[str, Any] = {"items": [BROKEN_COMMITMENT], "total": 1, "next_cursor": None}

SCORECARD_EXAMPLE: dict[str, Any] = {
    "as_of": "2025-01-20",
    "known_at": None,
    "perspective": "independent",
    "group_by": "section",
    "stale_after_days": 365,
    "formula": {
        "name": "Implementation index",
        "source": "UPR Info's implementation index",
        "weights": {"implemented": 1, "partially_implemented": 0.5, "not_implemented": 0, "regressed": 0},
        "excluded": ["not_assessed"],
        "rules": ["score = mean weight over assessed recommendations"],
    },
    "totals": {
        "total": 43,
        "by_status": {
            "not_assessed": 40,
            "not_implemented": 1,
            "partially_implemented": 1,
            "implemented": 0,
            "regressed": 1,
        },
        "assessed": 3,
        "score": 0.1667,
        "regressions": 1,
        "evidence_coverage": 0.0465,
        "stale": 40,
        "commitments": {
            "committed": 2,
            "partially": 0,
            "not_implemented_or_regressed": 1,
            "not_assessed": 1,
            "noted": 1,
        },
        "claim_gap_counts": {"overclaim": 1, "underclaim": 0, "unassessed": 1},
    },
    "groups": [
        {
            "key": "2",
            "label": "Legislative measures",
            "source": "odf-kz-2015",
            "total": 5,
            "by_status": {
                "not_assessed": 2,
                "not_implemented": 1,
                "partially_implemented": 1,
                "implemented": 0,
                "regressed": 1,
            },
            "assessed": 3,
            "score": 0.1667,
            "regressions": 1,
            "evidence_coverage": 0.4,
            "stale": 2,
            "commitments": {
                "committed": 2,
                "partially": 0,
                "not_implemented_or_regressed": 1,
                "not_assessed": 1,
                "noted": 1,
            },
            "claim_gap_counts": {"overclaim": 1, "underclaim": 0, "unassessed": 1},
        }
    ],
    "claim_gaps": [],
    "claim_gaps_total": 0,
    "claim_gaps_next": None,
    "commitment_gaps": [BROKEN_COMMITMENT],
    "commitment_gaps_total": 1,
    "commitment_gaps_next": None,
}
