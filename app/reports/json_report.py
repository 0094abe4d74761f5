"""JSON: the matrix rows for dashboards, streamed as one document."""

import json
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any

ROWS_PER_CHUNK = 200


def _encode(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot encode {type(value).__name__}")


def dumps(value: Any) -> str:
    """Compact JSON with dates as ISO 8601 and times in UTC with 'Z'."""
    return json.dumps(value, default=_encode, ensure_ascii=False, separators=(",", ":"))


def matrix_json(rows: Iterable[dict[str, Any]], meta: dict[str, Any]) -> Iterator[str]:
    """`{"as_of", "known_at", "perspective", "rows": [...]}` as text chunks, encoded as rows stream in."""
    head = dumps({key: meta[key] for key in ("as_of", "known_at", "perspective")})
    pending = [head[:-1] + ',"rows":[']
    for count, row in enumerate(rows):
        pending.append(("," if count else "") + dumps(row))
        if len(pending) >= ROWS_PER_CHUNK:
            yield "".join(pending)
            pending = []
    pending.append("]}")
    yield "".join(pending)
