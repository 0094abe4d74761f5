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


# A series' chart: one stacked column per step (shares of the recommendations), the score as a line on the
# same 0-1 scale. Columns take this share of their slot; the rest is the gap between them.
COLUMN_SHARE = 0.7
MAX_AXIS_LABELS = 8


def series_chart(series: dict[str, Any]) -> dict[str, Any]:
    """Columns, score points and axis labels of a series, every coordinate in percent of the plot."""
    steps = series["steps"]
    slot = 100 / len(steps) if steps else 100.0
    every = -(-len(steps) // MAX_AXIS_LABELS) if steps else 1
    columns: list[dict[str, Any]] = []
    points: list[dict[str, Any]] = []
    for index, step in enumerate(steps):
        totals = step["totals"]
        total = totals["total"]
        segments, below = [], 0.0
        for status in SEGMENT_ORDER:
            count = int(totals["by_status"].get(status.value, 0))
            if not count or not total:
                continue
            share = count / total
            below += share
            segments.append(
                {"status": status.value, "y": f"{(1 - below) * 100:.3f}%", "height": f"{share * 100:.3f}%"}
            )
        centre = (index + 0.5) * slot
        columns.append(
            {
                "x": f"{index * slot + slot * (1 - COLUMN_SHARE) / 2:.3f}%",
                "width": f"{slot * COLUMN_SHARE:.3f}%",
                "centre": f"{centre:.3f}%",
                "segments": segments,
                "label": step["as_of"] if _labelled(index, len(steps), every) else None,
                # The first and last labels line up with the plot's edges rather than overflow them.
                "anchor": "start" if index == 0 else "end" if index == len(steps) - 1 else "middle",
                "label_x": f"{0 if index == 0 else 100 if index == len(steps) - 1 else centre:.3f}%",
            }
        )
        if totals["score"] is not None:
            points.append({"index": index, "x": f"{centre:.3f}%", "y": f"{(1 - totals['score']) * 100:.3f}%"})
    lines = [
        {"x1": a["x"], "y1": a["y"], "x2": b["x"], "y2": b["y"]}
        for a, b in zip(points, points[1:], strict=False)
        if b["index"] == a["index"] + 1
    ]
    return {"columns": columns, "points": points, "lines": lines}


def _labelled(index: int, count: int, every: int) -> bool:
    """Every `every`-th step and the last one, leaving out one too close before the last."""
    if index == count - 1:
        return True
    return index % every == 0 and count - 1 - index >= max(every // 2, 1)
