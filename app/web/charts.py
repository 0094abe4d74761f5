"""Geometry of the scorecard's stacked bars, in percentages so the SVG stretches without distorting text."""

from typing import Any

from app.vocabulary import Status

# Good news first, then bad, then the unknown: reading left to right tells the story.
SEGMENT_ORDER = (
    Status.implemented,
    Status.partially_implemented,
    Status.not_implemented,
    Status.regressed,
    Status.not_assessed,
)
# Narrower segments get no count inside them (it would not fit); the table below always has it.
MIN_LABELLED_SHARE = 0.06


def stacked_bar(by_status: dict[str, int], total: int) -> list[dict[str, Any]]:
    """One segment per status with a count: its start, width and label position, in percent."""
    segments: list[dict[str, Any]] = []
    start = 0.0
    for status in SEGMENT_ORDER:
        count = int(by_status.get(status.value, 0))
        if not count or not total:
            continue
        share = count / total
        segments.append(
            {
                "status": status.value,
                "count": count,
                "x": f"{start * 100:.3f}%",
                "width": f"{share * 100:.3f}%",
                "label_x": f"{(start + share / 2) * 100:.3f}%",
                "labelled": share >= MIN_LABELLED_SHARE,
            }
        )
        start += share
    return segments
