"""Examples shown in the OpenAPI page for scorecard responses."""

from typing import Any

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
        }
    ],
    "claim_gaps": [],
    "claim_gaps_total": 0,
    "claim_gaps_next": None,
}
